//! `klaxon config export` / `apply`: the on-call configuration as one YAML document
//! (`domain::team_config`). Applying reads and checks the whole document first, every error
//! naming its line, and writes nothing unless all of it is good; then it creates and updates
//! item by item, in the order items refer to each other (people, schedules, policies,
//! services, keys, audiences). It never deletes. Applying the same document again changes
//! nothing.

use std::collections::HashMap;

use crate::domain::alert::KeyKind;
use crate::domain::escalation::PolicyDoc;
use crate::domain::ids::{ScheduleId, UserId};
use crate::domain::notify::{Member, NewMember};
use crate::domain::oncall::doc::{layers, ScheduleDoc};
use crate::domain::team_config::{is_person, item_line, plan, Action, Change, KeyDoc, Kind, ServiceDoc, TeamConfig, UserDoc};
use crate::domain::text::{checked, Lines};
use crate::domain::timers::Audience;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::webhook::{parse_target, shown_url};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{audiences, catalog, escalations, integrations, schedules, users};
use crate::server::services::oncall::zone;
use crate::server::services::{integrations as keys, notifications, oncall, policies};
use crate::server::state::AppState;

/// The largest document accepted.
pub const YAML_MAX: usize = 1024 * 1024;

/// What Klaxon has now, as a document. Keys by name only; audience webhook addresses with
/// their secret part hidden (as `/audiences` shows them).
pub async fn export(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<TeamConfig> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let people = users::list(&mut conn).await?;
    let zones = users::time_zones(&mut conn).await?;
    let email_of: HashMap<UserId, String> = people.iter().map(|u| (u.id, u.email.clone())).collect();
    let mut cfg = TeamConfig {
        users: people.iter().map(|u| UserDoc { email: u.email.clone(), name: u.name.clone(), role: u.role, time_zone: zones.get(&u.id).cloned() }).collect(),
        ..Default::default()
    };
    let stored = schedules::list(&mut conn).await?;
    let schedule_name: HashMap<ScheduleId, String> = stored.iter().map(|s| (s.id, s.name.clone())).collect();
    for s in &stored {
        match serde_yaml_ng::from_str::<ScheduleDoc>(&s.source_yaml) {
            Ok(doc) => cfg.schedules.push(doc),
            Err(e) => tracing::warn!(schedule = %s.name, error = %e, "a stored schedule's YAML no longer reads; left out of the export"),
        }
    }
    let stored_policies = escalations::list(&mut conn).await?;
    let policy_name: HashMap<_, _> = stored_policies.iter().map(|(id, name, _)| (*id, name.clone())).collect();
    for (_, name, p) in &stored_policies {
        cfg.policies.push(PolicyDoc::of(name, p, |id| schedule_name.get(&id).cloned(), |id| email_of.get(&id).cloned()));
    }
    for (service, description) in catalog::list_described(&mut conn).await? {
        let (policy, maintenance) = escalations::of_service(&mut conn, service.id).await?;
        let integration_keys = integrations::of_service(&mut conn, service.id)
            .await?
            .into_iter()
            .filter(|k| k.revoked_at.is_none())
            .map(|k| KeyDoc { name: k.name, kind: k.kind })
            .collect();
        cfg.services.push(ServiceDoc {
            slug: service.slug,
            name: service.name,
            description,
            escalation_policy: policy.and_then(|p| policy_name.get(&p).cloned()),
            maintenance,
            integration_keys,
        });
    }
    for m in audiences::members(&mut conn, None).await? {
        let member = match (&m.member.member, &m.url) {
            (Member::User { id, .. }, _) => email_of.get(id).cloned(),
            (Member::Webhook { .. }, Some(url)) => Some(shown_url(url)),
            _ => None,
        };
        if let Some(member) = member {
            cfg.audiences.of_mut(m.member.audience).push(member);
        }
    }
    Ok(cfg)
}

/// The document as YAML.
pub fn to_yaml(cfg: &TeamConfig) -> AppResult<String> {
    serde_yaml_ng::to_string(cfg).map_err(|e| {
        tracing::error!(error = %e, "cannot write the configuration as YAML");
        AppError::internal()
    })
}

/// What an apply did (or, on a dry run, would do).
#[derive(Debug, Clone)]
pub struct Applied {
    pub plan: Vec<Change>,
    /// The secrets of keys issued by this apply, `("checkout/Prometheus", secret)`: shown
    /// once, here.
    pub secrets: Vec<(String, String)>,
}

/// `section[index]` of the document, with its line: what an error names.
fn at(yaml: &str, section: &str, index: usize, what: &str) -> String {
    match item_line(yaml, section, index) {
        Some(line) => format!("line {line}, {section}[{index}] {what:?}"),
        None => format!("{section}[{index}] {what:?}"),
    }
}

/// Reads the document and checks all of it against what Klaxon has; every error is
/// returned, each naming its line. On success, the document with audience webhook
/// addresses as written (to apply), and as compared (hidden parts as export writes them).
async fn read(state: &AppState, yaml: &str) -> AppResult<(TeamConfig, TeamConfig)> {
    if yaml.len() > YAML_MAX {
        return Err(AppError::bad_request(format!("The document is over {} KB.", YAML_MAX / 1024)));
    }
    let cfg: TeamConfig = serde_yaml_ng::from_str(yaml).map_err(|e| AppError::bad_request(format!("The YAML is not a Klaxon configuration: {e}")))?;
    let mut errors: Vec<String> = Vec::new();
    let mut conn = state.db.pool().acquire().await?;

    // people: those Klaxon has and those the document adds (placeholder ids until created)
    let mut people: HashMap<String, UserId> = users::list(&mut conn).await?.into_iter().map(|u| (u.email.to_lowercase(), u.id)).collect();
    let mut seen = Vec::new();
    for (i, u) in cfg.users.iter().enumerate() {
        let here = at(yaml, "users", i, &u.email);
        match crate::server::services::auth::parse_email(&u.email) {
            Ok(email) if seen.contains(&email) => errors.push(format!("{here}: email: {email} is listed twice.")),
            Ok(email) => {
                if users::by_email(&mut conn, &email).await?.is_some_and(|u| !u.active) {
                    errors.push(format!("{here}: email: the account {email} is disabled; enable it with `klaxon user add` first."));
                }
                people.entry(email.clone()).or_insert(UserId(-1 - i as i64));
                seen.push(email);
            }
            Err(e) => errors.push(format!("{here}: email: {}", e.message)),
        }
        if let Err(e) = checked(&u.name, "name", 1, 100, Lines::One) {
            errors.push(format!("{here}: {e}"));
        }
        if let Some(z) = &u.time_zone {
            if let Err(e) = zone(z) {
                errors.push(format!("{here}: {}", e.message));
            }
        }
    }
    let user_of = |e: &str| people.get(&e.trim().to_lowercase()).copied();

    // schedules: read as `/oncall` reads them
    let mut schedule_ids: HashMap<String, ScheduleId> = schedules::list(&mut conn).await?.into_iter().map(|s| (s.name, s.id)).collect();
    let mut names = Vec::new();
    for (i, s) in cfg.schedules.iter().enumerate() {
        let here = at(yaml, "schedules", i, &s.name);
        let name = s.name.trim().to_string();
        if names.contains(&name) {
            errors.push(format!("{here}: name: {name:?} is listed twice."));
        }
        names.push(name.clone());
        if let Err(e) = checked(&s.name, "name", 1, crate::domain::oncall::doc::NAME_MAX, Lines::One) {
            errors.push(format!("{here}: {e}"));
        }
        match zone(&s.time_zone) {
            Ok(tz) => {
                if let Err(e) = layers(s, &tz, user_of) {
                    errors.push(format!("{here}: {e}"));
                }
            }
            Err(e) => errors.push(format!("{here}: {}", e.message)),
        }
        let next = ScheduleId(-1 - i as i64);
        schedule_ids.entry(name).or_insert(next);
    }

    // policies, naming schedules and people from Klaxon or the document
    let mut policy_names: Vec<String> = escalations::list(&mut conn).await?.into_iter().map(|(_, n, _)| n).collect();
    for (i, p) in cfg.policies.iter().enumerate() {
        let here = at(yaml, "policies", i, &p.name);
        if let Err(e) = checked(&p.name, "name", 1, 100, Lines::One) {
            errors.push(format!("{here}: {e}"));
        }
        if let Err(e) = p.policy(|n| schedule_ids.get(n.trim()).copied(), user_of) {
            errors.push(format!("{here}: {e}"));
        }
        policy_names.push(p.name.trim().to_string());
    }

    // services and their keys
    for (i, s) in cfg.services.iter().enumerate() {
        let here = at(yaml, "services", i, &s.slug);
        let slug_ok =
            !s.slug.trim().is_empty() && s.slug.trim().len() <= 64 && s.slug.trim().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            errors.push(format!("{here}: slug: {:?} must be 1 to 64 of a-z, 0-9 and -.", s.slug));
        }
        if let Err(e) = checked(&s.name, "name", 1, 100, Lines::One) {
            errors.push(format!("{here}: {e}"));
        }
        if let Some(p) = &s.escalation_policy {
            if !policy_names.iter().any(|n| n == p.trim()) {
                errors.push(format!("{here}: escalation_policy: there is no escalation policy named {:?}.", p.trim()));
            }
        }
        let existing = match catalog::by_slug(&mut conn, s.slug.trim()).await? {
            Some(found) => integrations::of_service(&mut conn, found.id).await?,
            None => vec![],
        };
        let mut key_names = Vec::new();
        for (j, k) in s.integration_keys.iter().enumerate() {
            match existing.iter().find(|e| e.name == k.name.trim()) {
                Some(e) if e.revoked_at.is_some() => {
                    errors.push(format!("{here}: integration_keys[{j}].name: the key {:?} was revoked; give a new key another name.", k.name.trim()))
                }
                Some(e) if e.kind != k.kind => errors.push(format!(
                    "{here}: integration_keys[{j}].kind: the key {:?} is for {}; a key's kind cannot change (issue a new key with another name).",
                    k.name.trim(),
                    e.kind.as_str()
                )),
                _ => {}
            }
            if let Err(e) = checked(&k.name, &format!("integration_keys[{j}].name"), 1, 100, Lines::One) {
                errors.push(format!("{here}: {e}"));
            }
            if key_names.contains(&k.name.trim()) {
                errors.push(format!("{here}: integration_keys[{j}].name: {:?} is listed twice.", k.name.trim()));
            }
            key_names.push(k.name.trim());
        }
    }

    // audiences: people by email, or webhook addresses (full, or hidden as export writes them
    // when the same audience has that address already)
    let stored_hooks: Vec<(Audience, String)> =
        audiences::members(&mut conn, None).await?.into_iter().filter_map(|m| m.url.map(|u| (m.member.audience, u))).collect();
    let mut compared = cfg.clone();
    for audience in Audience::ALL {
        let known: Vec<&String> = stored_hooks.iter().filter(|(a, _)| *a == audience).map(|(_, u)| u).collect();
        for (j, m) in cfg.audiences.of(audience).iter().enumerate() {
            let here = format!("audiences.{}[{j}]", audience.as_str());
            let shown = if is_person(m) {
                if user_of(m).is_none() {
                    errors.push(format!("{here}: nobody in the organisation or the document has the email {:?}.", m.trim()));
                }
                m.trim().to_lowercase()
            } else if m.contains('…') {
                if !known.iter().any(|u| shown_url(u) == m.trim()) {
                    errors.push(format!("{here}: {:?} is a hidden address this audience does not have; write the full address.", m.trim()));
                }
                m.trim().to_string()
            } else {
                match parse_target(m) {
                    // the address this audience has: compared as export writes it
                    Ok(_) if known.iter().any(|u| u.as_str() == m.trim()) => shown_url(m.trim()),
                    // a new one: compared in full, so it can never pass for another
                    Ok(_) => m.trim().to_string(),
                    Err(e) => {
                        errors.push(format!("{here}: {e}"));
                        m.trim().to_string()
                    }
                }
            };
            compared.audiences.of_mut(audience)[j] = shown;
        }
    }
    if errors.is_empty() {
        Ok((cfg, compared))
    } else {
        Err(AppError::bad_request(errors.join("\n")))
    }
}

/// Plans the document against what Klaxon has and, unless `dry_run`, applies it.
pub async fn apply(state: &AppState, actor: Option<&CurrentUser>, yaml: &str, dry_run: bool) -> AppResult<Applied> {
    let actor = require(actor, Permission::Administer)?;
    let (cfg, compared) = read(state, yaml).await?;
    let current = export(state, Some(actor)).await?;
    let plan = plan(&current, &compared);
    if dry_run {
        return Ok(Applied { plan, secrets: vec![] });
    }
    let mut secrets = Vec::new();
    let todo = |kind: Kind, key: &str| plan.iter().any(|c| c.kind == kind && c.key == key && matches!(c.action, Action::Create | Action::Update));
    let mut conn = state.db.pool().acquire().await?;
    for u in &cfg.users {
        let email = u.email.trim().to_lowercase();
        if todo(Kind::User, &email) {
            let id = users::upsert_profile(&mut conn, &email, &u.name, u.role).await?;
            users::set_time_zone(&mut conn, id, u.time_zone.as_deref().map(str::trim)).await?;
        }
    }
    for s in &cfg.schedules {
        if !todo(Kind::Schedule, s.name.trim()) {
            continue;
        }
        let yaml = serde_yaml_ng::to_string(s).map_err(|_| AppError::internal())?;
        let existing = schedules::list(&mut conn).await?.into_iter().find(|x| x.name == s.name.trim());
        oncall::save_yaml(state, Some(actor), existing.as_ref().map(|x| x.id), existing.as_ref().map(|x| x.version), &yaml).await?;
    }
    for p in &cfg.policies {
        if todo(Kind::Policy, p.name.trim()) {
            let yaml = serde_yaml_ng::to_string(p).map_err(|_| AppError::internal())?;
            policies::save_yaml(state, Some(actor), &yaml).await?;
        }
    }
    for s in &cfg.services {
        let slug = s.slug.trim();
        if todo(Kind::Service, slug) {
            catalog::upsert(&mut conn, slug, s.name.trim(), s.description.trim()).await?;
            policies::assign(state, Some(actor), slug, s.escalation_policy.as_deref()).await?;
            policies::set_maintenance(state, Some(actor), slug, s.maintenance).await?;
        }
        for k in &s.integration_keys {
            let key = format!("{slug}/{}", k.name.trim());
            if todo(Kind::Key, &key) {
                let kind: KeyKind = k.kind;
                let (_, secret) = keys::create(state, Some(actor), slug, k.name.trim(), kind).await?;
                secrets.push((key, secret));
            }
        }
    }
    let people: HashMap<String, UserId> = users::list(&mut conn).await?.into_iter().map(|u| (u.email.to_lowercase(), u.id)).collect();
    for audience in Audience::ALL {
        for (m, shown) in cfg.audiences.of(audience).iter().zip(compared.audiences.of(audience)) {
            // a hidden address is one the audience has (checked when read); never re-added
            if m.contains('…') || !todo(Kind::AudienceMember, &format!("{}: {shown}", audience.as_str())) {
                continue;
            }
            let member = match people.get(&m.trim().to_lowercase()) {
                Some(id) if is_person(m) => NewMember::User(*id),
                _ => NewMember::Webhook(m.trim().to_string()),
            };
            notifications::add_member(state, Some(actor), audience, member).await?;
        }
    }
    Ok(Applied { plan, secrets })
}

/// The first active admin: who a command-line apply acts as unless told.
pub async fn first_admin(state: &AppState) -> AppResult<Option<CurrentUser>> {
    let mut conn = state.db.pool().acquire().await?;
    let admin = users::list(&mut conn).await?.into_iter().find(|u| u.role == crate::domain::user::AccountRole::Admin);
    Ok(admin.map(|u| CurrentUser { id: u.id, email: u.email, name: u.name, role: u.role }))
}

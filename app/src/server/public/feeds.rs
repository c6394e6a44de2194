//! RSS 2.0 and Atom 1.0 feeds of the public updates: one entry per update, newest first,
//! each with a stable id (the update's event id) and a link to its incident's page. Only
//! public incidents go in; they are built from public updates alone.

use chrono::{DateTime, Utc};

use crate::domain::status_page::{PageSettings, PublicIncident, PublicUpdateView};

/// Entries per feed.
pub const FEED_ENTRIES: usize = 100;

/// Where the public pages live: the configured public address, or relative to this host.
pub fn base(settings: &PageSettings) -> String {
    settings.public_url.trim_end_matches('/').to_string()
}

pub fn incident_link(settings: &PageSettings, incident: &str) -> String {
    format!("{}/status/incidents/{incident}", base(settings))
}

/// The newest updates across all incidents, newest first.
fn entries(incidents: &[PublicIncident]) -> Vec<(&PublicIncident, &PublicUpdateView)> {
    let mut all: Vec<_> = incidents.iter().flat_map(|i| i.updates.iter().map(move |u| (i, u))).collect();
    all.sort_by(|a, b| b.1.at.cmp(&a.1.at).then(b.1.seq.cmp(&a.1.seq)));
    all.truncate(FEED_ENTRIES);
    all
}

fn entry_title(i: &PublicIncident, u: &PublicUpdateView) -> String {
    format!("{} — {}", i.title, u.status.label())
}

fn entry_id(settings: &PageSettings, i: &PublicIncident, u: &PublicUpdateView) -> String {
    format!("{}#{}", incident_link(settings, &i.id), u.id)
}

/// The feeds' own time: the newest update, or `fallback` when there is none.
fn updated(incidents: &[PublicIncident], fallback: DateTime<Utc>) -> DateTime<Utc> {
    incidents.iter().flat_map(|i| i.updates.iter().map(|u| u.at)).max().unwrap_or(fallback)
}

pub fn rss(settings: &PageSettings, incidents: &[PublicIncident], fallback: DateTime<Utc>) -> String {
    let items = entries(incidents)
        .into_iter()
        .map(|(i, u)| rss::Item {
            title: Some(entry_title(i, u)),
            link: Some(incident_link(settings, &i.id)),
            description: Some(u.body.clone()),
            guid: Some(rss::Guid { value: entry_id(settings, i, u), permalink: false }),
            pub_date: Some(u.at.to_rfc2822()),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        title: settings.name.clone(),
        link: format!("{}/status", base(settings)),
        description: format!("Incident updates from {}", settings.name),
        last_build_date: Some(updated(incidents, fallback).to_rfc2822()),
        ttl: Some("1".into()),
        items,
        ..Default::default()
    };
    channel.to_string()
}

pub fn atom(settings: &PageSettings, incidents: &[PublicIncident], fallback: DateTime<Utc>) -> String {
    let link =
        |href: String, rel: &str, mime: Option<&str>| atom_syndication::Link { href, rel: rel.into(), mime_type: mime.map(Into::into), ..Default::default() };
    let entries = entries(incidents)
        .into_iter()
        .map(|(i, u)| atom_syndication::Entry {
            title: atom_syndication::Text::plain(entry_title(i, u)),
            id: entry_id(settings, i, u),
            updated: u.at.fixed_offset(),
            published: Some(u.at.fixed_offset()),
            links: vec![link(incident_link(settings, &i.id), "alternate", Some("text/html"))],
            content: Some(atom_syndication::Content { value: Some(u.body.clone()), content_type: Some("text".into()), ..Default::default() }),
            ..Default::default()
        })
        .collect();
    let feed = atom_syndication::Feed {
        title: atom_syndication::Text::plain(settings.name.clone()),
        id: format!("{}/status/history.atom", base(settings)),
        updated: updated(incidents, fallback).fixed_offset(),
        links: vec![
            link(format!("{}/status", base(settings)), "alternate", Some("text/html")),
            link(format!("{}/status/history.atom", base(settings)), "self", Some("application/atom+xml")),
        ],
        entries,
        ..Default::default()
    };
    feed.to_string()
}

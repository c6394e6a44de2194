//! Incident notifications: who each audience is (users, told in Klaxon; webhook addresses,
//! sent a Slack-compatible message through the delivery queue), and what they are told.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::UserId;
use super::incident::Incident;
use super::timers::Audience;

/// One member of an audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceMember {
    pub id: i64,
    pub audience: Audience,
    pub member: Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Member {
    User {
        id: UserId,
        name: String,
    },
    /// A webhook address, shown with its secret part hidden.
    Webhook {
        shown_url: String,
    },
}

impl Member {
    /// How the timeline and the admin screen name it.
    pub fn label(&self) -> String {
        match self {
            Member::User { name, .. } => name.clone(),
            Member::Webhook { shown_url } => shown_url.clone(),
        }
    }
}

/// The audiences screen: every member, and the people who can be added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audiences {
    pub members: Vec<AudienceMember>,
    pub people: Vec<super::user::UserSummary>,
}

/// What is added to an audience: a user, or a webhook address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewMember {
    User(UserId),
    Webhook(String),
}

/// One line of a user's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// Where it happened: an incident's war room, a schedule's calendar.
    pub link: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// What an audience is told of an incident: one line, the same for a user's inbox and for
/// a webhook's `text`. A drill's says so first (a drill tells no audience; should one ever
/// be told, nobody mistakes it for the real thing).
pub fn notification_text(audience: Audience, incident: &Incident) -> String {
    let why = match audience {
        Audience::Executives => "a SEV1 was declared",
        Audience::SecurityAndLegal => "customer data may have been exposed",
    };
    let drill = if incident.drill { "DRILL — " } else { "" };
    format!(
        "{drill}{} — {} are told because {why}: \"{}\" ({}, {}).",
        incident.severity,
        audience.name(),
        incident.title,
        incident.severity,
        incident.status.label()
    )
}

/// The message posted to an audience's webhook address: `text` (what a Slack incoming
/// webhook shows) and the incident's facts for other receivers.
pub fn webhook_message(audience: Audience, incident: &Incident) -> serde_json::Value {
    serde_json::json!({
        "text": notification_text(audience, incident),
        "audience": audience.as_str(),
        "incident": {
            "id": incident.id.0,
            "slug": incident.slug,
            "title": incident.title,
            "severity": incident.severity.as_str(),
            "status": incident.status.as_str(),
            "data_exposure": incident.data_exposure,
            "drill": incident.drill,
            "path": format!("/incidents/{}", incident.id.0),
        },
    })
}

/// The audience a queued message is for (read back from the message).
pub fn audience_of(message: &serde_json::Value) -> Option<Audience> {
    message.get("audience").and_then(|a| a.as_str()).and_then(Audience::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::{Severity, Status};

    #[test]
    fn messages_say_who_is_told_and_why() {
        let mut i = crate::domain::fixtures::incident(7, Severity::Sev1, Status::Investigating);
        i.title = "Checkout down".into();
        let t = notification_text(Audience::Executives, &i);
        assert!(t.contains("Executives are told because a SEV1 was declared") && t.contains("\"Checkout down\""), "{t}");
        let m = webhook_message(Audience::SecurityAndLegal, &i);
        assert!(m["text"].as_str().unwrap().contains("customer data may have been exposed"));
        assert_eq!(m["incident"]["severity"], "sev1");
        assert_eq!(audience_of(&m), Some(Audience::SecurityAndLegal));
        assert_eq!(audience_of(&serde_json::json!({"audience": "everyone"})), None);
        assert!(!t.contains("DRILL") && m["incident"]["drill"] == false);
        i.drill = true;
        assert!(notification_text(Audience::Executives, &i).starts_with("DRILL — SEV1 — Executives are told"));
        assert_eq!(webhook_message(Audience::Executives, &i)["incident"]["drill"], true);
    }

    #[test]
    fn audiences_have_one_spelling() {
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}

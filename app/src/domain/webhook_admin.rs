//! What admins see of the status page's webhook subscriptions: where each one goes (its
//! secret part hidden) and how its deliveries fared.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSubscription {
    pub id: i64,
    /// The address with all but the end of its path hidden: webhook paths are secrets.
    pub shown_url: String,
    pub created_at: DateTime<Utc>,
    /// Whether its receiver has confirmed it (until then it receives nothing).
    pub confirmed: bool,
    pub delivered: i64,
    /// Deliveries not yet sent, or being retried.
    pub waiting: i64,
    /// Deliveries given up after every attempt failed.
    pub failed: i64,
    /// Why the newest delivery that has failed so far did (empty when none has).
    pub last_error: String,
}

impl WebhookSubscription {
    /// Whether its receiver is in trouble: something given up, or being retried.
    pub fn troubled(&self) -> bool {
        self.failed > 0 || !self.last_error.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_is_troubled_while_anything_fails() {
        let ok = WebhookSubscription {
            id: 1,
            shown_url: "https://hooks.example.com/…abcd".into(),
            created_at: Utc::now(),
            confirmed: true,
            delivered: 3,
            waiting: 1,
            failed: 0,
            last_error: String::new(),
        };
        assert!(!ok.troubled());
        assert!(WebhookSubscription { last_error: "answered 503 Service Unavailable".into(), ..ok.clone() }.troubled());
        assert!(WebhookSubscription { failed: 1, ..ok }.troubled());
    }
}

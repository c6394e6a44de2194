//! How a person is paged beyond Klaxon itself. The in-app pager and inbox are always at
//! once; each rule adds a channel after a delay ("by webhook after 2 minutes, by email
//! after 5"), sent only if the page is still unacknowledged by then. Also what those
//! messages say.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::alert::AlertSeverity;

/// Rules one person may have.
pub const MAX_RULES: usize = 10;
/// The longest delay a rule may have, in minutes.
pub const MAX_DELAY_MINUTES: u32 = 60;
/// How long an acknowledgement link in a page works.
pub fn ack_link_lifetime() -> Duration {
    Duration::hours(24)
}

/// Where a rule sends. One spelling on the wire, in SQL and in forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A Slack-compatible incoming webhook.
    Webhook,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Webhook, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Webhook => "Webhook (Slack-compatible)",
            Channel::Email => "Email",
        }
    }
}

/// One rule of a person's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRule {
    pub id: i64,
    pub channel: Channel,
    /// A webhook URL or an email address.
    pub address: String,
    pub delay_minutes: u32,
}

impl NotificationRule {
    /// "By email to ben@example.com, after 5 minutes".
    pub fn describe(&self, shown_address: &str) -> String {
        let how = match self.channel {
            Channel::Webhook => format!("By webhook to {shown_address}"),
            Channel::Email => format!("By email to {shown_address}"),
        };
        format!("{how}, {}", when(self.delay_minutes))
    }

    /// When a page raised at `paged_at` goes out by this rule.
    pub fn due(&self, paged_at: DateTime<Utc>) -> DateTime<Utc> {
        paged_at + Duration::minutes(i64::from(self.delay_minutes))
    }
}

/// "at once", "after 1 minute", "after 5 minutes".
pub fn when(delay_minutes: u32) -> String {
    match delay_minutes {
        0 => "at once".into(),
        1 => "after 1 minute".into(),
        n => format!("after {n} minutes"),
    }
}

/// A delay as typed in a form: whole minutes, 0 to [`MAX_DELAY_MINUTES`].
pub fn parse_delay(raw: &str) -> Result<u32, String> {
    let n: u32 = raw.trim().parse().map_err(|_| format!("delay: {:?} is not a whole number of minutes.", raw.trim()))?;
    if n > MAX_DELAY_MINUTES {
        return Err(format!("delay: at most {MAX_DELAY_MINUTES} minutes (escalation to the next person covers longer waits)."));
    }
    Ok(n)
}

/// An email address as typed: trimmed, one `@`, something on both sides, a dot in the
/// domain, no spaces or angle brackets, at most 254 characters. (The mail library checks
/// it again before sending.)
pub fn parse_email(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let bad = || format!("address: {s:?} is not an email address.");
    if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';')) {
        return Err(bad());
    }
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.contains('@') || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err(bad());
    }
    Ok(s.to_string())
}

/// What a page says, in one line.
pub fn page_line(summary: &str, severity: AlertSeverity, service: &str) -> String {
    format!("Paged ({}): {summary} on {service}", severity.as_str())
}

/// Text for Slack's message formatting: `&`, `<` and `>` escaped, so a summary from
/// monitoring can neither mention `<!channel>` nor draw a link of its own.
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A page as an incoming-webhook message: `text` is what Slack shows (with its link
/// syntax), the rest is for other receivers.
pub fn webhook_page(summary: &str, severity: AlertSeverity, service: &str, alert_url: &str, ack_url: &str) -> serde_json::Value {
    let line = slack_escape(&page_line(summary, severity, service));
    serde_json::json!({
        "text": format!("{line}\n<{alert_url}|Open the alert> · <{ack_url}|Acknowledge>"),
        "page": {
            "summary": summary,
            "severity": severity.as_str(),
            "service": service,
            "alert_url": alert_url,
            "acknowledge_url": ack_url,
        },
    })
}

/// A page as an email: subject and plain-text body.
pub fn email_page(summary: &str, severity: AlertSeverity, service: &str, alert_url: &str, ack_url: &str) -> (String, String) {
    let subject = format!("[{}] {summary}", severity.as_str().to_uppercase());
    let body = format!(
        "{}\n\nOpen the alert: {alert_url}\n\nAcknowledge (stops the escalation; the link works once, for 24 hours):\n{ack_url}\n",
        page_line(summary, severity, service)
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_and_addresses_are_checked() {
        assert_eq!(parse_delay(" 5 "), Ok(5));
        assert_eq!(parse_delay("0"), Ok(0));
        assert!(parse_delay("61").unwrap_err().contains("at most 60"));
        assert!(parse_delay("-1").unwrap_err().contains("whole number"));
        assert!(parse_delay("2.5").is_err());
        assert_eq!(parse_email(" ben@example.com "), Ok("ben@example.com".into()));
        for bad in [
            "",
            "ben",
            "ben@",
            "@example.com",
            "ben@example",
            "ben@@example.com",
            "ben @example.com",
            "<ben@example.com>",
            "a@b.com,c@d.com",
            "ben@example.com.",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?}");
        }
        assert!(parse_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn rules_read_as_people_say_them() {
        let r = NotificationRule { id: 1, channel: Channel::Email, address: "ben@example.com".into(), delay_minutes: 5 };
        assert_eq!(r.describe("ben@example.com"), "By email to ben@example.com, after 5 minutes");
        assert_eq!(when(0), "at once");
        assert_eq!(when(1), "after 1 minute");
        let t = Utc::now();
        assert_eq!(r.due(t), t + Duration::minutes(5));
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn messages_carry_both_links() {
        let m = webhook_page("Checkout 5xx", AlertSeverity::Critical, "Checkout", "https://k/alerts/7", "https://k/ack/abc");
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("Paged (critical): Checkout 5xx on Checkout\n"), "{text}");
        assert!(text.contains("<https://k/ack/abc|Acknowledge>"));
        assert_eq!(m["page"]["acknowledge_url"], "https://k/ack/abc");
        let sneaky = webhook_page("<!channel> <https://evil|Acknowledge> & co", AlertSeverity::Info, "Checkout", "https://k/alerts/7", "https://k/ack/abc");
        assert!(
            sneaky["text"].as_str().unwrap().starts_with("Paged (info): &lt;!channel&gt; &lt;https://evil|Acknowledge&gt; &amp; co on Checkout\n"),
            "{sneaky}"
        );
        let (subject, body) = email_page("Checkout 5xx", AlertSeverity::Warning, "Checkout", "https://k/alerts/7", "https://k/ack/abc");
        assert_eq!(subject, "[WARNING] Checkout 5xx");
        assert!(body.contains("https://k/alerts/7") && body.contains("\nhttps://k/ack/abc\n"), "{body}");
    }
}

//! Webhook subscriptions to the status page: which addresses may be called, how deliveries
//! are retried, and the message each one carries.
//!
//! Klaxon must not become a way into the private network: an address must be http(s), of
//! bounded size, without credentials, and every address its host resolves to must be a
//! public one (checked when subscribing and again at each delivery, against the address
//! actually connected to), unless an admin allows private targets in configuration.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The longest subscription address accepted.
pub const URL_MAX: usize = 2000;
/// Attempts per delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long one delivery attempt may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A subscription address that passed the checks that need no network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
}

/// Checks an address a customer gave (shape only; see [`public_ip`] for where it leads).
pub fn parse_target(raw: &str) -> Result<WebhookTarget, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Give the address of your webhook (https://…).".into());
    }
    if raw.len() > URL_MAX {
        return Err(format!("The address is too long (at most {URL_MAX} characters)."));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("That is not a web address: {e}."))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err("Only http and https addresses can receive webhooks.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The address may not carry a user name or password.".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("The address has no host.".into()),
    };
    if host.is_empty() || host == "localhost" || host.ends_with(".localhost") {
        return Err("Webhooks cannot be sent to this machine.".into());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    Ok(WebhookTarget { url, host, port })
}

/// How an admin sees a subscription's address: scheme, host and port, and only the last
/// four characters of the rest (a webhook's path is its secret, as in Slack's).
pub fn shown_url(raw: &str) -> String {
    let Ok(url) = url::Url::parse(raw) else { return "(unreadable address)".into() };
    let origin = url.origin().ascii_serialization();
    let rest = &url[url::Position::BeforePath..];
    match rest.chars().count() {
        n if n <= 4 => format!("{origin}{rest}"),
        n => format!("{origin}/…{}", rest.chars().skip(n - 4).collect::<String>()),
    }
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared
/// (carrier NAT), unspecified, broadcast, multicast, documentation or reserved, looking
/// through IPv4-mapped and NAT64 IPv6 forms.
pub fn public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// The pause before attempt `attempt + 1`, after `attempt` failed ones: 30 s, doubling, at
/// most an hour.
pub fn backoff(attempt: u32) -> Duration {
    let secs = 30u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    Duration::from_secs(secs.min(3600))
}

/// The longest pause a receiver's `Retry-After` may ask for; a longer one is cut to this.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(6 * 3600);

/// Where a delivery stands (the `state` column, which has the same CHECK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not sent yet, or to be tried again.
    Pending,
    Delivered,
    /// Given up after every attempt failed.
    Failed,
    /// Not needed any more (a page whose alert was acknowledged before it was due).
    Cancelled,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed, DeliveryState::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// What a delivery of the outbound queue is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A public update, to a status-page subscription.
    StatusUpdate,
    /// An incident notification, to a member of an audience.
    Notification,
    /// A page, to a person by one of their notification rules.
    Page,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::StatusUpdate, Purpose::Notification, Purpose::Page];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::StatusUpdate => "status_update",
            Purpose::Notification => "notification",
            Purpose::Page => "page",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered with this status (and maybe a `Retry-After`, already read).
    Answered { status: u16, retry_after: Option<Duration> },
    /// No answer: refused, timed out, or the address may not be called.
    NoAnswer,
}

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again after this pause.
    RetryAfter(Duration),
    /// Too many failed attempts: give the delivery up.
    GiveUp,
    /// The receiver answered 410 Gone: the address is gone for good, so the subscription
    /// ends (as Slack answers for a removed webhook).
    Unsubscribe,
}

/// Decides the fate of a delivery after its `attempts`-th attempt. A receiver that asks for
/// a longer pause with `Retry-After` (after a 429 or 503, say) gets it, up to
/// [`RETRY_AFTER_MAX`]; it never shortens the backoff.
pub fn verdict(attempt: Attempt, attempts: u32) -> Verdict {
    match attempt {
        Attempt::Answered { status: 200..=299, .. } => Verdict::Delivered,
        Attempt::Answered { status: 410, .. } => Verdict::Unsubscribe,
        _ if attempts >= MAX_ATTEMPTS => Verdict::GiveUp,
        Attempt::Answered { retry_after: Some(asked), .. } => Verdict::RetryAfter(backoff(attempts).max(asked.min(RETRY_AFTER_MAX))),
        _ => Verdict::RetryAfter(backoff(attempts)),
    }
}

/// Reads a `Retry-After` header: a number of seconds or an HTTP date (a date already past
/// is no pause). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// How long a subscription waits for its receiver to confirm it before it is dropped.
pub const CONFIRM_WITHIN: chrono::Duration = chrono::Duration::hours(24);
/// Subscriptions kept at most (confirmed and waiting), unless configured otherwise.
pub const MAX_SUBSCRIPTIONS: u64 = 10_000;
/// Subscriptions waiting for confirmation at most, so junk that nobody confirms cannot
/// fill the page's quota.
pub const MAX_WAITING: u64 = 500;
/// How much of a receiver's answer to the confirmation request is read.
pub const ANSWER_READ_MAX: usize = 4096;

/// Whether a receiver's answer to the confirmation request echoes its challenge: the body
/// is the challenge, or a JSON object whose `challenge` is (as Slack's and Zoom's URL
/// verifications ask of their receivers). A challenge is random and never shown elsewhere,
/// so only the receiver that got the request can answer with it.
pub fn echoes_challenge(answer: &[u8], challenge: &str) -> bool {
    let Ok(text) = std::str::from_utf8(answer) else { return false };
    let text = text.trim();
    if text == challenge {
        return true;
    }
    serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v.get("challenge").and_then(|c| c.as_str()).map(|c| c == challenge)).unwrap_or(false)
}

/// Why a new subscription is refused for lack of room, if it is: `total` subscriptions are
/// kept, `waiting` of them unconfirmed.
pub fn room_for_one_more(total: u64, waiting: u64, max_total: u64) -> Result<(), String> {
    if total >= max_total {
        return Err(format!("This status page has reached its limit of {max_total} webhook subscriptions; its operators can make room."));
    }
    if waiting >= MAX_WAITING {
        return Err("Too many subscriptions are waiting for confirmation; please try again later.".into());
    }
    Ok(())
}

/// The Slack-compatible `text` of the confirmation request (`confirm` is the address of the
/// confirmation page; empty when the page has no public address).
pub fn confirmation_text(page: &str, confirm: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let how = if confirm.is_empty() {
        "Answer this request with its `challenge` to confirm it.".to_string()
    } else {
        format!("<{confirm}|Confirm the subscription>, or answer this request with its `challenge`.")
    };
    format!(
        "*[{}] Confirm this webhook subscription*\nSomeone asked for this page's updates to be posted here. {how} Unconfirmed, it is dropped within 24 hours and nothing more is sent.",
        escape(page)
    )
}

/// The Slack-compatible `text` of a delivery.
pub fn slack_text(page: &str, title: &str, status: &str, body: &str, link: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut text = format!("*[{}] {} — {}*\n{}", escape(page), escape(title), escape(status), escape(body));
    if !link.is_empty() {
        text.push_str(&format!("\n<{link}|View on the status page>"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_http_without_credentials() {
        let t = parse_target(" https://hooks.example.com/services/T0/B0/x?y=1 ").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("hooks.example.com", 443));
        assert_eq!(parse_target("http://Example.COM.:8080/x").unwrap().host, "example.com");
        for (bad, why) in [
            ("", "Give"),
            ("ftp://example.com/x", "Only http"),
            ("javascript:alert(1)", "Only http"),
            ("file:///etc/passwd", "Only http"),
            ("https://user:pw@example.com/", "user name"),
            ("https://localhost/x", "this machine"),
            ("https://a.localhost/x", "this machine"),
            ("not a url", "not a web address"),
        ] {
            let e = parse_target(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        let long = format!("https://example.com/{}", "a".repeat(URL_MAX));
        assert!(parse_target(&long).unwrap_err().contains("too long"));
    }

    #[test]
    fn only_public_addresses_are_called() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.5",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(!public_ip(private.parse().unwrap()), "{private} counted as public");
        }
        for public in ["1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert!(public_ip(public.parse().unwrap()), "{public} counted as private");
        }
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(240));
        assert_eq!(backoff(MAX_ATTEMPTS), Duration::from_secs(3600));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(3600));
        let mut last = Duration::ZERO;
        for a in 1..40 {
            assert!(backoff(a) >= last);
            last = backoff(a);
        }
    }

    #[test]
    fn admins_see_the_end_of_an_address_only() {
        assert_eq!(shown_url("https://hooks.slack.com/services/T0001/B0002/XXXXsecretYYYY"), "https://hooks.slack.com/…YYYY");
        assert_eq!(shown_url("http://127.0.0.1:8080/hook?key=abcd9"), "http://127.0.0.1:8080/…bcd9");
        assert_eq!(shown_url("https://example.com/"), "https://example.com/");
        assert_eq!(shown_url("https://example.com/ab"), "https://example.com/ab");
        assert_eq!(shown_url("https://example.com/ünïcødé"), "https://example.com/…3%A9");
        assert_eq!(shown_url("not an address"), "(unreadable address)");
    }

    #[test]
    fn an_answer_decides_the_deliverys_fate() {
        let answered = |status, retry_after| Attempt::Answered { status, retry_after };
        assert_eq!(verdict(answered(200, None), 1), Verdict::Delivered);
        assert_eq!(verdict(answered(204, None), MAX_ATTEMPTS), Verdict::Delivered);
        assert_eq!(verdict(answered(410, None), 1), Verdict::Unsubscribe);
        assert_eq!(verdict(answered(410, None), MAX_ATTEMPTS), Verdict::Unsubscribe);
        assert_eq!(verdict(answered(500, None), 1), Verdict::RetryAfter(Duration::from_secs(30)));
        assert_eq!(verdict(answered(404, None), 3), Verdict::RetryAfter(Duration::from_secs(120)));
        assert_eq!(verdict(Attempt::NoAnswer, 2), Verdict::RetryAfter(Duration::from_secs(60)));
        assert_eq!(verdict(Attempt::NoAnswer, MAX_ATTEMPTS), Verdict::GiveUp);
        assert_eq!(verdict(answered(503, Some(Duration::from_secs(5))), MAX_ATTEMPTS), Verdict::GiveUp);
        // Retry-After lengthens the pause, never shortens it, and is capped
        assert_eq!(verdict(answered(429, Some(Duration::from_secs(600))), 1), Verdict::RetryAfter(Duration::from_secs(600)));
        assert_eq!(verdict(answered(503, Some(Duration::from_secs(5))), 1), Verdict::RetryAfter(Duration::from_secs(30)));
        assert_eq!(verdict(answered(429, Some(Duration::from_secs(86_400 * 30))), 1), Verdict::RetryAfter(RETRY_AFTER_MAX));
    }

    #[test]
    fn delivery_states_read_back_what_they_write() {
        for d in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(d.as_str()), Some(d));
        }
        assert_eq!(DeliveryState::parse("Pending"), None);
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 08:05:00 GMT", now), Some(Duration::from_secs(300)));
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 07:00:00 GMT", now), Some(Duration::ZERO), "a date already past");
        for bad in ["", "-5", "1.5", "soon", "2026-11-23T08:05:00Z"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn only_the_challenge_confirms() {
        let c = "5f1e".repeat(16);
        assert!(echoes_challenge(c.as_bytes(), &c));
        assert!(echoes_challenge(format!(" {c}\n").as_bytes(), &c));
        assert!(echoes_challenge(format!(r#"{{"challenge":"{c}","ok":true}}"#).as_bytes(), &c));
        for wrong in [String::new(), "ok".into(), format!("{c}x"), format!(r#"{{"challenge":"{}"}}"#, &c[1..]), format!(r#"{{"token":"{c}"}}"#)] {
            assert!(!echoes_challenge(wrong.as_bytes(), &c), "{wrong:?}");
        }
        assert!(!echoes_challenge(&[0xff, 0xfe], &c));
    }

    #[test]
    fn subscriptions_are_capped() {
        assert_eq!(room_for_one_more(0, 0, 10), Ok(()));
        assert_eq!(room_for_one_more(9, MAX_WAITING - 1, 10), Ok(()));
        assert!(room_for_one_more(10, 0, 10).unwrap_err().contains("limit of 10 webhook subscriptions"));
        assert!(room_for_one_more(MAX_WAITING, MAX_WAITING, 100_000).unwrap_err().contains("waiting for confirmation"));
    }

    #[test]
    fn the_confirmation_request_says_how_to_confirm() {
        let t = confirmation_text("Acme <status>", "https://status.example.com/status/subscriptions/confirm?token=ab");
        assert!(t.starts_with("*[Acme &lt;status&gt;] Confirm this webhook subscription*\n"), "{t}");
        assert!(t.contains("<https://status.example.com/status/subscriptions/confirm?token=ab|Confirm the subscription>"), "{t}");
        assert!(confirmation_text("Acme", "").contains("with its `challenge`"));
    }

    #[test]
    fn slack_text_escapes_what_slack_reads_as_markup() {
        let t = slack_text("Acme", "Checkout <down>", "Investigating", "A & B", "https://status.example.com/status/incidents/p1");
        assert_eq!(t, "*[Acme] Checkout &lt;down&gt; — Investigating*\nA &amp; B\n<https://status.example.com/status/incidents/p1|View on the status page>");
    }
}

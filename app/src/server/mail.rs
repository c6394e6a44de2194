//! Email out, through the SMTP server the environment names (`KLAXON_SMTP_URL`, e.g.
//! `smtp://relay:25`, `smtp://relay:587?tls=required`, `smtps://user:pass@relay:465`;
//! `KLAXON_SMTP_FROM`, the sender).

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        crate::server::outbound::install_tls();
        let from: Mailbox = from.parse().map_err(|e| format!("KLAXON_SMTP_FROM={from:?} is not an email address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("KLAXON_SMTP_URL is not an SMTP address (smtp://host:port or smtps://…): {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message; the error says why not.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("{to:?} is not an email address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("could not write the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| format!("the mail server refused it: {e}"))
    }
}

/// Whether `address` is one the mail library can send to.
pub fn deliverable(address: &str) -> bool {
    address.parse::<Mailbox>().is_ok()
}

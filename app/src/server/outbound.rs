//! Everything Klaxon sends over HTTP goes through one client: one connection pool, no
//! redirects followed, and a resolver that refuses addresses inside a private network
//! (unless `KLAXON_WEBHOOK_ALLOW_PRIVATE` allows them) at every connection.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::domain::webhook::{public_ip, WebhookTarget, DELIVERY_TIMEOUT};
use crate::server::state::AppState;

async fn lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    Ok(tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| format!("{host} could not be resolved in time."))?
        .map_err(|_| format!("{host} could not be resolved."))?
        .collect())
}

/// Refuses addresses that lead into a private network, unless they are allowed.
fn guard(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} has no address."));
    }
    if !allow_private && addrs.iter().any(|a| !public_ip(a.ip())) {
        return Err("Webhooks cannot be sent to private, loopback or link-local network addresses.".into());
    }
    Ok(())
}

/// Checks where `target` leads (for a clear answer when subscribing; every connection is
/// checked again by [`GuardedResolver`]).
pub async fn resolve(target: &WebhookTarget, allow_private: bool) -> Result<(), String> {
    let addrs = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => lookup(&target.host, target.port).await?,
    };
    guard(&target.host, &addrs, allow_private)
}

/// Resolves host names for webhook connections and refuses any that leads into a private
/// network: the check is made on the very addresses connected to, at every connection, so
/// a name that changes where it points after subscribing gets nowhere.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs = lookup(&host, 0).await?;
            guard(&host, &addrs, allow_private)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The client every webhook request goes through: one connection pool, no redirects
/// followed, the guarded resolver.
fn client(state: &AppState) -> &reqwest::Client {
    state.webhooks.client.get_or_init(|| {
        install_tls();
        reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Klaxon-Webhook/1")
            .dns_resolver(Arc::new(GuardedResolver { allow_private: state.webhooks.allow_private }))
            .build()
            .expect("the webhook client's settings are valid")
    })
}

/// Why a request failed, for the delivery's record or the subscriber: the innermost cause
/// (the guarded resolver's refusal, say) rather than reqwest's outer wrapper.
pub fn failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("could not connect: {cause}")
}

/// Posts `body` to `url` (an address already parsed); an IP literal is checked here, as no
/// name is resolved for it.
pub async fn post(state: &AppState, target: &WebhookTarget, body: &serde_json::Value) -> Result<reqwest::Response, String> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        guard(&target.host, &[SocketAddr::new(ip, target.port)], state.webhooks.allow_private)?;
    }
    client(state).post(target.url.clone()).json(body).send().await.map_err(|e| failure(&e))
}

/// Makes ring the process's TLS provider (HTTP clients need one). Called at start-up and
/// before each delivery; installing it again does nothing.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

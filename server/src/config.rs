//! Configuration from the environment, with defaults that work from the repository root.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::server::client_addr::TrustedProxies;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://data/klaxon.db` (default) or `postgres://…`.
    pub database_url: String,
    /// `KLAXON_ADDR`, default `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// `KLAXON_SITE_ROOT`: where `pkg/klaxon.{js,wasm,css}` live; default `target/site`.
    pub site_root: PathBuf,
    /// `KLAXON_DB_MAX_CONNECTIONS`, default 16.
    pub max_connections: u32,
    /// `KLAXON_SECURE_COOKIES=1`: mark the session cookie Secure. Set it whenever Klaxon is
    /// reached over https (directly or behind a proxy).
    pub secure_cookies: bool,
    /// `KLAXON_TIMER_INTERVAL_SECS`: how often the war-room clocks are checked; default 5.
    pub timer_interval: Duration,
    /// `KLAXON_STATUS_REFRESH_SECS`: how often the public page is rebuilt when nothing on
    /// this replica changed it (windows opening, other replicas' changes); default 10.
    pub status_refresh: Duration,
    /// `KLAXON_STATUS_HOST`: a host name (e.g. `status.example.com`) that serves the public
    /// status page and nothing else.
    pub status_host: Option<String>,
    /// `KLAXON_WEBHOOK_ALLOW_PRIVATE=1`: status-page webhooks may call private, loopback and
    /// link-local addresses (off by default, so Klaxon cannot be used to reach inside).
    pub webhook_allow_private: bool,
    /// `KLAXON_WEBHOOK_MAX`: status-page webhook subscriptions kept at most (default 10000).
    pub webhook_max: u64,
    /// `KLAXON_LIVE_PING_SECS`: how often an idle live stream is sent a keep-alive comment;
    /// default 15. Keep it under the idle timeout of every proxy in front of Klaxon.
    pub live_ping: Duration,
    /// `KLAXON_TRUSTED_PROXIES`: the reverse proxies (CIDRs or addresses, comma-separated)
    /// whose `X-Forwarded-For` / `Forwarded` headers name the client; none by default.
    pub trusted_proxies: TrustedProxies,
    /// `KLAXON_METRICS_TOKEN`: `/metrics` answers only requests with
    /// `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `KLAXON_METRICS_ADDR`: serve `/metrics` on this address only (not on the main one).
    pub metrics_addr: Option<SocketAddr>,
    /// `KLAXON_LIVE_MAX_PER_CLIENT` (default 500) and `KLAXON_LIVE_MAX` (default 20000):
    /// open live streams per client address and in all.
    pub live_max_per_client: usize,
    pub live_max: usize,
    /// `KLAXON_BASE_URL`: where people reach Klaxon (`https://klaxon.example.com`); links
    /// in pages start with it. Default `http://` and `KLAXON_ADDR`.
    pub base_url: String,
    /// `KLAXON_SMTP_URL` (`smtp://relay:25`, `smtps://user:pass@relay:465`, …) and
    /// `KLAXON_SMTP_FROM` (default `klaxon@localhost`): the mail server email pages go
    /// through. Without it, email rules are refused.
    pub smtp_url: Option<String>,
    pub smtp_from: String,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let addr = var("KLAXON_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr: SocketAddr = addr.parse().map_err(|e| anyhow::anyhow!("KLAXON_ADDR={addr:?} is not host:port: {e}"))?;
        let max_connections = match var("KLAXON_DB_MAX_CONNECTIONS") {
            Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_DB_MAX_CONNECTIONS={v:?}: {e}"))?,
            None => 16,
        };
        let timer_secs: u64 = match var("KLAXON_TIMER_INTERVAL_SECS") {
            Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_TIMER_INTERVAL_SECS={v:?}: {e}"))?,
            None => 5,
        };
        let refresh_secs: u64 = match var("KLAXON_STATUS_REFRESH_SECS") {
            Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_STATUS_REFRESH_SECS={v:?}: {e}"))?,
            None => 10,
        };
        let ping_secs: u64 = match var("KLAXON_LIVE_PING_SECS") {
            Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_LIVE_PING_SECS={v:?}: {e}"))?,
            None => 15,
        };
        let base_url = var("KLAXON_BASE_URL").unwrap_or_else(|| format!("http://{addr}"));
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            anyhow::bail!("KLAXON_BASE_URL={base_url:?} must start with https:// or http://");
        }
        Ok(Config {
            base_url,
            smtp_url: var("KLAXON_SMTP_URL"),
            smtp_from: var("KLAXON_SMTP_FROM").unwrap_or_else(|| "klaxon@localhost".into()),
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/klaxon.db".into()),
            addr,
            site_root: var("KLAXON_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            max_connections,
            secure_cookies: var("KLAXON_SECURE_COOKIES").is_some_and(|v| v == "1" || v == "true"),
            timer_interval: Duration::from_secs(timer_secs.max(1)),
            status_refresh: Duration::from_secs(refresh_secs.max(1)),
            status_host: var("KLAXON_STATUS_HOST"),
            webhook_allow_private: var("KLAXON_WEBHOOK_ALLOW_PRIVATE").is_some_and(|v| v == "1" || v == "true"),
            webhook_max: match var("KLAXON_WEBHOOK_MAX") {
                Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_WEBHOOK_MAX={v:?}: {e}"))?,
                None => app::domain::webhook::MAX_SUBSCRIPTIONS,
            },
            live_ping: Duration::from_secs(ping_secs.max(1)),
            live_max_per_client: match var("KLAXON_LIVE_MAX_PER_CLIENT") {
                Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_LIVE_MAX_PER_CLIENT={v:?}: {e}"))?,
                None => app::server::live_slots::PER_CLIENT,
            },
            live_max: match var("KLAXON_LIVE_MAX") {
                Some(v) => v.parse().map_err(|e| anyhow::anyhow!("KLAXON_LIVE_MAX={v:?}: {e}"))?,
                None => app::server::live_slots::TOTAL,
            },
            metrics_token: var("KLAXON_METRICS_TOKEN"),
            metrics_addr: match var("KLAXON_METRICS_ADDR") {
                Some(a) => Some(a.parse().map_err(|e| anyhow::anyhow!("KLAXON_METRICS_ADDR={a:?} is not host:port: {e}"))?),
                None => None,
            },
            trusted_proxies: TrustedProxies::parse(&var("KLAXON_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("KLAXON_TRUSTED_PROXIES: {e}"))?,
        })
    }
}

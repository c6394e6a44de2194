#![recursion_limit = "512"]
//! `klaxon`: serve (default), migrate, user add, demo.

use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Context};
use app::domain::user::AccountRole;
use app::server::db::{Db, DbConfig};
use app::server::session_store::DbSessionStore;
use app::server::state::{AppState, MetricsAccess};
use clap::{Parser, Subcommand};
use leptos::config::Env;
use leptos::prelude::LeptosOptions;
use server::{jobs, router, Config};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "klaxon", version, about = "Incident response: war rooms, status page, on-call, postmortems")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load the demo organisation (users, services, runbooks, incidents). Safe to repeat.
    Demo,
    /// The on-call configuration as code: people, schedules, policies, services, keys and
    /// audiences as one YAML document.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Write the public status page, its history, JSON and feeds as static files.
    ExportStatus {
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print what Klaxon has, as a document `apply` takes (key secrets never included).
    Export,
    /// Create and update what the document says (nothing is deleted); prints the plan.
    Apply {
        /// The document (`-` for standard input).
        file: std::path::PathBuf,
        /// Print what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The admin the changes are made as (default: the first admin).
        #[arg(long = "as")]
        actor: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Disable an account: it cannot sign in, and its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Add an account, or update the one with this email.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, responder or viewer
        #[arg(long, value_parser = account_role)]
        role: AccountRole,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn account_role(s: &str) -> Result<AccountRole, String> {
    AccountRole::parse(s).ok_or_else(|| format!("{s:?} is not a role: use admin, responder or viewer"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // logs go to standard error: standard output carries what commands print (`config export > team.yaml`)
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")))
        .init();
    app::server::outbound::install_tls();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let db = connect(&config).await?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, db).await,
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::User { command: UserCommand::Disable { email } } => {
            let id = app::server::services::auth::disable_user(&db, &email).await.map_err(|e| anyhow::anyhow!(e.message))?;
            println!("user {id} {email} disabled; its sessions have ended");
            Ok(())
        }
        Command::User { command: UserCommand::Add { email, name, role, password_stdin } } => {
            if !password_stdin {
                bail!("pass the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let id = app::server::services::auth::add_user(&db, &email, &name, role, password).await.map_err(|e| anyhow::anyhow!(e.message))?;
            println!("user {id} {email} ({})", role.as_str());
            Ok(())
        }
        Command::Demo => {
            let state = AppState::new(leptos_options(&config), db);
            app::server::demo::load(&state).await.map_err(|e| anyhow::anyhow!(e.message))?;
            println!(
                "demo loaded: sign in as ada@example.com (admin), ben@example.com (responder) or vic@example.com (viewer), password {}",
                app::server::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Config { command } => {
            let mut state = AppState::new(leptos_options(&config), db);
            // audience addresses are checked as the server checks them
            state.webhooks.allow_private = config.webhook_allow_private;
            config_command(state, command).await
        }
        Command::ExportStatus { out } => {
            let state = AppState::new(leptos_options(&config), db);
            let files = server::export::export(&state, &out).await?;
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(())
        }
    }
}

async fn config_command(state: AppState, command: ConfigCommand) -> anyhow::Result<()> {
    use app::server::services::team_config;
    let fail = |e: app::error::AppError| anyhow::anyhow!(e.message);
    match command {
        ConfigCommand::Export => {
            let admin = team_config::first_admin(&state).await.map_err(fail)?.context("there is no admin yet: add one with `klaxon user add --role admin`")?;
            let cfg = team_config::export(&state, Some(&admin)).await.map_err(fail)?;
            print!("{}", team_config::to_yaml(&cfg).map_err(fail)?);
            Ok(())
        }
        ConfigCommand::Apply { file, dry_run, actor } => {
            let yaml = if file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let admin = match actor {
                Some(email) => {
                    let mut conn = state.db.pool().acquire().await?;
                    let found = app::server::repo::users::by_email(&mut conn, &email).await?.filter(|u| u.active).map(|u| u.user);
                    found.with_context(|| format!("--as {email}: there is no such active account"))?
                }
                None => team_config::first_admin(&state).await.map_err(fail)?.context("there is no admin yet: add one with `klaxon user add --role admin`")?,
            };
            let applied = team_config::apply(&state, Some(&admin), &yaml, dry_run).await.map_err(|e| anyhow::anyhow!("{}:\n{}", file.display(), e.message))?;
            for change in &applied.plan {
                println!("{}", change.line());
            }
            let changes =
                applied.plan.iter().filter(|c| matches!(c.action, app::domain::team_config::Action::Create | app::domain::team_config::Action::Update)).count();
            match (dry_run, changes) {
                (_, 0) => println!("nothing to change"),
                (true, n) => println!("dry run: {n} change(s) planned, nothing changed"),
                (false, n) => println!("{n} change(s) applied"),
            }
            for (key, secret) in &applied.secrets {
                println!("new integration key {key}: {secret} (shown once)");
            }
            Ok(())
        }
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let mut db_config = DbConfig::new(&config.database_url);
    db_config.max_connections = config.max_connections;
    let db = Db::connect(&db_config).await.with_context(|| format!("connecting to {}", redact(&config.database_url)))?;
    db.migrate().await.context("applying migrations")?;
    Ok(db)
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("klaxon")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(Env::PROD)
        .build()
}

async fn serve(config: Config, db: Db) -> anyhow::Result<()> {
    let mut state = AppState::new(leptos_options(&config), db.clone()).with_status_refresh(config.status_refresh);
    // the site's files were read with the state: warn from what was read, not a second look
    if state.assets.app_build().is_none() {
        tracing::warn!(site_root = %config.site_root.display(), "no app build under the site root (pkg/app/current): pages will not hydrate (build with scripts/build-site)");
    }
    state.live_ping = config.live_ping;
    state.webhooks.allow_private = config.webhook_allow_private;
    state.webhooks.max_subscriptions = config.webhook_max;
    state.trusted_proxies = config.trusted_proxies.clone();
    state.pages_out.base_url = config.base_url.clone();
    if let Some(url) = &config.smtp_url {
        let mailer = app::server::mail::Mailer::new(url, &config.smtp_from).map_err(|e| anyhow::anyhow!(e))?;
        state.pages_out.mailer = Some(std::sync::Arc::new(mailer));
    }
    state.live_slots = app::server::live_slots::LiveSlots::new(config.live_max_per_client, config.live_max);
    state.metrics = MetricsAccess { token: config.metrics_token.clone(), own_address: config.metrics_addr.is_some() };
    let shutdown = CancellationToken::new();
    if let Some(addr) = config.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding the metrics address {addr}"))?;
        tracing::info!("metrics on http://{addr}/metrics");
        let (metrics, stop) = (server::metrics::own_router(state.clone()), shutdown.clone());
        tokio::spawn(server::serve::run(listener, metrics, server::serve::HEADER_TIMEOUT, stop.cancelled_owned()));
    }
    jobs::start(&state, config.timer_interval, &shutdown);
    tokio::spawn(jobs::session_cleanup(DbSessionStore::new(db.clone()), shutdown.clone()));
    // every replica's events reach this replica's live subscribers
    app::server::feed::start(&db, &state.hub).await;
    let app = router::build_with(state, config.secure_cookies, config.status_host.clone(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind(config.addr).await.with_context(|| format!("binding {}", config.addr))?;
    tracing::info!("Klaxon listening on http://{}", listener.local_addr()?);
    let signal = shutdown.clone();
    let server = server::serve::run(listener, app, server::serve::HEADER_TIMEOUT, async move {
        wait_for_signal().await;
        tracing::info!("shutting down: closing live streams");
        signal.cancel();
    });
    // Live streams end on cancel; give in-flight requests a few seconds more, then stop.
    let forced = shutdown.clone();
    tokio::select! {
        _ = server => {}
        _ = async move { forced.cancelled().await; tokio::time::sleep(Duration::from_secs(5)).await } => {
            tracing::warn!("connections still open after 5 s; stopping anyway");
        }
    }
    db.close().await;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

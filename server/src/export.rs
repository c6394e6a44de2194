//! `klaxon export-status --out DIR`: the public page, its history (a page per month),
//! every public incident's page, the Statuspage JSON and the feeds, written as static
//! files (with the stylesheet and scripts) so a copy can be hosted on any static host or
//! object store. The files are the exact bytes the server sends, rendered by the real
//! router without a network.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use app::server::public::Doc;
use app::server::services::status_public::history_page;
use app::server::state::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Where a public path is written under the output folder.
pub fn file_for(path: &str) -> PathBuf {
    let rel = path.trim_start_matches('/');
    if rel.ends_with(".json") || rel.ends_with(".rss") || rel.ends_with(".atom") {
        PathBuf::from(rel)
    } else {
        Path::new(rel).join("index.html")
    }
}

/// Writes every public document under `out`; returns the files written.
pub async fn export(state: &AppState, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let snapshot = state.status.get().await.map_err(|e| anyhow::anyhow!(e.message))?;
    let router = crate::router::build(state.clone(), false, CancellationToken::new());
    let mut paths: Vec<String> = vec!["/status".into(), "/status/history".into()];
    // every month the history pages link to: this one, then each older one with incidents
    let mut page = history_page(state, None).await.map_err(|e| anyhow::anyhow!(e.message))?;
    loop {
        paths.push(page.month.path());
        let Some(older) = page.older else { break };
        page = history_page(state, Some(&older.to_string())).await.map_err(|e| anyhow::anyhow!(e.message))?;
    }
    paths.extend(snapshot.incidents.iter().map(|i| format!("/status/incidents/{}", i.id)));
    paths.extend(Doc::ALL.iter().map(|d| d.path().to_string()));
    let mut written = vec![];
    for path in &paths {
        let request = Request::get(path.as_str()).header("host", "localhost").body(Body::empty())?;
        let response = router.clone().oneshot(request).await?;
        if response.status() != StatusCode::OK {
            bail!("{path} answered {}", response.status());
        }
        let body = axum::body::to_bytes(response.into_body(), 64 << 20).await?;
        let file = out.join(file_for(path));
        write(&file, &body).await?;
        written.push(file);
        if path == "/status" {
            // the folder's front page is the status page too
            let index = out.join("index.html");
            write(&index, &body).await?;
            written.push(index);
        }
    }
    // the pages name the browser's files by their hashed names
    for asset in state.assets.all() {
        let to = out.join("pkg").join(&asset.hashed);
        write(&to, &asset.identity).await?;
        written.push(to);
    }
    Ok(written)
}

/// Writes whole files only: a reader of the folder never sees half of one.
async fn write(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = file.parent().context("a file has a folder")?;
    tokio::fs::create_dir_all(dir).await.with_context(|| format!("creating {}", dir.display()))?;
    let tmp = file.with_extension("klaxon-tmp");
    tokio::fs::write(&tmp, bytes).await.with_context(|| format!("writing {}", tmp.display()))?;
    tokio::fs::rename(&tmp, file).await.with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_become_folders_and_documents_keep_their_names() {
        assert_eq!(file_for("/status"), PathBuf::from("status/index.html"));
        assert_eq!(file_for("/status/incidents/p12"), PathBuf::from("status/incidents/p12/index.html"));
        assert_eq!(file_for("/api/v2/summary.json"), PathBuf::from("api/v2/summary.json"));
        assert_eq!(file_for("/status/history.atom"), PathBuf::from("status/history.atom"));
        assert_eq!(file_for("/status/history/2026-10"), PathBuf::from("status/history/2026-10/index.html"));
    }
}

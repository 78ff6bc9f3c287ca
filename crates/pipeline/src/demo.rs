//! The demo's feed server: the files of one directory over HTTP on a loopback address, so the
//! shipped demo configuration collects real feeds, through the real collectors, offline.
//!
//! Only plain file names directly in the directory are served (no paths, no dot files), with
//! a content type from the extension and an `ETag`, so the collectors' conditional requests
//! get `304 Not Modified` on later rounds, as from a polite real server.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// Serve `dir` on `listen` until `stop` turns true; returns the bound address.
pub async fn serve_feeds(
    dir: PathBuf,
    listen: SocketAddr,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("[demo] feeds_dir {} is not a directory", dir.display()),
        ));
    }
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot serve the demo feeds on {listen}: {e}"),
        )
    })?;
    let local = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/{file}", axum::routing::get(file))
        .with_state(Arc::new(dir));
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "the demo feed server failed");
        }
    });
    Ok((local, task))
}

async fn file(
    State(dir): State<Arc<PathBuf>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !plain {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(body) = tokio::fs::read(dir.join(&name)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex(&Sha256::digest(&body)[..8]));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let content_type = match name.rsplit('.').next() {
        Some("xml") | Some("rss") => "application/xml; charset=utf-8",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("json") => "application/feed+json; charset=utf-8",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

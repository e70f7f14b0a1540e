//! The baseline: a bare axum server answering the same two routes as the mock with a fixed
//! body of the same size and content type, and no other work; any other path gets the GET
//! body (the read side's listing row).

use std::io::Write as _;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};

/// What the bare server answers.
#[derive(Debug, Clone)]
pub struct BareConfig {
    /// Listen address.
    pub bind: SocketAddr,
    /// Size of the `GET /api/3.27/sessions/current` answer.
    pub get_bytes: usize,
    /// Size of the `POST /api/3.27/auth/signin` answer.
    pub post_bytes: usize,
    /// Content type of both answers.
    pub content_type: String,
    /// Size of the answer to any other GET (the stubbed-GET row), when given.
    pub other_get_bytes: Option<usize>,
}

/// A body of exactly `size` bytes that looks like an XML document.
fn fixed_body(size: usize) -> Bytes {
    let mut body = b"<tsResponse>".to_vec();
    body.resize(size.saturating_sub(13).max(body.len()), b'x');
    body.extend_from_slice(b"</tsResponse>");
    body.truncate(size);
    Bytes::from(body)
}

/// The baseline router: the two routes the load test hits.
pub fn router(config: &BareConfig) -> Router {
    let get_body = fixed_body(config.get_bytes);
    let any_body = get_body.clone();
    let any_type = config.content_type.clone();
    let post_body = fixed_body(config.post_bytes);
    let get_type = config.content_type.clone();
    let post_type = config.content_type.clone();
    let other = config.other_get_bytes.map(fixed_body);
    let router = Router::new()
        .route(
            "/api/3.27/sessions/current",
            get(move || {
                let body = get_body.clone();
                let content_type = get_type.clone();
                async move { ([(CONTENT_TYPE, content_type)], body) }
            }),
        )
        .route(
            "/api/3.27/auth/signin",
            // Takes the request body like the mock has to, and throws it away.
            post(move |_request: Bytes| {
                let body = post_body.clone();
                let content_type = post_type.clone();
                async move { ([(CONTENT_TYPE, content_type)], body) }
            }),
        );
    // Any other GET (the read side's listing, a stubbed path): the other body when given,
    // else the GET body.
    let body = other.unwrap_or(any_body);
    router.fallback(get(move || {
        let body = body.clone();
        let content_type = any_type.clone();
        async move { ([(CONTENT_TYPE, content_type)], body) }
    }))
}

/// Runs the bare server until the process is killed. Prints
/// `bare server listening on http://HOST:PORT` as the first stdout line.
pub fn serve(config: BareConfig) -> Result<(), String> {
    // The same runtime as the mock's `#[tokio::main]`: multi-threaded, one worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("no local address: {e}"))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "bare server listening on http://{address}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        drop(out);
        axum::serve(listener, router(&config))
            .await
            .map_err(|e| format!("server failed: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_bodies_have_the_asked_size() {
        for size in [0, 5, 25, 26, 27, 300, 1000] {
            assert_eq!(fixed_body(size).len(), size);
        }
        assert!(fixed_body(300).starts_with(b"<tsResponse>"));
        assert!(fixed_body(300).ends_with(b"</tsResponse>"));
    }
}

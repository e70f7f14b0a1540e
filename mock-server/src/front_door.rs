//! The front door (docs/protocol.md section 14): a second listener that answers every request
//! with `301 Moved Permanently` to the same path and query on the main address, as
//! `online.tableau.com` sends clients to their pod. A client that follows the 301 by turning
//! its POST into a GET gets 405000 from the pod; one that re-sends the POST signs in.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// The front door's application: every request is redirected to `pod` (the main address,
/// `http://HOST:PORT`, no trailing slash).
pub(crate) fn router(pod: &str) -> Router {
    Router::new()
        .fallback(redirect)
        .with_state(Arc::<str>::from(pod))
}

async fn redirect(State(pod): State<Arc<str>>, uri: Uri) -> Response {
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let location = format!("{pod}{path_and_query}");
    tracing::debug!(%location, "front door: redirecting to the pod");
    match http::HeaderValue::from_str(&location) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [(http::header::LOCATION, location)],
        )
            .into_response(),
        // A path and query that parsed as a URI always make a valid header value.
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn every_request_is_redirected_to_the_same_path_and_query() {
        let app = router("http://127.0.0.1:4000");
        for (method, uri) in [
            ("POST", "/api/3.27/auth/signin"),
            ("GET", "/api/3.27/serverinfo?x=1&y=%20"),
            ("DELETE", "//api/3.27/sessions/abc"),
            ("GET", "/_mock/health"),
            ("GET", "/"),
        ] {
            let request = http::Request::builder()
                .method(method)
                .uri(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY, "{uri}");
            assert_eq!(
                response.headers()[http::header::LOCATION],
                format!("http://127.0.0.1:4000{uri}"),
            );
        }
    }
}

//! Serving: hyper-util's auto builder with a timer, a 10 s header-read timeout and a connection
//! cap; graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

/// Time allowed for a request's headers to arrive.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on concurrent connections (further ones wait in the listen backlog).
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Lets fault injection close the connection a request arrived on without answering. The
/// serve loop sets it for each connection's task (HTTP/1 polls a request's handler inside its
/// connection's task), rather than putting a copy in every request's extensions.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKiller(Arc<Notify>);

tokio::task_local! {
    static CONNECTION: ConnectionKiller;
}

impl ConnectionKiller {
    /// The killer of the connection being served; `None` outside the serve loop (a router
    /// called through `oneshot`).
    pub(crate) fn current() -> Option<ConnectionKiller> {
        CONNECTION.try_with(ConnectionKiller::clone).ok()
    }

    /// Closes the connection this request arrived on.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }
}

/// Serves `app` on `listener` until `shutdown` turns true (or its sender is dropped), then
/// lets open connections finish for at most `drain` and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    max_connections: usize,
    drain: Duration,
) {
    let max_connections = max_connections.max(1);
    let permits = Arc::new(Semaphore::new(max_connections));
    // HTTP/1.1 only: the auto builder's h2c sniffing reads the first bytes with no deadline,
    // so a connection that sends nothing would hold a permit forever. Over HTTP/1.1 the
    // header-read timeout starts when the connection opens (tests/slow_clients.rs).
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let builder = Arc::new(builder);
    loop {
        if *shutdown.borrow() {
            break;
        }
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    // Back off on resource exhaustion (EMFILE and the like).
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let app = app.clone();
        let builder = Arc::clone(&builder);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            connection(stream, app, &builder, shutdown).await;
            drop(permit);
        });
    }
    drop(listener);
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(drain, permits.acquire_many(all)).await;
}

async fn connection(
    stream: TcpStream,
    app: Router,
    builder: &auto::Builder<TokioExecutor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let killer = ConnectionKiller(Arc::new(Notify::new()));
    let notify = Arc::clone(&killer.0);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        app.clone().oneshot(request.map(Body::new))
    });
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    CONNECTION
        .scope(killer, async move {
            tokio::pin!(conn);
            let mut shutting_down = *shutdown.borrow();
            if shutting_down {
                conn.as_mut().graceful_shutdown();
            }
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    () = notify.notified() => break,
                    _ = shutdown.changed(), if !shutting_down => {
                        shutting_down = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        })
        .await;
}

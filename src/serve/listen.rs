//! The HTTP accept loop: `axum::serve`'s, with hyper's header read timeout switched on.
//!
//! `axum::serve` gives hyper no timer, and without one hyper's `header_read_timeout` never
//! fires: a client that sends its request headers a byte at a time (or opens a connection and
//! says nothing) holds the connection and its task for as long as it likes. Here every HTTP/1
//! connection has a timer, so headers, including those of the next request on a kept-alive
//! connection, must arrive within the timeout, or the connection is closed. Bodies have the
//! routes' own timeout (see `routes`).

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, closes idle
/// connections, and returns once the requests in flight are answered.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connections = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait for connections to close rather
                // than spin, as `axum::serve` does.
                tracing::warn!(error = %error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // A header timeout, a client that hung up, a malformed request: the
                // connection's business only.
                tracing::debug!(peer = %peer, error = %error, "connection closed with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
    Ok(())
}

//! The accept loop. `axum::serve` keeps idle and half-sent connections forever and accepts
//! until the process runs out of file descriptors, at which point nothing (not `/healthz`,
//! not a valid webhook) gets in. Here every connection gets its own task with a clock
//! (`connection::Clocked`), and a semaphore caps how many are served at once: beyond the
//! cap a connection is accepted and closed at once, so the loop never stalls and the
//! descriptors left for the database and files never run out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::connection::{Clocked, Timeouts};
use super::shutdown::Deadline;
use crate::telemetry::metrics::metrics;
use crate::telemetry::warn_summary::WarnSummary;

/// How the listener treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ListenerSettings {
    pub timeouts: Timeouts,
    /// Connections served at once.
    pub limit: usize,
}

/// Serves `router` on `listener` until `shutdown` fires, then lets each connection finish
/// the response it is writing (up to the shared `deadline`) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ListenerSettings,
    shutdown: CancellationToken,
    deadline: Arc<Deadline>,
) {
    let slots = Arc::new(Semaphore::new(settings.limit));
    let refused = WarnSummary::new("connections refused: the connection limit is reached");
    let force = CancellationToken::new();
    let mut summarise = tokio::time::interval(crate::telemetry::warn_summary::EVERY);
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            _ = summarise.tick() => {
                refused.flush();
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: the process is out of descriptors for a moment. Back
                // off instead of spinning on the same error.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            metrics().connection_closed("limit");
            refused.record("limit");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            settings.timeouts,
            permit,
            (shutdown.clone(), force.clone()),
        ));
    }
    refused.flush();
    drop(listener);
    // Every connection holds a slot until it ends: when all slots are back, all are done.
    let all = u32::try_from(settings.limit).unwrap_or(u32::MAX);
    if !deadline.wait(slots.acquire_many(all)).await {
        tracing::warn!("connections still open after the grace period; closing them");
        force.cancel();
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    _permit: OwnedSemaphorePermit,
    (shutdown, force): (CancellationToken, CancellationToken),
) {
    let (io, tracker) = Clocked::new(stream, timeouts);
    let clock = tracker.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let in_flight = tracker.request_started();
        // The login throttle keys on the peer address (behind a proxy, the proxy's).
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let response = router
                .oneshot(req.map(Body::new))
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            // The request ends when hyper drops the body: written out, or the client gone.
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _ = &in_flight;
                    frame
                }))
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The clock in `Clocked` does this job; hyper's would also cut idle keep-alives.
    builder.header_read_timeout(None).keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // Errors here are the client's doing (reset, bad request head, timeout): hyper has
    // already answered what could be answered, and logging each would let anyone fill
    // the logs. The clock's closures are counted.
    let _ = tokio::select! {
        result = conn.as_mut() => result,
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                result = conn.as_mut() => result,
                () = force.cancelled() => Ok(()),
            }
        }
    };
    if let Some(why) = clock.expired() {
        metrics().connection_closed(why.as_str());
    }
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn settings() -> ListenerSettings {
        ListenerSettings {
            timeouts: Timeouts {
                header_read: Duration::from_secs(30),
                idle: Duration::from_secs(30),
            },
            limit: 8,
        }
    }

    async fn start(router: Router) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let deadline = Arc::new(Deadline::new(Duration::from_secs(10)));
        let task = tokio::spawn(serve(listener, router, settings(), stop.clone(), deadline));
        (addr, stop, task)
    }

    #[tokio::test]
    async fn handlers_see_the_peer_address() {
        let router = Router::new().route(
            "/",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
        let (addr, stop, task) = start(router).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        let me = s.local_addr().unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(out.ends_with(&me.to_string()), "{out}");
        stop.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn shutdown_lets_the_response_in_progress_finish() {
        let router = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "hecho"
            }),
        );
        let (addr, stop, task) = start(router).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.cancel();
        let mut out = String::new();
        // The connection is closed after the response: it was kept alive only until then.
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(out.ends_with("hecho"), "{out}");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("serve returns once its connections are done")
            .unwrap();
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "no longer listening"
        );
    }
}

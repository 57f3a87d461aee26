//! One client connection's clock. hyper's own `header_read_timeout` starts as soon as a
//! kept-alive connection goes idle, so it cannot tell a slow request head from a quiet
//! keep-alive; this wrapper around the socket keeps the two apart:
//!
//! - from connecting, or from the first byte of the next request, the request head must
//!   arrive within `header_read_timeout`;
//! - with no request in progress and no byte arriving, the connection is closed after
//!   `idle_timeout`;
//! - while a response is in progress (an event stream may last a shift) neither applies,
//!   but a write the client does not read for `idle_timeout` fails the connection.
//!
//! The service marks a request's start when hyper hands it the parsed head, and its end
//! when hyper drops the response body (fully written, or the connection gone).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Why the connection's clock closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    HeaderTimeout,
    IdleTimeout,
    WriteStalled,
}

impl Expiry {
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::HeaderTimeout => "header_timeout",
            Expiry::IdleTimeout => "idle_timeout",
            Expiry::WriteStalled => "write_stalled",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header_read: Duration,
    pub idle: Duration,
}

/// What the connection is doing, shared by the socket wrapper and the service.
#[derive(Debug)]
struct Activity {
    /// Requests whose response body hyper still holds.
    in_flight: u32,
    /// When the connection last went quiet (connected, or its last response ended).
    quiet_since: Instant,
    /// When the request head now being read began; `None` between requests.
    head_since: Option<Instant>,
    /// Set once the clock closed the connection, for the caller's log and metrics.
    expired: Option<Expiry>,
    /// The task waiting on a read that no clock watched (a response was in progress): woken
    /// when the response ends, so that the idle clock starts.
    unwatched_reader: Option<Waker>,
}

/// The handle the service uses to mark requests; cheap to clone.
#[derive(Debug, Clone)]
pub struct Tracker(Arc<Mutex<Activity>>);

/// Held from the moment hyper hands over a request head until its response body is dropped.
#[derive(Debug)]
pub struct InFlight(Tracker);

impl Tracker {
    fn new(now: Instant) -> Tracker {
        Tracker(Arc::new(Mutex::new(Activity {
            in_flight: 0,
            quiet_since: now,
            // A new connection owes its first request head at once.
            head_since: Some(now),
            expired: None,
            unwatched_reader: None,
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Activity> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request head was parsed: its handler and response are now in progress.
    pub fn request_started(&self) -> InFlight {
        let mut a = self.lock();
        a.in_flight += 1;
        a.head_since = None;
        InFlight(self.clone())
    }

    /// Why the clock closed this connection, if it did.
    pub fn expired(&self) -> Option<Expiry> {
        self.lock().expired
    }

    fn bytes_read(&self, now: Instant) {
        let mut a = self.lock();
        if a.in_flight == 0 && a.head_since.is_none() {
            a.head_since = Some(now);
        }
    }

    /// When the connection expires if nothing changes, and why; `None` while a request
    /// is in progress (and then `reader` is woken when it ends).
    fn deadline(&self, t: &Timeouts, reader: &Waker) -> Option<(Instant, Expiry)> {
        let mut a = self.lock();
        if a.in_flight > 0 {
            a.unwatched_reader = Some(reader.clone());
            return None;
        }
        Some(match a.head_since {
            Some(since) => (since + t.header_read, Expiry::HeaderTimeout),
            None => (a.quiet_since + t.idle, Expiry::IdleTimeout),
        })
    }

    fn expire(&self, why: Expiry) {
        self.lock().expired.get_or_insert(why);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut a = self.0.lock();
        a.in_flight = a.in_flight.saturating_sub(1);
        if a.in_flight == 0 {
            a.quiet_since = Instant::now();
            if let Some(reader) = a.unwatched_reader.take() {
                reader.wake();
            }
        }
    }
}

/// A socket with the connection's clock.
pub struct Clocked<S> {
    inner: S,
    tracker: Tracker,
    timeouts: Timeouts,
    read_timer: Pin<Box<Sleep>>,
    /// Armed while a write waits for the client to read.
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl<S> Clocked<S> {
    pub fn new(inner: S, timeouts: Timeouts) -> (Clocked<S>, Tracker) {
        let now = Instant::now();
        let tracker = Tracker::new(now);
        let clocked = Clocked {
            inner,
            tracker: tracker.clone(),
            timeouts,
            read_timer: Box::pin(tokio::time::sleep_until(now + timeouts.header_read)),
            write_timer: None,
        };
        (clocked, tracker)
    }

    fn expired(&self, why: Expiry) -> io::Error {
        self.tracker.expire(why);
        io::Error::new(io::ErrorKind::TimedOut, why.as_str())
    }

    /// Called when the socket has nothing to give: arms the read clock and says whether it
    /// already ran out.
    fn read_expired(&mut self, cx: &mut Context<'_>) -> Option<Expiry> {
        let (deadline, why) = self.tracker.deadline(&self.timeouts, cx.waker())?;
        if self.read_timer.deadline() != deadline {
            self.read_timer.as_mut().reset(deadline);
        }
        self.read_timer.as_mut().poll(cx).is_ready().then_some(why)
    }

    /// Called when a write cannot proceed: the client has `idle` to start reading again.
    fn write_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let idle = self.timeouts.idle;
        let timer = self
            .write_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
        timer.as_mut().poll(cx).is_ready()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Clocked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.tracker.bytes_read(Instant::now());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match self.read_expired(cx) {
                Some(why) => Poll::Ready(Err(self.expired(why))),
                None => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> Clocked<S> {
    fn after_write<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => {
                if self.write_expired(cx) {
                    Poll::Ready(Err(self.expired(Expiry::WriteStalled)))
                } else {
                    Poll::Pending
                }
            }
            ready => {
                self.write_timer = None;
                ready
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Clocked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.after_write(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.after_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.after_write(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.after_write(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const T: Timeouts = Timeouts {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(60),
    };

    async fn read_error(clocked: &mut Clocked<tokio::io::DuplexStream>) -> io::Error {
        let mut buf = [0u8; 64];
        loop {
            match clocked.read(&mut buf).await {
                Ok(0) => panic!("unexpected end of stream"),
                Ok(_) => continue,
                Err(e) => return e,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_head_that_never_completes_expires_after_the_header_timeout() {
        let (mut client, server) = tokio::io::duplex(1024);
        let (mut clocked, tracker) = Clocked::new(server, T);
        let started = Instant::now();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let e = read_error(&mut clocked).await;
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(tracker.expired(), Some(Expiry::HeaderTimeout));
        assert_eq!(started.elapsed(), T.header_read);
    }

    #[tokio::test(start_paused = true)]
    async fn between_requests_the_idle_timeout_applies_and_then_the_header_one() {
        let (mut client, server) = tokio::io::duplex(1024);
        let (mut clocked, tracker) = Clocked::new(server, T);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        assert!(clocked.read(&mut buf).await.unwrap() > 0);
        let request = tracker.request_started();
        // A long response (an event stream) is never timed out by the read clock.
        tokio::time::sleep(T.idle * 10).await;
        drop(request);
        let quiet = Instant::now();
        let e = read_error(&mut clocked).await;
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(tracker.expired(), Some(Expiry::IdleTimeout));
        assert_eq!(quiet.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_waiting_through_a_response_starts_the_idle_clock_when_it_ends() {
        let (_client, server) = tokio::io::duplex(1024);
        let (mut clocked, tracker) = Clocked::new(server, T);
        let request = tracker.request_started();
        // hyper reads while it writes the response; that read must not sleep forever.
        let reader = tokio::spawn(async move { read_error(&mut clocked).await });
        tokio::time::sleep(T.idle * 3).await;
        assert!(!reader.is_finished());
        let quiet = Instant::now();
        drop(request);
        let e = tokio::time::timeout(T.idle * 10, reader)
            .await
            .expect("the idle clock started when the response ended")
            .unwrap();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(quiet.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_byte_of_the_next_request_starts_the_header_clock() {
        let (mut client, server) = tokio::io::duplex(1024);
        let (mut clocked, tracker) = Clocked::new(server, T);
        drop(tracker.request_started());
        tokio::time::sleep(T.idle / 2).await;
        client.write_all(b"G").await.unwrap();
        let started = Instant::now();
        let e = read_error(&mut clocked).await;
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(tracker.expired(), Some(Expiry::HeaderTimeout));
        assert_eq!(started.elapsed(), T.header_read);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_fails_the_write_after_the_idle_timeout() {
        let (_client, server) = tokio::io::duplex(16);
        let (mut clocked, tracker) = Clocked::new(server, T);
        let _request = tracker.request_started();
        let started = Instant::now();
        let e = clocked.write_all(&[b'x'; 64]).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(tracker.expired(), Some(Expiry::WriteStalled));
        assert_eq!(started.elapsed(), T.idle);
    }
}

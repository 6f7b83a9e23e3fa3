//! What every server transport shares: the first connection's retry loop,
//! the reconnection loop that renews subscriptions, and the task guard.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::ConnectOptions;
use crate::throttle::Throttle;
use crate::{Error, Result};

/// How long to wait between two attempts of the first connection (as in Python).
const CONNECT_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// The first pause before a reconnection attempt; it doubles up to
/// [`RECONNECT_MAX_DELAY`].
const RECONNECT_FIRST_DELAY: Duration = Duration::from_millis(50);
/// The longest pause between two reconnection attempts after a drop.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(1);

/// How a transport replaces a dead connection: what it reconnects to (for
/// logs), its command timeout, its throttle for repeated failures.
pub(super) struct Reconnect<'a> {
    pub(super) target: &'a str,
    pub(super) timeout: Duration,
    pub(super) failures: &'a Throttle,
}

impl Reconnect<'_> {
    /// Opens connections with `open` until one is up with every channel of
    /// `channels()` subscribed again by `subscribe` (each confirmation
    /// awaited under the timeout), pausing from 50 ms doubling to 1 s
    /// between attempts; returns it. A refused subscription is logged as an
    /// error: unlike a network outage it does not heal by itself (a
    /// permission was taken away, say), but it is retried all the same.
    pub(super) async fn until_resubscribed<C, O, OF, S, SF>(
        &self,
        channels: impl Fn() -> Vec<String>,
        mut open: O,
        subscribe: S,
    ) -> C
    where
        C: Clone,
        O: FnMut() -> OF,
        OF: Future<Output = redis::RedisResult<C>>,
        S: Fn(C, String) -> SF,
        SF: Future<Output = redis::RedisResult<()>>,
    {
        let target = self.target;
        let mut delay = RECONNECT_FIRST_DELAY;
        loop {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(RECONNECT_MAX_DELAY);
            let conn = match tokio::time::timeout(self.timeout, open()).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => {
                    if let Some(times) = self.failures.hit() {
                        tracing::warn!(%target, reason = %e, times, "cannot reconnect; retrying");
                    }
                    continue;
                }
                Err(_) => {
                    if let Some(times) = self.failures.hit() {
                        tracing::warn!(%target, reason = "connecting timed out", times, "cannot reconnect; retrying");
                    }
                    continue;
                }
            };
            let mut refused = None;
            for channel in channels() {
                let subscribed = subscribe(conn.clone(), channel.clone());
                match tokio::time::timeout(self.timeout, subscribed).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => refused = Some(format!("SUBSCRIBE {channel}: {e}")),
                    Err(_) => refused = Some(format!("SUBSCRIBE {channel}: no answer in time")),
                }
                if refused.is_some() {
                    break;
                }
            }
            match refused {
                None => {
                    tracing::info!(%target, "reconnected to Redis; subscriptions confirmed");
                    return conn;
                }
                Some(reason) => {
                    if let Some(times) = self.failures.hit() {
                        tracing::error!(%target, %reason, times, "reconnected, but a subscription was refused; retrying");
                    }
                }
            }
        }
    }
}

/// Ends a background task with the last transport clone that holds it.
pub(super) struct AbortOnDrop(pub(super) JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Calls `attempt` once a second until it connects or the options'
/// connect timeout runs out. A refusal that retrying cannot cure (bad
/// credentials, a TLS failure) ends at once; a deadline that runs out
/// during an attempt reports the last refusal seen. An error that shows
/// one of the target's secrets is scrubbed of it.
pub(super) async fn connect<T, F, Fut>(options: &ConnectOptions, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = redis::RedisResult<T>>,
{
    let target = options.target.redacted();
    let secrets = options.target.secrets();
    let started = Instant::now();
    let deadline = options
        .connect_timeout
        .map(|t| crate::deadline::deadline(started, t));
    let failed = |source: redis::RedisError| {
        // Kept whole (its chain classifies TLS failures) unless it shows a secret.
        let text = source.to_string();
        let leaks = secrets
            .iter()
            .any(|s| !s.is_empty() && text.contains(s.as_str()));
        Error::Connect {
            target: target.clone(),
            waited: started.elapsed(),
            source: if leaks {
                super::target::scrubbed(&source, &secrets)
            } else {
                Box::new(source)
            },
        }
    };
    let mut last_error = None;
    loop {
        match within(deadline, attempt()).await {
            Some(Ok(connected)) => {
                tracing::debug!(%target, "connected");
                return Ok(connected);
            }
            Some(Err(e)) if !is_transient(&e) || crate::error::is_tls_failure(&e) => {
                return Err(failed(e));
            }
            Some(Err(e)) => {
                let now = Instant::now();
                if deadline.is_some_and(|d| now >= d) {
                    return Err(failed(e));
                }
                tracing::debug!(%target, error = %e, "Redis not reachable yet; retrying");
                last_error = Some(e);
                // The Python package's retry cadence: once a second (less at the deadline).
                let pause = deadline.map_or(CONNECT_RETRY_INTERVAL, |d| {
                    CONNECT_RETRY_INTERVAL.min(d.saturating_duration_since(now))
                });
                tokio::time::sleep(pause).await;
            }
            None => return Err(failed(last_error.unwrap_or_else(timed_out))),
        }
    }
}

/// Runs `fut` until `deadline` (forever when `None`); `None` when it ran out.
pub(super) async fn within<T>(
    deadline: Option<Instant>,
    fut: impl Future<Output = T>,
) -> Option<T> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, fut).await.ok(),
        None => Some(fut.await),
    }
}

/// Whether retrying (or reconnecting) may cure `error`.
pub(super) fn is_transient(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_connection_dropped()
        // Mid-failover: no Sentinel names a server that is the master yet.
        || error.kind() == redis::ErrorKind::MasterNameNotFoundBySentinel
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "connect timeout ran out",
    ))
}

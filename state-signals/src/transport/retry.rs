//! What every server transport shares: the first connection's retry loop
//! and the task guard.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::ConnectOptions;
use crate::{Error, Result};

/// How long to wait between two attempts of the first connection (as in Python).
const CONNECT_RETRY_INTERVAL: Duration = Duration::from_secs(1);

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
    let deadline = options.connect_timeout.map(|t| started + t);
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
                return Err(failed(e))
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
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "connect timeout ran out",
    ))
}

//! Redis: connect with retry, confirmed subscribe, publish with its receiver
//! count, and reconnect + resubscribe after a dropped connection.

mod incoming;
mod options;
mod target;

pub(crate) use incoming::{decode, Incoming};
pub(crate) use options::{connect_setters, ConnectOptions};
pub use options::{DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT};
pub(crate) use target::Target;

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use tokio::sync::{mpsc, OnceCell};
use tokio::time::Instant;

use crate::{Error, Result};

/// How long to wait between two attempts of the first connection (as in Python).
const CONNECT_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// The longest pause between two reconnection attempts after a drop.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(1);

/// Pushes from the server: pub/sub messages and connection events.
pub(crate) type Pushes = mpsc::UnboundedReceiver<PushInfo>;

/// One RESP3 connection that publishes, holds subscriptions and survives restarts.
#[derive(Clone)]
pub(crate) struct Transport {
    conn: ConnectionManager,
    command_timeout: Duration,
    target: String,
    standalone: std::sync::Arc<OnceCell<bool>>,
}

/// What one push from the server is.
enum Push {
    /// A pub/sub message: its channel and payload.
    Message { channel: Vec<u8>, payload: Vec<u8> },
    /// The connection dropped; the manager reconnects and resubscribes.
    Disconnected,
    /// A (re)subscription was confirmed.
    Subscribed,
    /// Anything else.
    Other,
}

impl Push {
    fn from_info(info: PushInfo) -> Self {
        match info.kind {
            PushKind::Message => {
                let mut data = info.data.into_iter();
                match (data.next(), data.next()) {
                    (Some(Value::BulkString(channel)), Some(Value::BulkString(payload))) => {
                        Self::Message { channel, payload }
                    }
                    _ => Self::Other,
                }
            }
            PushKind::Disconnection => Self::Disconnected,
            PushKind::Subscribe => Self::Subscribed,
            _ => Self::Other,
        }
    }
}

impl Transport {
    /// Connects, retrying once a second until `connect_timeout`, then returns
    /// the transport and the stream of pushes it receives.
    pub(crate) async fn connect(options: &ConnectOptions) -> Result<(Self, Pushes)> {
        let client = options.target.resp3_client()?;
        let target = options.target.redacted();
        let started = Instant::now();
        let deadline = options.connect_timeout.map(|t| started + t);
        let failed = |source| Error::Connect {
            target: target.clone(),
            waited: started.elapsed(),
            source,
        };
        let (push_tx, pushes) = mpsc::unbounded_channel();
        let config = ConnectionManagerConfig::new()
            .set_push_sender(push_tx)
            .set_automatic_resubscription()
            .set_number_of_retries(usize::MAX)
            .set_max_delay(RECONNECT_MAX_DELAY)
            .set_connection_timeout(Some(options.command_timeout))
            .set_response_timeout(Some(options.command_timeout));
        loop {
            match within(deadline, probe(&client)).await {
                Some(Ok(())) => break,
                Some(Err(e)) if !is_transient(&e) => return Err(failed(e)),
                Some(Err(e)) => {
                    let now = Instant::now();
                    if deadline.is_some_and(|d| now >= d) {
                        return Err(failed(e));
                    }
                    tracing::debug!(%target, error = %e, "Redis not reachable yet; retrying");
                    // The Python package's retry cadence: once a second (less at the deadline).
                    let pause = deadline.map_or(CONNECT_RETRY_INTERVAL, |d| {
                        CONNECT_RETRY_INTERVAL.min(d.saturating_duration_since(now))
                    });
                    tokio::time::sleep(pause).await;
                }
                None => return Err(failed(timed_out())),
            }
        }
        let manager = within(deadline, ConnectionManager::new_with_config(client, config))
            .await
            .unwrap_or_else(|| Err(timed_out()))
            .map_err(failed)?;
        tracing::debug!(%target, "connected to Redis");
        let transport = Self {
            conn: manager,
            command_timeout: options.command_timeout,
            target,
            standalone: Default::default(),
        };
        Ok((transport, pushes))
    }

    /// Where this transport is connected, without password.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// Publishes `payload` on `channel`; returns how many clients received it.
    pub(crate) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.bounded("PUBLISH", async move {
            cmd.query_async::<usize>(&mut conn).await
        })
        .await
    }

    /// Subscribes to `channel` and returns once the server confirmed it.
    /// The subscription is renewed automatically after a reconnection.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        let channel = channel.to_owned();
        self.bounded("SUBSCRIBE", async move { conn.subscribe(channel).await })
            .await
    }

    /// Whether the server is a standalone Redis (not a cluster node), where a
    /// `PUBLISH` count of 0 means nobody at all listens. Asked once.
    pub(crate) async fn is_standalone(&self) -> bool {
        *self
            .standalone
            .get_or_init(|| async {
                let mut conn = self.conn.clone();
                let mut cmd = redis::cmd("INFO");
                cmd.arg("server");
                match self
                    .bounded("INFO", async move { cmd.query_async::<String>(&mut conn).await })
                    .await
                {
                    Ok(info) => info.lines().any(|l| l.trim() == "redis_mode:standalone"),
                    Err(error) => {
                        tracing::debug!(%error, "INFO server failed; assuming a cluster (no fail-fast)");
                        false
                    }
                }
            })
            .await
    }

    async fn bounded<T>(
        &self,
        command: &'static str,
        fut: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.command_timeout, fut).await {
            Ok(result) => result.map_err(Error::redis(command)),
            Err(_) => Err(Error::CommandTimeout {
                command,
                after: self.command_timeout,
            }),
        }
    }
}

/// One plain connection + PING. The first connect probes like this, once a
/// second, before the `ConnectionManager` connects: the manager retries every
/// error forever (what a reconnect needs), while a first connect must fail
/// at once on a wrong password and report the last error at the deadline.
async fn probe(client: &redis::Client) -> redis::RedisResult<()> {
    let mut conn = client.get_multiplexed_async_connection().await?;
    redis::cmd("PING").query_async::<()>(&mut conn).await
}

/// Runs `fut` until `deadline` (forever when `None`); `None` when it ran out.
async fn within<T>(deadline: Option<Instant>, fut: impl Future<Output = T>) -> Option<T> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, fut).await.ok(),
        None => Some(fut.await),
    }
}

fn is_transient(error: &redis::RedisError) -> bool {
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

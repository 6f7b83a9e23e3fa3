//! A Redis server: connect with retry, confirmed subscribe, publish with its receiver
//! count, a health check, and reconnect + verified resubscribe after a drop.
//!
//! The connection is managed here rather than by redis-rs'
//! `ConnectionManager`, for three reasons measured on redis 1.8: the manager
//! forwards pushes through an unbounded channel and a task of its own (a
//! flooded reader grew by hundreds of MiB there, whatever its own queue
//! did), it does not treat a response timeout as a lost connection (a
//! half-open path was never detected), and it ignores the errors of its
//! automatic resubscription (a refused `SUBSCRIBE` left a subscriber deaf).
//! Here pushes reach the role's sink on the task that reads the socket; a
//! `PING` every health-check interval and every command run under a timeout
//! detect a dead path; and every resubscription is awaited and checked.

use std::future::Future;
use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use tokio::time::Instant;

use super::link::{self, Link};
use super::retry::{self, AbortOnDrop, is_transient, within};
use super::{ConnectOptions, Incoming};
use crate::{Error, Result};

/// One RESP3 connection that publishes, holds subscriptions and survives
/// restarts and dead paths. Clones share it; the last one dropped closes it.
#[derive(Clone)]
pub(crate) struct ServerTransport {
    link: Arc<Link>,
    _supervisor: Arc<AbortOnDrop>,
    standalone: Arc<std::sync::OnceLock<bool>>,
}

impl ServerTransport {
    /// Connects, retrying once a second until `connect_timeout`.
    ///
    /// Every push the connection receives is decoded and handed to `sink` on
    /// the task that reads the socket, as it arrives: nothing is queued
    /// here, so what the sink keeps is all the memory that incoming
    /// messages take. The sink must not block.
    pub(crate) async fn connect(
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let link = Link::new(options, sink)?;
        let conn = retry::connect(options, || link.open()).await?;
        link.install(conn);
        let supervisor = tokio::spawn(link::supervise(link.clone()));
        Ok(Self {
            link,
            _supervisor: Arc::new(AbortOnDrop(supervisor)),
            standalone: Arc::default(),
        })
    }

    /// Whether a live connection is installed, with every subscription
    /// confirmed by the server (false while reconnecting or resubscribing).
    pub(crate) fn is_connected(&self) -> bool {
        self.link.is_connected()
    }

    /// Where this transport is connected, without password.
    pub(crate) fn target(&self) -> &str {
        self.link.target()
    }

    /// Publishes `payload` on `channel`; returns how many clients received it.
    pub(crate) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.run("PUBLISH", move |mut conn| async move {
            cmd.query_async::<usize>(&mut conn).await
        })
        .await
    }

    /// Subscribes to `channel` and returns once the server confirmed it.
    /// The subscription is renewed, and checked, after every reconnection.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<()> {
        self.link.add_channel(channel);
        let name = channel.to_owned();
        let result = self
            .run("SUBSCRIBE", move |mut conn| async move {
                conn.subscribe(name).await
            })
            .await;
        if result.is_err() {
            self.link.remove_channel(channel);
        }
        result
    }

    /// A `PING` on the connection: when it returns, every push received
    /// before it has been handed to the sink.
    pub(crate) async fn round_trip(&self) -> Result<()> {
        let ping = redis::cmd("PING");
        self.run("PING", move |mut conn| async move {
            ping.query_async::<()>(&mut conn).await
        })
        .await
    }

    /// Whether the server is a standalone Redis (not a cluster node), where a
    /// `PUBLISH` count of 0 means nobody at all listens. Asked once.
    ///
    /// Asked with `HELLO 3` (which every RESP3 client may send: its reply
    /// carries the server's `mode`), not `INFO`, which an ACL user may lack.
    /// Only an answer is remembered: a failure (a timeout, say) means "not
    /// known" this time — no fail-fast — and the next publish asks again.
    pub(crate) async fn is_standalone(&self) -> bool {
        if let Some(known) = self.standalone.get() {
            return *known;
        }
        let mut hello = redis::cmd("HELLO");
        hello.arg(3);
        let reply = self
            .run("HELLO", move |mut conn| async move {
                hello.query_async::<redis::Value>(&mut conn).await
            })
            .await;
        match reply {
            Ok(reply) => {
                let standalone = server_mode(&reply).as_deref() == Some("standalone");
                let _ = self.standalone.set(standalone);
                standalone
            }
            Err(error) => {
                tracing::debug!(%error, "HELLO failed; no fail-fast for this publish");
                false
            }
        }
    }

    /// Runs one command on the current connection (waiting for one while
    /// the link is down), all within the command timeout. A timeout or a
    /// connection error marks the connection dead, so that it is replaced.
    async fn run<T, F>(
        &self,
        command: &'static str,
        query: impl FnOnce(MultiplexedConnection) -> F,
    ) -> Result<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let after = self.link.command_timeout();
        let deadline = Instant::now() + after;
        let timeout = || Error::CommandTimeout { command, after };
        let activity = self.link.activity();
        let Some((conn, generation)) = within(Some(deadline), self.link.connection())
            .await
            .flatten()
        else {
            return Err(timeout());
        };
        match tokio::time::timeout_at(deadline, query(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                if is_transient(&e) {
                    self.link.lost(generation, &e.to_string());
                }
                if e.is_timeout() {
                    // The client's own response timeout: the same failure as ours.
                    return Err(timeout());
                }
                Err(Error::redis(command)(e))
            }
            Err(_) => {
                // No answer and nothing else received either: a dead path.
                if self.link.activity() == activity {
                    self.link
                        .lost(generation, "a command got no answer in time");
                }
                Err(timeout())
            }
        }
    }
}

/// The `mode` field of a `HELLO` reply (`standalone`, `cluster`, `sentinel`).
fn server_mode(reply: &redis::Value) -> Option<String> {
    let redis::Value::Map(fields) = reply else {
        return None;
    };
    fields.iter().find_map(|(key, value)| {
        let key: String = redis::from_redis_value_ref(key).ok()?;
        (key == "mode")
            .then(|| redis::from_redis_value_ref::<String>(value).ok())
            .flatten()
    })
}

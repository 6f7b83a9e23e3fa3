//! One Redis server, or the master the Sentinels name: the [`Connector`]
//! for one RESP3 connection that publishes, holds the subscriptions and is
//! replaced when it dies.
//!
//! The connection is supervised here rather than by redis-rs'
//! `ConnectionManager`, for three reasons measured on redis 1.8: the manager
//! forwards pushes through an unbounded channel and a task of its own (a
//! flooded reader grew by hundreds of MiB there, whatever its own queue
//! did), it does not treat a response timeout as a lost connection (a
//! half-open path was never detected), and it ignores the errors of its
//! automatic resubscription (a refused `SUBSCRIBE` left a subscriber deaf).
//! Here pushes reach the role's sink on the task that reads the socket.

use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::sentinel::SentinelClient;
use redis::{AsyncConnectionConfig, RedisResult};

use super::retry::is_transient;
use super::supervisor::{Activity, Connector, Pushes, Supervised};
use super::{ConnectOptions, Incoming, Target};
use crate::Result;

/// A supervised connection to one server (or the Sentinels' master).
pub(crate) type ServerTransport = Supervised<ServerConnector>;

/// Where each (re)connection goes.
pub(crate) struct ServerConnector {
    source: Source,
    /// Whether the server is a standalone Redis, once known.
    standalone: OnceLock<bool>,
}

enum Source {
    /// One server.
    Fixed(redis::Client),
    /// The master the Sentinels name at the time of each connection.
    Sentinel(tokio::sync::Mutex<SentinelClient>),
}

impl ServerTransport {
    /// Connects, retrying once a second until the connect timeout.
    ///
    /// Every push the connection receives is decoded and handed to `sink` on
    /// the task that reads the socket, as it arrives: nothing is queued
    /// here, so what the sink keeps is all the memory that incoming
    /// messages take. The sink must not block.
    pub(crate) async fn open(
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let source = match &options.target {
            Target::Sentinel {
                sentinels,
                master,
                credentials,
            } => {
                let client = super::sentinel::client(sentinels, master, credentials, &options.tls)
                    .map_err(|source| options.target.invalid(&source))?;
                Source::Sentinel(tokio::sync::Mutex::new(client))
            }
            target => Source::Fixed(target.resp3_client(&options.tls)?),
        };
        let connector = ServerConnector {
            source,
            standalone: OnceLock::new(),
        };
        Self::connect(connector, options, sink).await
    }

    /// Whether the server is a standalone Redis (not a cluster node), where a
    /// `PUBLISH` count of 0 means nobody at all listens. Asked once.
    ///
    /// Asked with `HELLO 3` (which every RESP3 client may send: its reply
    /// carries the server's `mode`), not `INFO`, which an ACL user may lack.
    /// Only an answer is remembered: a failure (a timeout, say) means "not
    /// known" this time — no fail-fast — and the next publish asks again.
    pub(crate) async fn is_standalone(&self) -> bool {
        if let Some(known) = self.connector().standalone.get() {
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
                let _ = self.connector().standalone.set(standalone);
                standalone
            }
            Err(error) => {
                tracing::debug!(%error, "HELLO failed; no fail-fast for this publish");
                false
            }
        }
    }
}

impl Connector for ServerConnector {
    type Conn = MultiplexedConnection;
    type Memory = ();
    const HEALS: bool = false;

    async fn mismatch(&self) -> Option<&'static str> {
        match &self.source {
            Source::Fixed(client) => {
                super::tls::mismatch(client.get_connection_info().addr()).await
            }
            Source::Sentinel(_) => None,
        }
    }

    async fn open(&self, pushes: Pushes, timeout: Duration) -> RedisResult<MultiplexedConnection> {
        let config = AsyncConnectionConfig::new()
            .set_push_sender(move |push| {
                pushes(push);
                Ok::<(), std::convert::Infallible>(())
            })
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let client = match &self.source {
            Source::Fixed(client) => client.clone(),
            Source::Sentinel(sentinel) => {
                // Mid-failover the Sentinels may still name a demoted
                // master: the client checks the role of the server named.
                let client = sentinel.lock().await.async_get_client().await?;
                tracing::debug!(master = %client.get_connection_info().addr(), "the Sentinels name the master");
                client
            }
        };
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    async fn subscribe(mut conn: MultiplexedConnection, channel: String) -> RedisResult<()> {
        conn.subscribe(channel).await
    }

    async fn ping(mut conn: MultiplexedConnection, _channel: Option<String>) -> RedisResult<()> {
        redis::cmd("PING").query_async(&mut conn).await
    }

    /// `PING` within the command timeout.
    async fn probe(
        &self,
        conn: MultiplexedConnection,
        _channels: &[String],
        activity: &Activity,
        (): &mut (),
        timeout: Duration,
    ) -> Option<&'static str> {
        let before = activity.total();
        match tokio::time::timeout(timeout, Self::ping(conn, None)).await {
            Ok(Ok(())) => None,
            _ if activity.total() != before => None,
            // The server answered (with an error): the path is alive.
            Ok(Err(e)) if !is_transient(&e) => {
                tracing::debug!(error = %e, "health check answered with an error");
                None
            }
            _ => Some("no answer to the health check"),
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

//! A Redis Cluster: classic pub/sub through the `redis` crate's async
//! cluster client, which routes `SUBSCRIBE` to the node owning the channel's
//! slot and re-sends it after reconnects and topology changes. Classic
//! `PUBLISH` is broadcast to every node over the cluster bus, so peers
//! attached to different nodes — Python clients on a single node too — see
//! each other.
//!
//! The cluster client reconnects a node only when a connection reports an
//! error; a half-open path (no error, no answer) would leave it deaf. A
//! health check therefore asks each subscription's node every interval, and
//! a node that does not answer within the command timeout — or whose
//! connection lost its subscription for two checks in a row — gets the
//! whole cluster connection replaced, with every subscription renewed and
//! confirmed before it is used.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{
    MultipleNodeRoutingInfo, ResponsePolicy, Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr,
};
use redis::{ProtocolVersion, PushInfo, PushKind, Value};
use tokio::sync::{Notify, watch};

use super::ConnectOptions;
use super::incoming::{Decoder, Incoming};
use super::options::Tls;
use super::retry::{self, AbortOnDrop};
use crate::throttle::Throttle;
use crate::{Error, Result};

type Sink = dyn Fn(Incoming) + Send + Sync;

/// A connection to a cluster; clones share it.
#[derive(Clone)]
pub(crate) struct ClusterTransport {
    inner: Arc<Inner>,
    _health: Arc<AbortOnDrop>,
}

struct Inner {
    seeds: Vec<String>,
    tls: Tls,
    target: String,
    command_timeout: Duration,
    health_check_interval: Duration,
    sink: Arc<Sink>,
    decoder: Arc<Decoder>,
    /// The live cluster connection and its generation; `None` while it is
    /// being replaced.
    current: watch::Sender<Option<(ClusterConnection, u64)>>,
    /// The newest generation opened: pushes of older ones are ignored.
    generations: AtomicU64,
    /// False from a node's disconnection until a subscription is confirmed again.
    connected: AtomicBool,
    /// The subscribed channels.
    channels: Mutex<Vec<String>>,
    /// The signal channel's name: its messages count in `delivered[0]`,
    /// the response channel's in `delivered[1]`.
    signals: String,
    /// How many messages each channel delivered so far (a path that
    /// delivers is alive, however long its answers queue).
    delivered: [AtomicU64; 2],
    /// Wakes the health check when a command found the connection dead.
    dead: Notify,
    failures: Throttle,
}

impl ClusterTransport {
    /// Connects through `seeds`, retrying once a second until the connect
    /// timeout; pushes from every node go, decoded, to `sink`.
    pub(super) async fn connect(
        seeds: &[String],
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let inner = Arc::new(Inner {
            seeds: seeds.to_vec(),
            tls: options.tls.clone(),
            target: options.target.redacted(),
            command_timeout: options.command_timeout,
            health_check_interval: options.health_check_interval,
            sink: Arc::new(sink),
            decoder: Arc::new(Decoder::new(options.channels.clone(), options.max_payload)),
            current: watch::Sender::new(None),
            generations: AtomicU64::new(0),
            connected: AtomicBool::new(true),
            channels: Mutex::default(),
            signals: options.channels.signals().to_owned(),
            delivered: Default::default(),
            dead: Notify::new(),
            failures: Throttle::default(),
        });
        // A seed list the client refuses is a bad target, not a retry.
        inner.client(0).map_err(|source| Error::InvalidTarget {
            target: inner.target.clone(),
            source: super::target::scrubbed(&source, &options.target.secrets()),
        })?;
        let conn = retry::connect(options, || async {
            inner.preflight().await?;
            inner.open().await
        })
        .await?;
        inner.current.send_replace(Some(conn));
        let health = tokio::spawn(health_check(Arc::downgrade(&inner)));
        Ok(Self {
            inner,
            _health: Arc::new(AbortOnDrop(health)),
        })
    }

    pub(super) fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::Relaxed) && self.inner.current.borrow().is_some()
    }

    pub(super) fn target(&self) -> &str {
        &self.inner.target
    }

    /// Runs a command on the live connection (waiting while it is being
    /// replaced), all under the command timeout. A command that runs out of
    /// time on a connection that delivered nothing meanwhile counts as a
    /// sign of a dead path: the connection is replaced.
    async fn run<T, F, Fut>(&self, command: &'static str, query: F) -> Result<T>
    where
        F: FnOnce(ClusterConnection) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let after = self.inner.command_timeout;
        let before = self.inner.delivered();
        let mut used = None;
        let attempt = async {
            let mut current = self.inner.current.subscribe();
            let conn = match current.wait_for(Option::is_some).await {
                Ok(live) => live.clone(),
                Err(_) => None,
            };
            match conn {
                Some((conn, generation)) => {
                    used = Some(generation);
                    query(conn).await
                }
                None => Err(redis::RedisError::from((
                    redis::ErrorKind::Io,
                    "the cluster connection is closed",
                ))),
            }
        };
        let result = tokio::time::timeout(after, attempt).await;
        let timed_out = match &result {
            Ok(Err(e)) => e.is_timeout(),
            Ok(Ok(_)) => false,
            Err(_) => true,
        };
        if let (true, Some(generation)) = (timed_out, used)
            && self.inner.delivered() == before
        {
            self.inner
                .lost(generation, command, "a command got no answer in time");
            self.inner.dead.notify_one();
        }
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if !e.is_timeout() => Err(Error::redis(command)(e)),
            _ => Err(Error::CommandTimeout { command, after }),
        }
    }

    /// `PUBLISH` through any node; the count is that node's receivers only.
    pub(super) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.run("PUBLISH", |mut conn| async move {
            cmd.query_async::<usize>(&mut conn).await
        })
        .await
    }

    /// `SUBSCRIBE` on the node owning the channel's slot; the client renews
    /// it after reconnects and slot moves, the health check verifies it.
    pub(super) async fn subscribe(&self, channel: &str) -> Result<()> {
        let name = channel.to_owned();
        self.run(
            "SUBSCRIBE",
            |mut conn| async move { conn.subscribe(name).await },
        )
        .await?;
        let mut channels = self.inner.channels();
        if !channels.iter().any(|c| c == channel) {
            channels.push(channel.to_owned());
        }
        Ok(())
    }

    /// A `PING` to the node holding the first subscription: its pushes and
    /// the reply share one connection, so earlier pushes were handed on.
    pub(super) async fn round_trip(&self) -> Result<()> {
        let first = self.inner.channels().first().cloned();
        self.run("PING", |conn| async move {
            let reply = route(conn, redis::cmd("PING"), first.as_deref()).await;
            reply.map(drop)
        })
        .await
    }
}

impl Inner {
    fn channels(&self) -> MutexGuard<'_, Vec<String>> {
        self.channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many messages the subscriptions delivered so far.
    fn delivered(&self) -> u64 {
        self.delivered
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .sum()
    }

    /// The delivery count of `channel`.
    fn delivered_on(&self, channel: &str) -> &AtomicU64 {
        &self.delivered[usize::from(channel != self.signals)]
    }

    /// A cluster client whose pushes are handled as generation `generation`.
    fn client(
        self: &Arc<Self>,
        generation: u64,
    ) -> redis::RedisResult<redis::cluster::ClusterClient> {
        let inner: Weak<Self> = Arc::downgrade(self);
        let push = move |push: PushInfo| -> std::result::Result<(), ()> {
            if let Some(inner) = inner.upgrade() {
                inner.received(generation, push);
            }
            Ok(())
        };
        let mut builder = ClusterClientBuilder::new(self.seeds.clone())
            .use_protocol(ProtocolVersion::RESP3)
            .push_sender(push)
            .connection_timeout(self.command_timeout)
            .response_timeout(self.command_timeout)
            .tcp_settings(super::target::tcp_settings());
        if self.tls.insecure {
            builder = builder.tls(redis::TlsMode::Insecure);
        }
        if let Some(certificates) = self.tls.certificates() {
            builder = builder.certs(certificates);
        }
        builder.build()
    }

    /// Connects to the seeds one by one until one accepts: the cluster
    /// client flattens its errors into text, so a refused certificate or
    /// password would look transient and be retried until the timeout.
    /// One plain connection keeps the cause whole.
    async fn preflight(&self) -> redis::RedisResult<()> {
        let mut last = None;
        for seed in &self.seeds {
            let Ok(client) = super::Target::Url(seed.clone()).resp3_client(&self.tls) else {
                continue; // the cluster client reports a malformed seed
            };
            match client.get_multiplexed_async_connection().await {
                Ok(_) => return Ok(()),
                Err(e) if !retry::is_transient(&e) || crate::error::is_tls_failure(&e) => {
                    return Err(e);
                }
                Err(e) => last = Some(e),
            }
        }
        last.map_or(Ok(()), Err)
    }

    /// Opens a new cluster connection, tagged with a new generation.
    async fn open(self: &Arc<Self>) -> redis::RedisResult<(ClusterConnection, u64)> {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = self.client(generation)?.get_async_connection().await?;
        Ok((conn, generation))
    }

    /// A push of connection `generation`: decoded and handed on if that is
    /// the newest connection; pushes of replaced connections are dropped.
    fn received(&self, generation: u64, push: PushInfo) {
        if generation != self.generations.load(Ordering::Relaxed) {
            return;
        }
        match push.kind {
            PushKind::Disconnection => {
                self.connected.store(false, Ordering::Relaxed);
                (self.sink)(Incoming::Disconnected);
            }
            _ => {
                let Some(incoming) = self.decoder.decode(push) else {
                    return;
                };
                match &incoming {
                    Incoming::Signal(_) => {
                        self.delivered[0].fetch_add(1, Ordering::Relaxed);
                    }
                    Incoming::Response(_) => {
                        self.delivered[1].fetch_add(1, Ordering::Relaxed);
                    }
                    Incoming::Subscribed => self.connected.store(true, Ordering::Relaxed),
                    Incoming::Disconnected => {}
                }
                (self.sink)(incoming);
            }
        }
    }

    /// Connection `generation` is dead (`what` found it so): forget it and
    /// tell the sink.
    fn lost(&self, generation: u64, what: &str, why: &str) {
        let was_current = self.current.send_if_modified(|current| {
            if current.as_ref().is_some_and(|(_, g)| *g == generation) {
                *current = None;
                true
            } else {
                false
            }
        });
        if was_current {
            tracing::warn!(target = %self.target, %what, reason = why, "lost the path to a cluster node; replacing the cluster connection");
            self.connected.store(false, Ordering::Relaxed);
            (self.sink)(Incoming::Disconnected);
        }
    }

    /// Opens cluster connections until one is up with every channel
    /// subscribed again (each confirmation awaited), then installs it.
    async fn reconnect(self: &Arc<Self>) {
        let reconnect = retry::Reconnect {
            target: &self.target,
            timeout: self.command_timeout,
            failures: &self.failures,
        };
        let conn = reconnect
            .until_resubscribed(
                || self.channels().clone(),
                || self.open(),
                |(mut conn, _), channel| async move { conn.subscribe(channel).await },
            )
            .await;
        self.connected.store(true, Ordering::Relaxed);
        self.current.send_replace(Some(conn));
    }

    /// Checks the node holding `channel`'s subscription on connection
    /// `conn`: `Err` with the reason when its path is dead or the
    /// subscription is gone.
    async fn check(&self, conn: ClusterConnection, channel: &str) -> Check {
        let delivered = self.delivered_on(channel);
        let before = delivered.load(Ordering::Relaxed);
        let mut info = redis::cmd("CLIENT");
        info.arg("INFO");
        let reply =
            tokio::time::timeout(self.command_timeout, route(conn, info, Some(channel))).await;
        match reply {
            // `CLIENT INFO` runs on the subscribed connection itself.
            Ok(Ok(value)) => match redis::from_redis_value_ref::<String>(&value) {
                Ok(text) if subscriptions(&text) == Some(0) => Check::Unsubscribed,
                _ => Check::Alive,
            },
            _ if delivered.load(Ordering::Relaxed) != before => Check::Alive,
            // The node answered with an error (an ACL without `CLIENT`, say): alive.
            Ok(Err(e)) if !retry::is_transient(&e) => Check::Alive,
            // A refused or dropped node connection: the client reconnects it.
            Ok(Err(e)) if !e.is_timeout() => {
                tracing::debug!(error = %e, %channel, "cluster health check failed");
                Check::Alive
            }
            _ => Check::Dead,
        }
    }
}

/// What a health check of one subscription's node found.
#[derive(Debug, PartialEq, Eq)]
enum Check {
    Alive,
    /// The node's connection answers but holds no subscription.
    Unsubscribed,
    /// No answer within the command timeout, and no message either.
    Dead,
}

/// The `sub=N` field of a `CLIENT INFO` line.
fn subscriptions(info: &str) -> Option<u64> {
    info.split_ascii_whitespace()
        .find_map(|field| field.strip_prefix("sub="))
        .and_then(|n| n.parse().ok())
}

/// Every interval, a `PING` to every master and a check of the node
/// holding each subscription (see the module docs); replaces the cluster
/// connection when a path is dead.
async fn health_check(inner: Weak<Inner>) {
    let Some(interval) = inner.upgrade().map(|i| i.health_check_interval) else {
        return;
    };
    // Channels whose node's connection held no subscription at the last check.
    let mut unsubscribed: Vec<String> = Vec::new();
    loop {
        let woken = {
            let Some(strong) = inner.upgrade() else {
                return;
            };
            let dead = async { strong.dead.notified().await };
            tokio::select! {
                () = dead => true,
                () = tokio::time::sleep(interval) => false,
            }
        };
        let Some(inner) = inner.upgrade() else { return };
        if !woken {
            let current = inner.current.borrow().clone();
            if let Some((conn, generation)) = current
                && let Some((what, why)) = inner.examine(conn, &mut unsubscribed).await
            {
                inner.lost(generation, &what, why);
            }
        }
        if inner.current.borrow().is_none() {
            unsubscribed.clear();
            inner.reconnect().await;
        }
    }
}

impl Inner {
    /// One health check of `conn`: what found it dead, and why.
    async fn examine(
        &self,
        conn: ClusterConnection,
        unsubscribed: &mut Vec<String>,
    ) -> Option<(String, &'static str)> {
        let before = self.delivered();
        let all = RoutingInfo::MultiNode((
            MultipleNodeRoutingInfo::AllMasters,
            Some(ResponsePolicy::AllSucceeded),
        ));
        let mut ping = conn.clone();
        let pinged = tokio::time::timeout(
            self.command_timeout,
            ping.route_command(redis::cmd("PING"), all),
        )
        .await;
        let silent = match pinged {
            Ok(Ok(_)) => false,
            Ok(Err(e)) => e.is_timeout(),
            Err(_) => true,
        };
        if silent && self.delivered() == before {
            return Some(("PING".to_owned(), "a node did not answer the health check"));
        }
        let channels = self.channels().clone();
        let mut missing = Vec::new();
        for channel in &channels {
            match self.check(conn.clone(), channel).await {
                Check::Alive => {}
                Check::Unsubscribed => missing.push(channel.clone()),
                Check::Dead => {
                    return Some((channel.clone(), "no answer to the health check"));
                }
            }
        }
        // A node reconnected by the client may not have renewed its
        // subscription yet: only a second check in a row counts.
        let gone = missing.iter().find(|c| unsubscribed.contains(c)).cloned();
        *unsubscribed = missing;
        gone.map(|channel| (channel, "the node's connection lost its subscription"))
    }
}

/// `cmd` sent to the master owning `channel`'s slot (any node without one):
/// it shares a connection with that node's pushes.
async fn route(
    mut conn: ClusterConnection,
    cmd: redis::Cmd,
    channel: Option<&str>,
) -> redis::RedisResult<Value> {
    let node = match channel {
        Some(channel) => SingleNodeRoutingInfo::SpecificNode(Route::new(
            slot(channel.as_bytes()),
            SlotAddr::Master,
        )),
        None => SingleNodeRoutingInfo::Random,
    };
    conn.route_command(cmd, RoutingInfo::SingleNode(node)).await
}

/// The cluster slot of a key (CRC16/XMODEM of the key, or of its `{hash tag}`).
fn slot(key: &[u8]) -> u16 {
    let key = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(key) % 16384
}

fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_redis_cluster_slots() {
        // Values from `CLUSTER KEYSLOT`.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"event-signal-pubsub"), slot(b"event-signal-pubsub"));
        assert_eq!(slot(b"{user1000}.following"), slot(b"user1000"));
        assert_eq!(slot(b"123456789"), 0x31C3); // the CRC16/XMODEM check value
    }

    #[test]
    fn client_info_subscriptions() {
        let line =
            "id=3 addr=127.0.0.1:5 laddr=127.0.0.1:6 fd=8 name= db=0 sub=2 psub=0 ssub=0 multi=-1";
        assert_eq!(subscriptions(line), Some(2));
        assert_eq!(subscriptions("id=3 psub=1 sub=0"), Some(0));
        assert_eq!(subscriptions("id=3"), None);
    }
}

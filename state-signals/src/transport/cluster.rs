//! A Redis Cluster: classic pub/sub through the `redis` crate's async
//! cluster client, which routes `SUBSCRIBE` to the node owning the channel's
//! slot and re-sends it after reconnects and topology changes. Classic
//! `PUBLISH` is broadcast to every node over the cluster bus, so peers
//! attached to different nodes — Python clients on a single node too — see
//! each other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::{ProtocolVersion, PushInfo, PushKind};

use super::incoming::{Decoder, Incoming};
use super::retry::{self, AbortOnDrop};
use super::ConnectOptions;
use crate::{Error, Result};

/// A connection to a cluster; clones share it.
#[derive(Clone)]
pub(crate) struct ClusterTransport {
    inner: Arc<Inner>,
    _health: Arc<AbortOnDrop>,
}

struct Inner {
    conn: ClusterConnection,
    target: String,
    command_timeout: Duration,
    /// False from a node's disconnection until a subscription is confirmed again.
    connected: Arc<AtomicBool>,
    channels: Mutex<Vec<String>>,
}

impl ClusterTransport {
    /// Connects through `seeds`, retrying once a second until the connect
    /// timeout; pushes from every node go, decoded, to `sink`.
    pub(super) async fn connect(
        seeds: &[String],
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let target = options.target.redacted();
        let decoder = Decoder::new(options.channels.clone(), options.max_payload);
        let connected = Arc::new(AtomicBool::new(true));
        let flag = connected.clone();
        let push = move |push: PushInfo| -> std::result::Result<(), ()> {
            match push.kind {
                PushKind::Disconnection => {
                    flag.store(false, Ordering::Relaxed);
                    sink(Incoming::Disconnected);
                }
                _ => {
                    if let Some(incoming) = decoder.decode(push) {
                        if matches!(incoming, Incoming::Subscribed) {
                            flag.store(true, Ordering::Relaxed);
                        }
                        sink(incoming);
                    }
                }
            }
            Ok(())
        };
        let secrets = options.target.secrets();
        let invalid = |source: redis::RedisError| Error::InvalidTarget {
            target: target.clone(),
            source: super::target::scrubbed(&source, &secrets),
        };
        let client = ClusterClientBuilder::new(seeds.to_vec())
            .use_protocol(ProtocolVersion::RESP3)
            .push_sender(push)
            .connection_timeout(options.command_timeout)
            .response_timeout(options.command_timeout)
            .build()
            .map_err(invalid)?;
        let conn = retry::connect(options, || client.get_async_connection()).await?;
        let inner = Arc::new(Inner {
            conn,
            target,
            command_timeout: options.command_timeout,
            connected,
            channels: Mutex::default(),
        });
        let health = tokio::spawn(health_check(
            Arc::downgrade(&inner),
            options.health_check_interval,
        ));
        Ok(Self {
            inner,
            _health: Arc::new(AbortOnDrop(health)),
        })
    }

    pub(super) fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::Relaxed)
    }

    pub(super) fn target(&self) -> &str {
        &self.inner.target
    }

    /// Runs a command under the command timeout.
    async fn run<T>(
        &self,
        command: &'static str,
        query: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T> {
        let after = self.inner.command_timeout;
        match tokio::time::timeout(after, query).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_timeout() => Err(Error::CommandTimeout { command, after }),
            Ok(Err(e)) => Err(Error::redis(command)(e)),
            Err(_) => Err(Error::CommandTimeout { command, after }),
        }
    }

    /// `PUBLISH` through any node; the count is that node's receivers only.
    pub(super) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        let mut conn = self.inner.conn.clone();
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.run("PUBLISH", async move {
            cmd.query_async::<usize>(&mut conn).await
        })
        .await
    }

    /// `SUBSCRIBE` on the node owning the channel's slot; the client renews
    /// it after reconnects and slot moves.
    pub(super) async fn subscribe(&self, channel: &str) -> Result<()> {
        let mut conn = self.inner.conn.clone();
        let name = channel.to_owned();
        self.run("SUBSCRIBE", async move { conn.subscribe(name).await })
            .await?;
        self.inner
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(channel.to_owned());
        Ok(())
    }

    /// A `PING` to the node holding the first subscription: its pushes and
    /// the reply share one connection, so earlier pushes were handed on.
    pub(super) async fn round_trip(&self) -> Result<()> {
        let first = self
            .inner
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .first()
            .cloned();
        let ping = ping(self.inner.conn.clone(), first.as_deref());
        self.run("PING", ping).await
    }
}

/// Every interval, a `PING` to the node holding each subscription: the
/// cluster client reconnects (and resubscribes) a node only when a command
/// is routed to it, and a subscriber sends none of its own.
async fn health_check(inner: std::sync::Weak<Inner>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let Some(inner) = inner.upgrade() else { return };
        let channels = inner
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for channel in channels {
            let ping = ping(inner.conn.clone(), Some(&channel));
            match tokio::time::timeout(inner.command_timeout, ping).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::debug!(%error, %channel, "cluster health check failed"),
                Err(_) => tracing::debug!(%channel, "cluster health check timed out"),
            }
        }
    }
}

/// A `PING` to the master owning `channel`'s slot (any node without one):
/// it shares a connection with that node's pushes.
async fn ping(mut conn: ClusterConnection, channel: Option<&str>) -> redis::RedisResult<()> {
    let node = match channel {
        Some(channel) => SingleNodeRoutingInfo::SpecificNode(Route::new(
            slot(channel.as_bytes()),
            SlotAddr::Master,
        )),
        None => SingleNodeRoutingInfo::Random,
    };
    conn.route_command(redis::cmd("PING"), RoutingInfo::SingleNode(node))
        .await
        .map(drop)
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
}

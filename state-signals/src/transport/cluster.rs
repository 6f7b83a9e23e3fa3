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

use std::sync::Arc;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{
    MultipleNodeRoutingInfo, ResponsePolicy, Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr,
};
use redis::{ProtocolVersion, RedisResult, Value};

use super::retry::is_transient;
use super::supervisor::{Activity, Connector, Pushes, Supervised};
use super::tls::Tls;
use super::{ConnectOptions, Incoming, Target};
use crate::Result;

/// A supervised connection to a cluster.
pub(crate) type ClusterTransport = Supervised<ClusterConnector>;

/// How to reach the cluster.
pub(crate) struct ClusterConnector {
    seeds: Vec<String>,
    tls: Tls,
}

impl ClusterTransport {
    /// Connects through `seeds`, retrying once a second until the connect
    /// timeout; pushes from every node go, decoded, to `sink`.
    pub(crate) async fn open(
        seeds: &[String],
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let connector = ClusterConnector {
            seeds: seeds.to_vec(),
            tls: options.tls.clone(),
        };
        // A seed list the client refuses is a bad target, not a retry.
        connector
            .client(Arc::new(drop), options.command_timeout)
            .map_err(|source| options.target.invalid(&source))?;
        Self::connect(connector, options, sink).await
    }
}

impl ClusterConnector {
    /// A cluster client whose pushes go to `pushes`.
    fn client(&self, pushes: Pushes, timeout: Duration) -> RedisResult<ClusterClient> {
        let mut builder = ClusterClientBuilder::new(self.seeds.clone())
            .use_protocol(ProtocolVersion::RESP3)
            .push_sender(move |push| {
                pushes(push);
                Ok::<(), std::convert::Infallible>(())
            })
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .tcp_settings(super::target::tcp_settings());
        if self.tls.insecure {
            builder = builder.tls(redis::TlsMode::Insecure);
        }
        if let Some(certificates) = self.tls.certificates() {
            builder = builder.certs(certificates);
        }
        builder.build()
    }

    /// `CLIENT INFO` on the connection holding `channel`'s subscription:
    /// whether its path is dead or its subscription gone.
    async fn check(
        &self,
        conn: ClusterConnection,
        channel: &str,
        activity: &Activity,
        timeout: Duration,
    ) -> Check {
        let before = activity.on(channel);
        let mut info = redis::cmd("CLIENT");
        info.arg("INFO");
        let reply = tokio::time::timeout(timeout, route(conn, info, Some(channel))).await;
        match reply {
            // `CLIENT INFO` runs on the subscribed connection itself.
            Ok(Ok(value)) => match redis::from_redis_value_ref::<String>(&value) {
                Ok(text) if subscriptions(&text) == Some(0) => Check::Unsubscribed,
                _ => Check::Alive,
            },
            _ if activity.on(channel) != before => Check::Alive,
            // The node answered with an error (an ACL without `CLIENT`, say): alive.
            Ok(Err(e)) if !is_transient(&e) => Check::Alive,
            // A refused or dropped node connection: the client reconnects it.
            Ok(Err(e)) if !e.is_timeout() => {
                tracing::debug!(error = %e, %channel, "cluster health check failed");
                Check::Alive
            }
            _ => Check::Dead,
        }
    }
}

impl Connector for ClusterConnector {
    type Conn = ClusterConnection;
    /// The channels whose node's connection held no subscription at the
    /// last check.
    type Memory = Vec<String>;
    const HEALS: bool = true;

    /// Connects to the seeds one by one until one accepts: the cluster
    /// client flattens its errors into text, so a refused certificate or
    /// password would look transient and be retried until the timeout.
    /// One plain connection keeps the cause whole.
    async fn preflight(&self) -> RedisResult<()> {
        let mut last = None;
        for seed in &self.seeds {
            let Ok(client) = Target::Url(seed.clone()).resp3_client(&self.tls) else {
                continue; // the cluster client reports a malformed seed
            };
            match client.get_multiplexed_async_connection().await {
                Ok(_) => return Ok(()),
                Err(e) if !is_transient(&e) || crate::error::is_tls_failure(&e) => {
                    return Err(e);
                }
                Err(e) => last = Some(e),
            }
        }
        last.map_or(Ok(()), Err)
    }

    async fn open(&self, pushes: Pushes, timeout: Duration) -> RedisResult<ClusterConnection> {
        self.client(pushes, timeout)?.get_async_connection().await
    }

    /// `SUBSCRIBE` on the node owning the channel's slot; the client renews
    /// it after reconnects and slot moves, the health check verifies it.
    async fn subscribe(mut conn: ClusterConnection, channel: String) -> RedisResult<()> {
        conn.subscribe(channel).await
    }

    /// A `PING` to the node holding the subscription: its pushes and the
    /// reply share one connection.
    async fn ping(conn: ClusterConnection, channel: Option<String>) -> RedisResult<()> {
        route(conn, redis::cmd("PING"), channel.as_deref())
            .await
            .map(drop)
    }

    /// A `PING` to every master and a check of the node holding each
    /// subscription (see the module docs).
    async fn probe(
        &self,
        conn: ClusterConnection,
        channels: &[String],
        activity: &Activity,
        unsubscribed: &mut Vec<String>,
        timeout: Duration,
    ) -> Option<&'static str> {
        let before = activity.total();
        let all = RoutingInfo::MultiNode((
            MultipleNodeRoutingInfo::AllMasters,
            Some(ResponsePolicy::AllSucceeded),
        ));
        let mut ping = conn.clone();
        let pinged =
            tokio::time::timeout(timeout, ping.route_command(redis::cmd("PING"), all)).await;
        let silent = match pinged {
            Ok(Ok(_)) => false,
            Ok(Err(e)) => e.is_timeout(),
            Err(_) => true,
        };
        if silent && activity.total() == before {
            return Some("a node did not answer the health check");
        }
        let mut missing = Vec::new();
        for channel in channels {
            match self.check(conn.clone(), channel, activity, timeout).await {
                Check::Alive => {}
                Check::Unsubscribed => missing.push(channel.clone()),
                Check::Dead => {
                    return Some("a subscription's node did not answer the health check");
                }
            }
        }
        // A node reconnected by the client may not have renewed its
        // subscription yet: only a second check in a row counts.
        let gone = missing.iter().any(|c| unsubscribed.contains(c));
        *unsubscribed = missing;
        gone.then_some("a node's connection lost its subscription")
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

/// `cmd` sent to the master owning `channel`'s slot (any node without one):
/// it shares a connection with that node's pushes.
async fn route(
    mut conn: ClusterConnection,
    cmd: redis::Cmd,
    channel: Option<&str>,
) -> RedisResult<Value> {
    let node = match channel {
        Some(channel) => {
            SingleNodeRoutingInfo::SpecificNode(Route::with_key(channel, SlotAddr::Master))
        }
        None => SingleNodeRoutingInfo::Random,
    };
    conn.route_command(cmd, RoutingInfo::SingleNode(node)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_info_subscriptions() {
        let line =
            "id=3 addr=127.0.0.1:5 laddr=127.0.0.1:6 fd=8 name= db=0 sub=2 psub=0 ssub=0 multi=-1";
        assert_eq!(subscriptions(line), Some(2));
        assert_eq!(subscriptions("id=3 psub=1 sub=0"), Some(0));
        assert_eq!(subscriptions("id=3"), None);
    }
}

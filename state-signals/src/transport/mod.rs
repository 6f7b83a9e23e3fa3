//! The transports under exporters, responders and monitors. Everything
//! above this module talks to [`Transport`] and does not know which one it
//! has.
//!
//! Every Redis target is one [`supervisor::Supervisor`] — the live
//! connection, its subscriptions, loss detection, reconnection and the
//! health loop — over a [`supervisor::Connector`] that says how to open,
//! subscribe and probe: one server or the master the Sentinels name
//! ([`server`], [`sentinel`]), or a cluster ([`cluster`]). The in-memory
//! bus ([`memory`]) is a transport of its own, with no connection to lose.
//! Where to connect is a [`Target`] ([`target`]), with its TLS material
//! ([`tls`]) and the rest of the [`ConnectOptions`] ([`options`]).

mod cluster;
mod incoming;
mod memory;
mod options;
mod retry;
mod sentinel;
mod sentinel_master;
mod server;
mod supervisor;
mod target;
mod tls;

pub(crate) use incoming::Incoming;
pub use memory::MemoryBus;
pub use options::ConnectOptions;
pub use sentinel_master::SentinelMaster;
pub(crate) use target::Target;

use crate::Result;

/// A connection that publishes, holds subscriptions, and hands every
/// decoded message to the sink it was made with. Clones share it.
#[derive(Clone)]
pub(crate) enum Transport {
    /// A Redis server.
    Server(server::ServerTransport),
    /// A [`MemoryBus`].
    Memory(memory::MemoryTransport),
    /// A Redis Cluster.
    Cluster(cluster::ClusterTransport),
}

impl Transport {
    /// Connects to the options' target. Every message received is decoded
    /// and handed to `sink` as it arrives; the sink must not block.
    pub(crate) async fn connect(
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        match &options.target {
            Target::Memory(bus) => Ok(Self::Memory(bus.connect(options, sink))),
            Target::Cluster(seeds) => Ok(Self::Cluster(
                cluster::ClusterTransport::open(seeds, options, sink).await?,
            )),
            _ => Ok(Self::Server(
                server::ServerTransport::open(options, sink).await?,
            )),
        }
    }

    /// Whether the connection is up with every subscription confirmed.
    pub(crate) fn is_connected(&self) -> bool {
        match self {
            Self::Server(t) => t.is_connected(),
            Self::Memory(t) => t.is_connected(),
            Self::Cluster(t) => t.is_connected(),
        }
    }

    /// Where this transport is connected, without password.
    pub(crate) fn target(&self) -> &str {
        match self {
            Self::Server(t) => t.target(),
            Self::Memory(t) => t.target(),
            Self::Cluster(t) => t.target(),
        }
    }

    /// Publishes `payload` on `channel`; returns how many clients received it.
    pub(crate) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        match self {
            Self::Server(t) => t.publish(channel, payload).await,
            Self::Memory(t) => t.publish(channel, payload).await,
            Self::Cluster(t) => t.publish(channel, payload).await,
        }
    }

    /// Subscribes to `channel` and returns once the subscription is
    /// confirmed; it is renewed after every reconnection.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<()> {
        match self {
            Self::Server(t) => t.subscribe(channel).await,
            Self::Memory(t) => t.subscribe(channel).await,
            Self::Cluster(t) => t.subscribe(channel).await,
        }
    }

    /// Returns once every message received before the call has been handed
    /// to the sink.
    pub(crate) async fn round_trip(&self) -> Result<()> {
        match self {
            Self::Server(t) => t.round_trip().await,
            Self::Memory(t) => t.round_trip().await,
            Self::Cluster(t) => t.round_trip().await,
        }
    }

    /// Whether a `PUBLISH` count of 0 means that nobody at all listens.
    pub(crate) async fn is_standalone(&self) -> bool {
        match self {
            Self::Server(t) => t.is_standalone().await,
            Self::Memory(_) => true,
            // A cluster node counts only its own receivers.
            Self::Cluster(_) => false,
        }
    }
}

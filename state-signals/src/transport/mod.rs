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

use crate::{Error, Result};

/// A connection that publishes, holds subscriptions, and hands every
/// decoded message to the sink it was made with. Clones share it.
#[derive(Clone)]
pub(crate) struct Transport {
    kind: Kind,
    /// The payload cap: nothing larger is sent (no peer would take it).
    max_payload: usize,
}

#[derive(Clone)]
enum Kind {
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
        if !matches!(options.target, Target::Memory(_)) {
            options.tls.check()?;
        }
        let kind = match &options.target {
            Target::Memory(bus) => Kind::Memory(bus.connect(options, sink)),
            Target::Cluster(seeds) => {
                Kind::Cluster(cluster::ClusterTransport::open(seeds, options, sink).await?)
            }
            _ => Kind::Server(server::ServerTransport::open(options, sink).await?),
        };
        Ok(Self {
            kind,
            max_payload: options.max_payload,
        })
    }

    /// Whether the connection is up with every subscription confirmed.
    pub(crate) fn is_connected(&self) -> bool {
        match &self.kind {
            Kind::Server(t) => t.is_connected(),
            Kind::Memory(t) => t.is_connected(),
            Kind::Cluster(t) => t.is_connected(),
        }
    }

    /// Where this transport is connected, without password.
    pub(crate) fn target(&self) -> &str {
        match &self.kind {
            Kind::Server(t) => t.target(),
            Kind::Memory(t) => t.target(),
            Kind::Cluster(t) => t.target(),
        }
    }

    /// Publishes `payload` on `channel`; returns how many clients received
    /// it. A payload over the cap is refused before anything is sent.
    pub(crate) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        if payload.len() > self.max_payload {
            return Err(Error::PayloadTooLarge {
                size: payload.len(),
                max: self.max_payload,
            });
        }
        match &self.kind {
            Kind::Server(t) => t.publish(channel, payload).await,
            Kind::Memory(t) => t.publish(channel, payload).await,
            Kind::Cluster(t) => t.publish(channel, payload).await,
        }
    }

    /// Subscribes to `channel` and returns once the subscription is
    /// confirmed; it is renewed after every reconnection.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<()> {
        match &self.kind {
            Kind::Server(t) => t.subscribe(channel).await,
            Kind::Memory(t) => t.subscribe(channel).await,
            Kind::Cluster(t) => t.subscribe(channel).await,
        }
    }

    /// Returns once every message received before the call has been handed
    /// to the sink.
    pub(crate) async fn round_trip(&self) -> Result<()> {
        match &self.kind {
            Kind::Server(t) => t.round_trip().await,
            Kind::Memory(t) => t.round_trip().await,
            Kind::Cluster(t) => t.round_trip().await,
        }
    }

    /// Whether a `PUBLISH` count of 0 means that nobody at all listens.
    pub(crate) async fn is_standalone(&self) -> bool {
        match &self.kind {
            Kind::Server(t) => t.is_standalone().await,
            Kind::Memory(_) => true,
            // A cluster node counts only its own receivers.
            Kind::Cluster(_) => false,
        }
    }
}

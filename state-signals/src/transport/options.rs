//! ConnectOptions: where and how to connect, one value every builder takes.

use std::time::Duration;

use super::SentinelMaster;
use super::target::Target;
use super::tls::Tls;
use crate::protocol::{Channels, DEFAULT_MAX_PAYLOAD};

/// The default time to keep trying the first connection: 20 s, as in Python.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// The default time one Redis command may take before it counts as failed.
pub(crate) const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The default time between two health checks (`PING`) of a connection.
///
/// With the default command timeout, a dead path (a half-open connection
/// behind a NAT or a proxy, say) is detected within 10 s: one interval plus
/// one command timeout.
pub(crate) const DEFAULT_HEALTH_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Where and how exporters, responders and monitors connect: the server,
/// the timeouts, the channel namespace and the payload cap. Build it once
/// and hand it to every builder with `.options(..)`:
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use std::time::Duration;
/// use state_signals::{ConnectOptions, SignalExporter, SignalResponder};
///
/// let options = ConnectOptions::url("redis://127.0.0.1:6379")
///     .namespace("run-42")
///     .command_timeout(Duration::from_secs(2));
/// let exporter = SignalExporter::builder("bench").options(options.clone()).connect().await?;
/// let responder = SignalResponder::builder().options(options).connect().await?;
/// # Ok(()) }
/// ```
///
/// `Debug` never shows a password.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub(crate) target: Target,
    /// `None`: retry forever.
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) command_timeout: Duration,
    pub(crate) health_check_interval: Duration,
    pub(crate) channels: Channels,
    pub(crate) max_payload: usize,
    pub(crate) tls: Tls,
}

impl Default for ConnectOptions {
    /// `localhost:6379`, the default channels and the default timeouts.
    fn default() -> Self {
        Self {
            target: Target::default(),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            health_check_interval: DEFAULT_HEALTH_CHECK_INTERVAL,
            channels: Channels::default(),
            max_payload: DEFAULT_MAX_PAYLOAD,
            tls: Tls::default(),
        }
    }
}

impl ConnectOptions {
    /// The default time to keep trying the first connection: 20 s, as in
    /// Python (set another with [`connect_timeout`](Self::connect_timeout)).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = DEFAULT_CONNECT_TIMEOUT;
    /// The default time one Redis command may take before it counts as
    /// failed: 5 s (set another with [`command_timeout`](Self::command_timeout)).
    pub const DEFAULT_COMMAND_TIMEOUT: Duration = DEFAULT_COMMAND_TIMEOUT;
    /// The default time between two health checks (`PING`) of a connection:
    /// 5 s (set another with
    /// [`health_check_interval`](Self::health_check_interval)).
    pub const DEFAULT_HEALTH_CHECK_INTERVAL: Duration = DEFAULT_HEALTH_CHECK_INTERVAL;
    /// The default cap on the size of one payload: 4 MiB (set another with
    /// [`max_payload`](Self::max_payload)).
    pub const DEFAULT_MAX_PAYLOAD: usize = DEFAULT_MAX_PAYLOAD;

    /// A Redis URL: `redis://[user:password@]host[:port][/db]` or
    /// `unix:///path/to/redis.sock`. A malformed URL is reported by `connect`.
    pub fn url(url: impl Into<String>) -> Self {
        Self::default().target(Target::Url(url.into()))
    }

    /// An in-memory [`MemoryBus`](super::MemoryBus) instead of a server: for
    /// tests and demos (see its docs for what it does not model).
    pub fn in_memory(bus: &super::MemoryBus) -> Self {
        Self::default().target(Target::Memory(bus.clone()))
    }

    /// A Redis Cluster, through one or more seed nodes (`redis://` or
    /// `rediss://` URLs; the rest of the topology is discovered). Classic
    /// pub/sub is broadcast to every node, so peers attached to different
    /// nodes — and Python clients attached to a single one — see each other.
    /// A `PUBLISH` counts only the receivers on the node that handled it, so
    /// a count of 0 never fails a publish fast on a cluster.
    pub fn cluster<I, S>(seeds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::default().target(Target::Cluster(seeds.into_iter().map(Into::into).collect()))
    }

    /// The master that Redis Sentinels monitor under a name, followed
    /// through failovers: every (re)connection asks the Sentinels which
    /// server is the master now, so after a failover the next reconnection
    /// lands on the new master and renews the subscriptions. TLS options
    /// apply to the master; the master's own credentials are set on the
    /// [`SentinelMaster`].
    pub fn sentinel(master: SentinelMaster) -> Self {
        let SentinelMaster {
            sentinels,
            master,
            credentials,
        } = master;
        Self::default().target(Target::Sentinel {
            sentinels,
            master,
            credentials,
        })
    }

    /// `host:port`.
    pub fn host_port(host: impl Into<String>, port: u16) -> Self {
        Self::default().target(Target::HostPort(host.into(), port))
    }

    /// A client the caller already has (reopened with RESP3, which pub/sub
    /// pushes need; its address, database and credentials are kept).
    ///
    /// Behind the `redis-client` feature: it puts the `redis` crate's
    /// `Client` in this crate's API, so a major release of `redis` is a
    /// major release of this crate for whoever turns it on.
    #[cfg(feature = "redis-client")]
    pub fn client(client: redis::Client) -> Self {
        Self::default().target(Target::Client(Box::new(client)))
    }

    pub(crate) fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// How long to keep trying the first connection, once a second
    /// (default [`ConnectOptions::DEFAULT_CONNECT_TIMEOUT`], 20 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Keeps trying the first connection however long it takes.
    pub fn no_connect_timeout(mut self) -> Self {
        self.connect_timeout = None;
        self
    }

    /// How long one Redis command (`PUBLISH`, `SUBSCRIBE` …) may take before
    /// it fails with [`Error::CommandTimeout`](crate::Error::CommandTimeout)
    /// (default [`ConnectOptions::DEFAULT_COMMAND_TIMEOUT`], 5 s). It bounds every call while
    /// Redis is unreachable; a command that ran out of time while nothing
    /// else arrived counts as a sign of a dead connection, which is replaced.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// How often an idle connection is checked with a `PING` (default
    /// [`ConnectOptions::DEFAULT_HEALTH_CHECK_INTERVAL`], 5 s). A dead path is detected
    /// within this interval plus the command timeout; the connection is then
    /// replaced and every subscription renewed and confirmed.
    pub fn health_check_interval(mut self, interval: Duration) -> Self {
        self.health_check_interval = interval;
        self
    }

    /// Uses namespaced channels (see [`Channels::namespaced`]) to isolate
    /// independent runs on one server. The Python package only speaks the
    /// default, un-namespaced channels.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.channels = Channels::namespaced(&namespace.into());
        self
    }

    /// For a `rediss://` target: trust the CA certificates of this PEM bundle
    /// instead of the system's trust store. The server's certificate must
    /// chain to one of them and name the host of the URL.
    pub fn tls_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.ca_pem = Some(pem.into());
        self
    }

    /// For a `rediss://` target: present this client certificate chain and
    /// key (PEM) to the server, for servers that require client
    /// certificates (mutual TLS).
    pub fn tls_client_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.tls.client_pem = Some((cert.into(), key.into()));
        self
    }

    /// For a `rediss://` target: **accept any server certificate**, without
    /// checking who issued it or whom it names. The traffic is encrypted but
    /// anyone on the path can impersonate the server. For tests only.
    pub fn danger_accept_invalid_certs(mut self) -> Self {
        self.tls.insecure = true;
        self
    }

    /// Skips (with a warning) every received payload larger than this many
    /// bytes (default 4 MiB).
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }
}

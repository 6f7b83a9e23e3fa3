//! Connection options shared by the exporter and responder builders.

use std::time::Duration;

use super::Target;
use crate::protocol::{Channels, DEFAULT_MAX_PAYLOAD};

/// The default time to keep trying the first connection: 20 s, as in Python.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// The default time one Redis command may take before it counts as failed.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);
/// The default time between two health checks (`PING`) of a connection.
///
/// With the default command timeout, a dead path (a half-open connection
/// behind a NAT or a proxy, say) is detected within 10 s: one interval plus
/// one command timeout.
pub const DEFAULT_HEALTH_CHECK_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub(crate) struct ConnectOptions {
    pub(crate) target: Target,
    /// `None`: retry forever.
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) command_timeout: Duration,
    pub(crate) health_check_interval: Duration,
    pub(crate) channels: Channels,
    pub(crate) max_payload: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            target: Target::default(),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            health_check_interval: DEFAULT_HEALTH_CHECK_INTERVAL,
            channels: Channels::default(),
            max_payload: DEFAULT_MAX_PAYLOAD,
        }
    }
}

/// The connection setters every builder shares; `$field` is its `ConnectOptions`.
macro_rules! connect_setters {
    ($field:ident) => {
        /// Connects to a Redis URL: `redis://[user:password@]host[:port][/db]`
        /// or `unix:///path/to/redis.sock`. Default: `localhost:6379`.
        pub fn url(mut self, url: impl Into<String>) -> Self {
            self.$field.target = $crate::transport::Target::Url(url.into());
            self
        }

        /// Connects to `host:port`.
        pub fn host_port(mut self, host: impl Into<String>, port: u16) -> Self {
            self.$field.target = $crate::transport::Target::HostPort(host.into(), port);
            self
        }

        /// Connects with a client the caller already has (reopened with RESP3,
        /// which pub/sub pushes need).
        pub fn client(mut self, client: redis::Client) -> Self {
            self.$field.target = $crate::transport::Target::Client(client);
            self
        }

        /// How long to keep trying the first connection, once a second
        /// (default 20 s). `None` retries forever.
        pub fn connect_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.$field.connect_timeout = timeout;
            self
        }

        /// How long one Redis command (`PUBLISH`, `SUBSCRIBE` …) may take before
        /// it fails with [`Error::CommandTimeout`](crate::Error::CommandTimeout)
        /// (default 5 s). It bounds every call while Redis is unreachable; a
        /// command that ran out of time counts as a sign of a dead
        /// connection, which is then replaced.
        pub fn command_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.$field.command_timeout = timeout;
            self
        }

        /// How often the connection is checked with a `PING` (default
        /// [`DEFAULT_HEALTH_CHECK_INTERVAL`](crate::DEFAULT_HEALTH_CHECK_INTERVAL),
        /// 5 s). A dead path is detected within this interval plus the
        /// command timeout; the connection is then replaced and every
        /// subscription renewed and confirmed.
        pub fn health_check_interval(mut self, interval: std::time::Duration) -> Self {
            self.$field.health_check_interval = interval;
            self
        }

        /// Uses namespaced channels (see [`Channels::namespaced`](crate::Channels::namespaced))
        /// to isolate independent runs on one server. The Python package only
        /// speaks the default, un-namespaced channels.
        pub fn namespace(mut self, namespace: &str) -> Self {
            self.$field.channels = $crate::Channels::namespaced(namespace);
            self
        }

        /// Skips (with a warning) every received payload larger than this many
        /// bytes (default 4 MiB).
        pub fn max_payload(mut self, bytes: usize) -> Self {
            self.$field.max_payload = bytes;
            self
        }
    };
}
pub(crate) use connect_setters;

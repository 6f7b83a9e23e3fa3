//! The error type of this crate.

use std::time::Duration;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The cause of a connection or command failure: what the Redis client
/// reported, boxed so that the client library's types stay out of this
/// crate's API. Classify it with [`Error::is_timeout`],
/// [`Error::is_connection_refused`], [`Error::is_auth_failed`] and
/// [`Error::is_permission_denied`]; print it with `Display`.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in a call the caller must handle.
///
/// The enum and each of its variants are `#[non_exhaustive]`: match a
/// variant with `..` (`Error::IllegalEvent { event, .. }`), or classify an
/// error with the `is_*` methods; new variants and fields can come in a
/// minor release.
///
/// Outcomes of a publish (a subscriber that failed or never answered) are not
/// errors: they are reported in a [`PublishReport`](crate::PublishReport).
/// Malformed payloads received from Redis are not errors either: they are
/// logged with `tracing` and skipped.
///
/// ```no_run
/// use std::time::Duration;
/// use state_signals::{ConnectOptions, Error, SignalExporter};
/// # async fn run() -> state_signals::Result<()> {
/// let options = ConnectOptions::url("redis://redis.lab:6379").connect_timeout(Duration::from_secs(5));
/// match SignalExporter::builder("fio-run").options(options).connect().await {
///     Ok(exporter) => { /* … */ }
///     Err(e) if e.is_auth_failed() => eprintln!("check the password in REDIS_URL: {e}"),
///     Err(e) if e.is_timeout() || e.is_connection_refused() => eprintln!("is Redis up? {e}"),
///     Err(Error::IllegalEvent { event, legal, .. }) => eprintln!("{event} is not one of {legal:?}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Redis target could not be understood (a malformed URL, say).
    #[non_exhaustive]
    #[error("invalid Redis target `{target}`: {source}")]
    InvalidTarget {
        /// The target, with any password replaced by `***`.
        target: String,
        /// Why it was refused.
        #[source]
        source: Cause,
    },

    /// No connection to Redis could be made within the connect timeout.
    #[non_exhaustive]
    #[error("cannot reach Redis at {target} (gave up after {waited:.1?}): {source}")]
    Connect {
        /// The target, with any password replaced by `***`.
        target: String,
        /// How long connecting was tried.
        waited: Duration,
        /// The last error seen while connecting (the server's last refusal
        /// when the connect timeout ran out).
        #[source]
        source: Cause,
    },

    /// Redis answered a command with an error, or the connection failed during it.
    #[non_exhaustive]
    #[error("Redis command `{command}` failed: {source}")]
    Redis {
        /// The command that failed (`PUBLISH`, `SUBSCRIBE`, …).
        command: &'static str,
        /// What the server or the connection reported.
        #[source]
        source: Cause,
    },

    /// Redis did not answer a command in time (the server is down or
    /// unreachable, or the path to it is dead). Whichever timer fired, a
    /// command that ran out of time is always this variant.
    #[non_exhaustive]
    #[error("Redis command `{command}` got no answer within {after:?}")]
    CommandTimeout {
        /// The command that timed out.
        command: &'static str,
        /// How long it was waited for.
        after: Duration,
    },

    /// `initialization` and `shutdown` are published only by
    /// [`initialize`](crate::SignalExporter::initialize) and
    /// [`shutdown`](crate::SignalExporter::shutdown).
    #[non_exhaustive]
    #[error("`{event}` is reserved for SignalExporter::{method}; use another event name")]
    ReservedEvent {
        /// The reserved event name.
        event: String,
        /// The exporter method that publishes it.
        method: &'static str,
    },

    /// The event is not one of the legal events given to `initialize`.
    #[non_exhaustive]
    #[error("`{event}` is not a legal event; legal events are {legal:?}")]
    IllegalEvent {
        /// The refused event name.
        event: String,
        /// The legal events of this exporter.
        legal: Vec<String>,
    },

    /// `initialize` was given no legal events.
    #[error("the list of legal events is empty; give at least one event name")]
    NoLegalEvents,

    /// Fewer subscribers than awaited arrived before the timeout.
    ///
    /// The exporter stays initialized: late subscribers are still accepted.
    #[non_exhaustive]
    #[error("waited {waited:.1?} for {expected} subscribers, {arrived} arrived")]
    SubscribersTimeout {
        /// How many subscribers were awaited.
        expected: usize,
        /// How many had subscribed when the timeout ran out.
        arrived: usize,
        /// How long it was waited.
        waited: Duration,
    },

    /// A payload could not be turned into JSON, or JSON into a payload.
    #[non_exhaustive]
    #[error("malformed {what}: {source}")]
    Malformed {
        /// What was being read or written (`signal`, `response`, `metadata` …).
        what: &'static str,
        /// What the JSON parser reported (print it with `Display`).
        #[source]
        source: Cause,
    },

    /// [`SignalResponder::serve`](crate::SignalResponder::serve) gave up:
    /// no signal from a served exporter arrived within its idle timeout.
    #[non_exhaustive]
    #[error("no signal from a served exporter for {idle:?}; gave up serving")]
    IdleTimeout {
        /// The idle timeout that ran out.
        idle: Duration,
    },

    /// Metadata must be a JSON object.
    #[non_exhaustive]
    #[error("metadata must be a JSON object, not {found}")]
    MetadataNotObject {
        /// The JSON type that was given instead (`array`, `string` …).
        found: &'static str,
    },

    /// TLS material that cannot work: CA or client certificates holding no
    /// certificate, a key that does not parse or does not match its
    /// certificate. Found before connecting.
    #[non_exhaustive]
    #[error("invalid TLS {material}: {reason}")]
    InvalidTls {
        /// `CA certificates`, `client certificate` or `client key`.
        material: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A signal or an answer larger than the payload cap: every peer would
    /// skip it, so it is not sent.
    #[non_exhaustive]
    #[error(
        "the payload is {size} bytes, over the {max}-byte cap every peer enforces \
         (ConnectOptions::max_payload); nothing was sent"
    )]
    PayloadTooLarge {
        /// The payload's size in bytes.
        size: usize,
        /// The cap in bytes.
        max: usize,
    },
}

impl Error {
    /// Whether a command or a connection attempt ran out of time
    /// ([`Error::CommandTimeout`], or a connect that hit its deadline).
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::CommandTimeout { .. } => true,
            Self::Connect { source, .. } => {
                redis_cause(source).is_some_and(redis::RedisError::is_timeout)
            }
            _ => false,
        }
    }

    /// Whether the server could not be reached at all (connection refused,
    /// no route, unknown host …).
    pub fn is_connection_refused(&self) -> bool {
        self.redis_cause()
            .is_some_and(|e| e.is_connection_refusal() || (e.is_io_error() && !e.is_timeout()))
    }

    /// Whether the server refused the credentials (a wrong password or
    /// user, or a password that is required and was not given).
    pub fn is_auth_failed(&self) -> bool {
        self.redis_cause().is_some_and(|e| {
            matches!(e.code(), Some("WRONGPASS" | "NOAUTH"))
                || e.kind() == redis::ErrorKind::AuthenticationFailed
        })
    }

    /// Whether a TLS handshake failed: a server certificate that is not
    /// trusted or does not name the host, a client certificate the server
    /// refused, or no common protocol — or a server that speaks the other
    /// protocol than the URL says (plain text behind `rediss://`, TLS behind
    /// `redis://`). Not retried: it fails at once.
    pub fn is_tls(&self) -> bool {
        match self {
            Self::Connect { source, .. } | Self::Redis { source, .. } => is_tls_failure(&**source),
            _ => false,
        }
    }

    /// Whether the server refused a command for lack of permission (an ACL
    /// `NOPERM` error): retrying cannot help until an administrator changes
    /// the user's rules.
    pub fn is_permission_denied(&self) -> bool {
        self.redis_cause()
            .is_some_and(|e| e.code() == Some("NOPERM"))
    }

    fn redis_cause(&self) -> Option<&redis::RedisError> {
        match self {
            Self::Redis { source, .. }
            | Self::Connect { source, .. }
            | Self::InvalidTarget { source, .. } => redis_cause(source),
            _ => None,
        }
    }

    pub(crate) fn redis(command: &'static str) -> impl FnOnce(redis::RedisError) -> Self {
        move |source| Self::Redis {
            command,
            source: Box::new(source),
        }
    }
}

/// Whether a rustls error is somewhere in the chain of `error`.
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<rustls::Error>().is_some() || e.downcast_ref::<TlsMismatch>().is_some()
        {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && is_tls_failure(inner)
        {
            return true;
        }
        // redis keeps its causes behind an `Arc`, which is the error seen here.
        if let Some(shared) =
            e.downcast_ref::<std::sync::Arc<dyn std::error::Error + Send + Sync>>()
            && is_tls_failure(&**shared)
        {
            return true;
        }
        current = e.source();
    }
    false
}

fn redis_cause(cause: &Cause) -> Option<&redis::RedisError> {
    cause.downcast_ref::<redis::RedisError>()
}

/// The server at a target speaks the other protocol than the URL says:
/// plain text behind `rediss://`, or TLS behind `redis://`.
#[derive(Debug)]
pub(crate) struct TlsMismatch(pub(crate) &'static str);

impl std::fmt::Display for TlsMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for TlsMismatch {}

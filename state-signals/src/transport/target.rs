//! Where to connect: a URL, a host and port, or a caller's `redis::Client`.

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion};

use crate::{Error, Result};

/// The Redis server to connect to.
#[derive(Clone)]
pub(crate) enum Target {
    /// `redis://[user:password@]host[:port][/db]` or `unix:///path`.
    Url(String),
    /// A host name or address and a port.
    HostPort(String, u16),
    /// A client the caller already has.
    Client(redis::Client),
}

impl Default for Target {
    fn default() -> Self {
        Self::HostPort("localhost".to_owned(), 6379)
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Target {
    /// The target for logs and errors: never a password.
    pub(crate) fn redacted(&self) -> String {
        match self {
            Self::Url(url) => redact_url(url),
            Self::HostPort(host, port) => format!("{host}:{port}"),
            Self::Client(client) => describe(client.get_connection_info()),
        }
    }

    /// A RESP3 client for this target (pushes need RESP3).
    pub(crate) fn resp3_client(&self) -> Result<redis::Client> {
        let invalid = |source: redis::RedisError| Error::InvalidTarget {
            target: self.redacted(),
            source: Box::new(source),
        };
        let info = match self {
            Self::Url(url) => url.as_str().into_connection_info().map_err(invalid)?,
            Self::HostPort(host, port) => (host.as_str(), *port)
                .into_connection_info()
                .map_err(invalid)?,
            Self::Client(client) => client.get_connection_info().clone(),
        };
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let info = info
            .set_redis_settings(settings)
            .set_tcp_settings(tcp_settings());
        redis::Client::open(info).map_err(invalid)
    }
}

/// TCP keepalive, so that the kernel too notices a peer that vanished (the
/// health check is what bounds detection; keepalive also keeps NAT and
/// load-balancer entries of an idle connection alive).
fn tcp_settings() -> redis::io::tcp::TcpSettings {
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(std::time::Duration::from_secs(5))
        .with_interval(std::time::Duration::from_secs(2))
        .with_retries(3);
    redis::io::tcp::TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(keepalive)
}

fn describe(info: &ConnectionInfo) -> String {
    let user = match (
        info.redis_settings().username(),
        info.redis_settings().password(),
    ) {
        (Some(user), Some(_)) => format!("{user}:***@"),
        (None, Some(_)) => ":***@".to_owned(),
        (Some(user), None) => format!("{user}@"),
        (None, None) => String::new(),
    };
    match info.addr() {
        ConnectionAddr::Unix(path) => format!("unix://{}", path.display()),
        addr @ ConnectionAddr::TcpTls { .. } => format!("rediss://{user}{addr}"),
        addr => format!("redis://{user}{addr}"),
    }
}

/// Replaces the password in a URL's user-info with `***`.
fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let user = match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        None => rest[..at].to_owned(),
    };
    format!("{}{user}{}", &url[..scheme_end + 3], &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("redis://alice:s3cret@db:6380/2"),
            "redis://alice:***@db:6380/2"
        );
        assert_eq!(redact_url("redis://:s3cret@db"), "redis://:***@db");
        assert_eq!(redact_url("redis://db:6379"), "redis://db:6379");
        assert_eq!(
            redact_url("unix:///run/redis.sock"),
            "unix:///run/redis.sock"
        );
        let client = redis::Client::open("redis://alice:s3cret@db:6380/").unwrap();
        let shown = Target::Client(client).redacted();
        assert_eq!(shown, "redis://alice:***@db:6380");
        let bad = Target::Url("redis://u:s3cret@[nope".into());
        let err = bad
            .resp3_client()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn every_target_becomes_resp3() {
        for target in [
            Target::Url("redis://127.0.0.1:1/3".into()),
            Target::HostPort("localhost".into(), 6379),
            Target::Url("unix:///tmp/redis.sock".into()),
            Target::Client(redis::Client::open("redis://127.0.0.1/").unwrap()),
        ] {
            let client = target.resp3_client().unwrap();
            assert_eq!(
                client.get_connection_info().redis_settings().protocol(),
                ProtocolVersion::RESP3
            );
        }
    }
}

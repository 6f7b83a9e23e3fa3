//! Where to connect: a URL, a host and port, or a caller's `redis::Client`.

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion};

use super::tls::Tls;
use crate::{Error, Result};

/// The Redis server to connect to.
#[derive(Clone)]
pub(crate) enum Target {
    /// `redis://[user:password@]host[:port][/db]` or `unix:///path`.
    Url(String),
    /// A host name or address and a port.
    HostPort(String, u16),
    /// A client the caller already has.
    #[cfg_attr(not(feature = "redis-client"), allow(dead_code))]
    Client(Box<redis::Client>),
    /// An in-memory bus, no server.
    Memory(super::MemoryBus),
    /// The seed nodes of a Redis Cluster (`redis://` or `rediss://` URLs).
    Cluster(Vec<String>),
    /// The master named `master` by these Sentinels (URLs), followed.
    Sentinel {
        sentinels: Vec<String>,
        master: String,
        /// For the master (the Sentinel URLs carry their own).
        credentials: Credentials,
    },
}

/// A user and password to log in with, apart from any URL.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
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
            Self::Memory(bus) => bus.name(),
            Self::Cluster(seeds) => format!("cluster {}", redact_all(seeds)),
            Self::Sentinel {
                sentinels,
                master,
                credentials,
            } => {
                let user = match (&credentials.username, &credentials.password) {
                    (Some(user), _) => format!("{user}@"),
                    (None, Some(_)) => "***@".to_owned(),
                    (None, None) => String::new(),
                };
                format!(
                    "master {user}{master} via sentinels {}",
                    redact_all(sentinels)
                )
            }
        }
    }

    /// The passwords this target holds, to keep out of any text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Self::Url(url) => url_secrets(url),
            Self::HostPort(..) | Self::Memory(_) => Vec::new(),
            Self::Cluster(urls) => urls.iter().flat_map(|s| url_secrets(s)).collect(),
            Self::Sentinel {
                sentinels,
                credentials,
                ..
            } => sentinels
                .iter()
                .flat_map(|s| url_secrets(s))
                .chain(credentials.password.clone())
                .collect(),
            Self::Client(client) => client
                .get_connection_info()
                .redis_settings()
                .password()
                .map(|p| vec![p.to_owned()])
                .unwrap_or_default(),
        }
    }

    /// The error for a target the `redis` crate refuses, scrubbed of its
    /// secrets, with a hint when a password needs percent-encoding.
    pub(crate) fn invalid(&self, source: &redis::RedisError) -> Error {
        let hint = match self {
            Self::Url(url) => password_hint(url),
            Self::Cluster(urls)
            | Self::Sentinel {
                sentinels: urls, ..
            } => urls.iter().find_map(|url| password_hint(url)),
            _ => None,
        };
        let mut text = scrub(source.to_string(), &self.secrets());
        text.push_str(hint.unwrap_or_default());
        Error::InvalidTarget {
            target: self.redacted(),
            source: Box::new(Scrubbed(text)),
        }
    }

    /// A RESP3 client for this target (pushes need RESP3), with `tls`
    /// applied to a `rediss://` target.
    pub(crate) fn resp3_client(&self, tls: &Tls) -> Result<redis::Client> {
        self.resp3_client_as(tls, &Credentials::default())
    }

    /// [`Target::resp3_client`], logging in with `credentials` where they
    /// are set (instead of the target's own).
    pub(crate) fn resp3_client_as(
        &self,
        tls: &Tls,
        credentials: &Credentials,
    ) -> Result<redis::Client> {
        let invalid = |source: redis::RedisError| self.invalid(&source);
        let info = match self {
            Self::Url(url) => url.as_str().into_connection_info().map_err(invalid)?,
            Self::HostPort(host, port) => (host.as_str(), *port)
                .into_connection_info()
                .map_err(invalid)?,
            Self::Client(client) => client.get_connection_info().clone(),
            Self::Memory(_) | Self::Cluster(_) | Self::Sentinel { .. } => {
                return Err(invalid(redis::RedisError::from((
                    redis::ErrorKind::InvalidClientConfig,
                    "no single-server client for this target",
                ))));
            }
        };
        let mut settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        if let Some(username) = &credentials.username {
            settings = settings.set_username(username);
        }
        if let Some(password) = &credentials.password {
            settings = settings.set_password(password);
        }
        let mut info = info
            .set_redis_settings(settings)
            .set_tcp_settings(tcp_settings());
        if !tls.is_set() {
            return redis::Client::open(info).map_err(invalid);
        }
        let ConnectionAddr::TcpTls { host, port, .. } = info.addr().clone() else {
            return Err(invalid(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "TLS options need a `rediss://` URL",
            ))));
        };
        if tls.insecure {
            info = info.set_addr(ConnectionAddr::TcpTls {
                host,
                port,
                insecure: true,
                tls_params: None,
            });
        }
        let Some(certificates) = tls.certificates() else {
            return redis::Client::open(info).map_err(invalid);
        };
        redis::Client::build_with_tls(info, certificates).map_err(invalid)
    }
}

/// TCP keepalive, so that the kernel too notices a peer that vanished (the
/// health check is what bounds detection; keepalive also keeps NAT and
/// load-balancer entries of an idle connection alive).
pub(super) fn tcp_settings() -> redis::io::tcp::TcpSettings {
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

/// Redacted URLs, comma-separated.
fn redact_all(urls: &[String]) -> String {
    urls.iter()
        .map(|s| redact_url(s))
        .collect::<Vec<_>>()
        .join(",")
}

/// The URL with the password of its user info replaced by `***`.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.into()
        }
        // Unparsable (a password with an unencoded `#`, `?`, `/` or `@`,
        // say): everything up to the last `@` but the user is hidden.
        Err(_) => match unparsed_user_info(url) {
            Some((scheme, info, rest)) => {
                let user = info.split_once(':').map_or(info, |(user, _)| user);
                let hidden = if info.contains(':') { ":***" } else { "" };
                format!("{scheme}{user}{hidden}{rest}")
            }
            None => url.to_owned(),
        },
    }
}

/// A URL cut at its user info, `(scheme://, user info, @rest)`, the user
/// info ending at the *last* `@`: how an unparsable URL is kept secret.
fn unparsed_user_info(url: &str) -> Option<(&str, &str, &str)> {
    let start = url.find("://")? + 3;
    let at = start + url[start..].rfind('@')?;
    Some((&url[..start], &url[start..at], &url[at..]))
}

/// The password of a URL's user info, as written and percent-decoded.
fn url_secrets(url: &str) -> Vec<String> {
    let written = match url::Url::parse(url) {
        Ok(parsed) => parsed.password().map(str::to_owned),
        Err(_) => unparsed_user_info(url)
            .and_then(|(_, info, _)| info.split_once(':'))
            .map(|(_, password)| password.to_owned()),
    };
    written
        .filter(|p| !p.is_empty())
        .map(|p| {
            let decoded = percent_encoding::percent_decode_str(&p)
                .decode_utf8_lossy()
                .into_owned();
            vec![p, decoded]
        })
        .unwrap_or_default()
}

/// What to add to an unparsable URL's error when its password holds a
/// character that ends the user info early.
fn password_hint(url: &str) -> Option<&'static str> {
    let (_, info, _) = unparsed_user_info(url)?;
    let (_, password) = info.split_once(':')?;
    password.contains(['#', '?', '/', '@']).then_some(
        "; the password holds `#`, `?`, `/` or `@`: percent-encode it (`%23`, `%3F`, `%2F`, `%40`)",
    )
}

/// An error whose text had every secret replaced by `***`.
#[derive(Debug)]
struct Scrubbed(String);

impl std::fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Scrubbed {}

/// The error as a cause; its text scrubbed of `secrets` if it holds one.
pub(super) fn scrubbed(error: &redis::RedisError, secrets: &[String]) -> crate::Cause {
    Box::new(Scrubbed(scrub(error.to_string(), secrets)))
}

/// `text` with every secret replaced by `***`.
fn scrub(mut text: String, secrets: &[String]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "***");
    }
    text
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
        let shown = Target::Client(Box::new(client)).redacted();
        assert_eq!(shown, "redis://alice:***@db:6380");
        let bad = Target::Url("redis://u:s3cret@[nope".into());
        let err = bad
            .resp3_client(&Tls::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.contains("s3cret"), "{err}");
        // Unencoded `#`, `?`, `/` and `@` in a password are hidden whole.
        for url in [
            "redis://u:p#a?s/s@w@db:6379/0",
            "redis://u:p%23a%3Fs%2Fs%40w@db:6379/0",
        ] {
            let shown = redact_url(url);
            assert_eq!(shown, "redis://u:***@db:6379/0");
        }
        assert_eq!(
            url_secrets("redis://u:p%23a@db"),
            ["p%23a".to_owned(), "p#a".to_owned()]
        );
    }

    #[test]
    fn an_unencoded_password_gets_a_hint_and_stays_secret() {
        for url in [
            "redis://u:pa#ss@db:6379",
            "redis://u:pa?ss@db:6379",
            "redis://u:pa/ss@db:6379",
        ] {
            let error = Target::Url(url.into())
                .resp3_client(&Tls::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.contains("percent-encode it"), "{url}: {error}");
            assert!(
                !error.contains("pa#ss") && !error.contains("ss@db"),
                "{error}"
            );
        }
        let fine = Target::Url("redis://u:pa%23ss@db:6379".into());
        assert!(fine.resp3_client(&Tls::default()).is_ok());
    }

    #[test]
    fn every_target_becomes_resp3() {
        for target in [
            Target::Url("redis://127.0.0.1:1/3".into()),
            Target::HostPort("localhost".into(), 6379),
            Target::Url("unix:///tmp/redis.sock".into()),
            Target::Client(Box::new(redis::Client::open("redis://127.0.0.1/").unwrap())),
        ] {
            let client = target.resp3_client(&Tls::default()).unwrap();
            assert_eq!(
                client.get_connection_info().redis_settings().protocol(),
                ProtocolVersion::RESP3
            );
        }
    }
}

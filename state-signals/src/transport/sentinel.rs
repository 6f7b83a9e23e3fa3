//! Sentinel targets, resolved by the `redis` crate's Sentinel client:
//! before every (re)connection it asks the Sentinels which server is the
//! master now and checks that server's role. A failover ends the
//! connection to the old master (it dies, or the Sentinels kill its
//! clients when they demote it), and the reconnection that follows
//! resolves the new one; subscriptions are then renewed and verified as
//! after any reconnection.
//!
//! The TLS options apply to both sides: to the Sentinels when their URLs
//! are `rediss://`, and to the master, which is reached over TLS when the
//! options are set or the Sentinels are.

use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{ConnectionAddr, IntoConnectionInfo, ProtocolVersion, RedisResult, TlsMode};

use super::target::{Credentials, tcp_settings};
use super::tls::Tls;

/// A client that resolves `master` through `sentinels` (URLs, which may
/// carry the Sentinels' user and password), logging in to the master with
/// `credentials`.
pub(super) fn client(
    sentinels: &[String],
    master: &str,
    credentials: &Credentials,
    tls: &Tls,
) -> RedisResult<SentinelClient> {
    let mut addresses = Vec::with_capacity(sentinels.len());
    let mut login = None;
    for sentinel in sentinels {
        let info = sentinel.as_str().into_connection_info()?;
        let settings = info.redis_settings();
        if login.is_none() && settings.password().is_some() {
            login = Some((
                settings.username().map(str::to_owned),
                settings.password().map(str::to_owned),
            ));
        }
        addresses.push(info.addr().clone());
    }
    let sentinels_tls = addresses
        .iter()
        .any(|a| matches!(a, ConnectionAddr::TcpTls { .. }));
    let mut builder = SentinelClientBuilder::new(addresses, master, SentinelServerType::Master)?
        .set_client_to_redis_protocol(ProtocolVersion::RESP3)
        .set_client_to_redis_tcp_settings(tcp_settings())
        .set_client_to_sentinel_tcp_settings(tcp_settings());
    if let Some((username, password)) = login {
        if let Some(username) = username {
            builder = builder.set_client_to_sentinel_username(username);
        }
        if let Some(password) = password {
            builder = builder.set_client_to_sentinel_password(password);
        }
    }
    if let Some(username) = &credentials.username {
        builder = builder.set_client_to_redis_username(username);
    }
    if let Some(password) = &credentials.password {
        builder = builder.set_client_to_redis_password(password);
    }
    let mode = if tls.insecure {
        TlsMode::Insecure
    } else {
        TlsMode::Secure
    };
    if sentinels_tls {
        builder = builder.set_client_to_sentinel_tls_mode(mode);
        if let Some(certificates) = tls.certificates() {
            builder = builder.set_client_to_sentinel_certificates(certificates);
        }
    }
    if sentinels_tls || tls.is_set() {
        builder = builder.set_client_to_redis_tls_mode(mode);
        if let Some(certificates) = tls.certificates() {
            builder = builder.set_client_to_redis_certificates(certificates);
        }
    }
    builder.build()
}

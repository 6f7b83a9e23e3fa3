//! Sentinel targets: before every (re)connection, ask the Sentinels which
//! server is the master now. A failover ends the connection to the old
//! master (it dies, or the Sentinels kill its clients when they demote it),
//! and the reconnection that follows resolves the new one; subscriptions
//! are then renewed and verified as after any reconnection.

use std::time::Duration;

use redis::RedisError;

/// The master's address as the first Sentinel that answers names it.
pub(super) async fn master_address(
    sentinels: &[String],
    master: &str,
    timeout: Duration,
) -> redis::RedisResult<(String, u16)> {
    let mut last = None;
    for sentinel in sentinels {
        match tokio::time::timeout(timeout, ask(sentinel, master)).await {
            Ok(Ok(address)) => return Ok(address),
            Ok(Err(error)) => last = Some(error.to_string()),
            Err(_) => last = Some(format!("{} did not answer in time", redact(sentinel))),
        }
    }
    Err(unreachable(format!(
        "no Sentinel named the master `{master}`: {}",
        last.unwrap_or_else(|| "no Sentinel given".to_owned())
    )))
}

async fn ask(sentinel: &str, master: &str) -> redis::RedisResult<(String, u16)> {
    let client = redis::Client::open(sentinel)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let reply: Option<(String, u16)> = redis::cmd("SENTINEL")
        .arg("GET-MASTER-ADDR-BY-NAME")
        .arg(master)
        .query_async(&mut conn)
        .await?;
    reply.ok_or_else(|| unreachable(format!("the Sentinel does not know a master `{master}`")))
}

/// The master's URL: `rediss://` when TLS options are set or the Sentinels
/// are themselves reached over TLS, `redis://` otherwise.
pub(super) fn master_url(
    sentinels: &[String],
    tls: &super::options::Tls,
    host: &str,
    port: u16,
) -> String {
    let tls = tls.is_set() || sentinels.iter().any(|s| s.starts_with("rediss://"));
    let scheme = if tls { "rediss" } else { "redis" };
    if host.contains(':') {
        format!("{scheme}://[{host}]:{port}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// Fails (transiently) unless the server is a master (`ROLE`).
pub(super) async fn check_master(
    conn: &mut redis::aio::MultiplexedConnection,
) -> redis::RedisResult<()> {
    let role: Vec<redis::Value> = redis::cmd("ROLE").query_async(conn).await?;
    let first = role
        .first()
        .and_then(|v| redis::from_redis_value_ref::<String>(v).ok());
    match first.as_deref() {
        Some("master") => Ok(()),
        other => Err(unreachable(format!(
            "the server the Sentinels named is a {}, not the master yet; retrying",
            other.unwrap_or("server of unknown role")
        ))),
    }
}

/// A failure to resolve the master: transient (the connection is retried).
pub(super) fn unreachable(message: String) -> RedisError {
    RedisError::from(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        message,
    ))
}

fn redact(url: &str) -> String {
    super::Target::Url(url.to_owned()).redacted()
}

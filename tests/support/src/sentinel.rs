//! A master, a replica and three Sentinels on free ports, torn down when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::proxy::Proxy;
use super::tls::Pki;
use super::{RedisServer, free_port, within};

/// The master name the Sentinels monitor.
pub const MASTER: &str = "mymaster";

pub struct SentinelSet {
    pub servers: Vec<RedisServer>,
    /// With [`Spec::proxied`]: the proxy in front of the master, the address
    /// the Sentinels monitor and name.
    pub proxy: Option<Proxy>,
    sentinels: Vec<(Child, u16)>,
    /// The Sentinels' TLS ports, with [`Spec::tls_sentinels`].
    sentinel_tls_ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

/// What to start besides the defaults.
#[derive(Default)]
pub struct Spec<'a> {
    /// With a PKI: the master and the replica serve (and replicate over)
    /// TLS on a port of their own, and the Sentinels monitor them over TLS,
    /// so the address they name is a TLS port. Clients ask the Sentinels on
    /// their plain ports.
    pub pki: Option<&'a Pki>,
    /// The master's and replica's `requirepass` (the Sentinels get it as
    /// `auth-pass`).
    pub password: Option<&'a str>,
    /// The Sentinels monitor the master through a [`Proxy`].
    pub proxied: bool,
    /// `down-after-milliseconds` (default 1000).
    pub down_after_ms: Option<u32>,
    /// With a PKI: the Sentinels serve TLS too, and [`SentinelSet::urls`]
    /// are `rediss://` URLs of their TLS ports.
    pub tls_sentinels: bool,
}

impl SentinelSet {
    /// Starts the master, its replica and three Sentinels (quorum 2, a
    /// master is down after 1 s), and waits until the Sentinels know the
    /// replica and each other.
    pub async fn start() -> Self {
        Self::start_spec(Spec::default()).await
    }

    pub async fn start_spec(spec: Spec<'_>) -> Self {
        let pki = spec.pki;
        let auth: Vec<String> = match spec.password {
            None => Vec::new(),
            Some(pw) => ["--requirepass", pw, "--masterauth", pw]
                .map(str::to_owned)
                .to_vec(),
        };
        let tls_args = |port: u16| -> Vec<String> {
            let Some(pki) = pki else { return Vec::new() };
            let mut args = pki.server_args(port, false);
            args.extend(["--tls-replication".to_owned(), "yes".to_owned()]);
            args
        };
        let master_tls = free_port();
        let mut args = tls_args(master_tls);
        args.extend(auth.iter().cloned());
        let master =
            RedisServer::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let master_port = if pki.is_some() {
            master_tls
        } else {
            master.port()
        };
        // Replicas replicate from the master itself; the Sentinels (and so
        // the clients) reach it through the proxy when there is one.
        let proxy = match spec.proxied {
            true => Some(Proxy::start(master_port).await),
            false => None,
        };
        let monitored = proxy.as_ref().map_or(master_port, Proxy::port);
        let master_port = master_port.to_string();
        let mut args = tls_args(free_port());
        args.extend(auth.iter().cloned());
        args.extend([
            "--replicaof".into(),
            "127.0.0.1".into(),
            master_port.clone(),
        ]);
        let replica =
            RedisServer::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        // Sentinels learn replicas from the master's INFO, which they ask
        // for at once and then every 10 s: start them once the replica is
        // linked, so that their first INFO lists it.
        wait_replica_linked(master.port(), spec.password).await;
        let tls_config = match pki {
            None => String::new(),
            Some(pki) => format!(
                "tls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\ntls-replication yes\ntls-auth-clients no\n",
                pki.path("server.crt").display(),
                pki.path("server.key").display(),
                pki.path("ca.crt").display()
            ),
        };
        let auth_pass = spec
            .password
            .map(|pw| format!("sentinel auth-pass {MASTER} {pw}\n"))
            .unwrap_or_default();
        let down_after = spec.down_after_ms.unwrap_or(1000);
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut sentinels = Vec::new();
        let mut sentinel_tls_ports = Vec::new();
        for n in 0..3 {
            let tls_port = match (spec.tls_sentinels, pki) {
                (true, Some(_)) => {
                    let port = free_port();
                    sentinel_tls_ports.push(port);
                    format!("tls-port {port}\n")
                }
                _ => String::new(),
            };
            let body = format!(
                "bind 127.0.0.1\ndir {}\n{tls_port}\
                 sentinel monitor {MASTER} 127.0.0.1 {monitored} 2\n\
                 sentinel down-after-milliseconds {MASTER} {down_after}\n\
                 sentinel failover-timeout {MASTER} 5000\n\
                 sentinel parallel-syncs {MASTER} 1\n{auth_pass}{tls_config}",
                dir.path().display()
            );
            let config = dir.path().join(format!("sentinel-{n}.conf"));
            sentinels.push(start_sentinel(&config, &body).await);
        }
        let set = Self {
            servers: vec![master, replica],
            proxy,
            sentinels,
            sentinel_tls_ports,
            _dir: dir,
        };
        set.wait_ready().await;
        set
    }

    /// The Sentinels' URLs: `rediss://` ones with [`Spec::tls_sentinels`].
    pub fn urls(&self) -> Vec<String> {
        if !self.sentinel_tls_ports.is_empty() {
            return self
                .sentinel_tls_ports
                .iter()
                .map(|port| format!("rediss://127.0.0.1:{port}"))
                .collect();
        }
        self.plain_urls()
    }

    /// The Sentinels' plain-text URLs, for the harness's own queries.
    fn plain_urls(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|(_, port)| format!("redis://127.0.0.1:{port}"))
            .collect()
    }

    /// Connect options that follow the master through the Sentinels.
    pub fn options(&self) -> state_signals::ConnectOptions {
        state_signals::ConnectOptions::sentinel(self.master())
    }

    /// The master the Sentinels name, without credentials.
    pub fn master(&self) -> state_signals::SentinelMaster {
        state_signals::SentinelMaster::new(self.urls(), MASTER)
    }

    async fn sentinel(&self, n: usize) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.plain_urls()[n].as_str()).expect("a url");
        within(async {
            loop {
                if let Ok(conn) = client.get_multiplexed_async_connection().await {
                    return conn;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
    }

    /// A field of `SENTINEL MASTER mymaster` on Sentinel `n`.
    async fn master_field(&self, n: usize, field: &str) -> Option<String> {
        let mut conn = self.sentinel(n).await;
        let fields: Vec<String> = redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(MASTER)
            .query_async(&mut conn)
            .await
            .ok()?;
        fields
            .chunks(2)
            .find(|kv| kv[0] == field)
            .map(|kv| kv[1].clone())
    }

    /// Every Sentinel knows the replica and the two other Sentinels.
    pub async fn wait_ready(&self) {
        for n in 0..self.sentinels.len() {
            // Sentinels greet each other every 2 s and re-read INFO every
            // 10 s: on a loaded machine this takes longer than the tests'
            // usual limit.
            tokio::time::timeout(Duration::from_secs(60), async {
                loop {
                    let replicas = self.master_field(n, "num-slaves").await;
                    let others = self.master_field(n, "num-other-sentinels").await;
                    if replicas.as_deref() == Some("1") && others.as_deref() == Some("2") {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "Sentinel {n} did not know the replica and two other Sentinels within 60 s \
                     (ports {:?})",
                    self.sentinels.iter().map(|(_, p)| *p).collect::<Vec<_>>()
                )
            });
        }
    }

    /// The port of the master the Sentinels name now.
    pub async fn master_port(&self) -> u16 {
        let mut conn = self.sentinel(0).await;
        let (_, port): (String, u16) = redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(MASTER)
            .query_async(&mut conn)
            .await
            .expect("the master's address");
        port
    }

    /// Waits until every Sentinel names a master other than `old_port`.
    pub async fn wait_master_moved_from(&self, old_port: u16) {
        for n in 0..self.sentinels.len() {
            let mut conn = self.sentinel(n).await;
            // A failover takes the down-after time plus an election: allow 30 s.
            tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    let reply: redis::RedisResult<(String, u16)> = redis::cmd("SENTINEL")
                        .arg("GET-MASTER-ADDR-BY-NAME")
                        .arg(MASTER)
                        .query_async(&mut conn)
                        .await;
                    if matches!(reply, Ok((_, port)) if port != old_port) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await
            .expect("the Sentinels promoted the replica within 30 s");
        }
    }

    /// `SENTINEL FAILOVER mymaster` (no process dies).
    pub async fn manual_failover(&self) {
        let mut conn = self.sentinel(0).await;
        let _: () = redis::cmd("SENTINEL")
            .arg("FAILOVER")
            .arg(MASTER)
            .query_async(&mut conn)
            .await
            .expect("SENTINEL FAILOVER");
    }
}

/// Starts a Sentinel with `body` as its configuration on a free port, and
/// checks that the process answering on that port is this one (another
/// test's server may have taken the port first; then another is tried).
async fn start_sentinel(config: &std::path::Path, body: &str) -> (Child, u16) {
    let config = config.to_owned();
    let body = body.to_owned();
    tokio::task::spawn_blocking(move || {
        for _ in 0..5 {
            let port = free_port();
            std::fs::write(&config, format!("port {port}\n{body}")).expect("write sentinel.conf");
            let mut child = Command::new("redis-server")
                .arg(&config)
                .arg("--sentinel")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot run `redis-server --sentinel` ({e}): install redis-server")
                });
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: the port was taken
                }
                match super::server_pid(port, None) {
                    Some(pid) if pid == child.id() => return (child, port),
                    Some(_) => break,
                    None => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("could not start a Sentinel on a free port after 5 attempts")
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Waits until the master on `port` reports its replica's link up.
async fn wait_replica_linked(port: u16, password: Option<&str>) {
    use redis::IntoConnectionInfo;
    let mut info = ("127.0.0.1", port)
        .into_connection_info()
        .expect("an address");
    if let Some(password) = password {
        let settings = info.redis_settings().clone().set_password(password);
        info = info.set_redis_settings(settings);
    }
    let client = redis::Client::open(info).expect("a client");
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                let info: String = redis::cmd("INFO")
                    .arg("replication")
                    .query_async(&mut conn)
                    .await
                    .unwrap_or_default();
                if info.contains("connected_slaves:1") && info.contains("state=online") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the replica linked to the master within 60 s");
}

impl Drop for SentinelSet {
    fn drop(&mut self) {
        for (child, _) in &mut self.sentinels {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

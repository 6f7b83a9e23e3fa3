//! A local 3-master Redis Cluster on free ports, torn down when dropped.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::proxy::Proxy;
use super::tls::Pki;
use super::{RedisServer, free_port};

static CLUSTERS: AtomicU64 = AtomicU64::new(0);

/// Three cluster-enabled `redis-server`s joined with `redis-cli --cluster
/// create`, every node reporting `cluster_state:ok`.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    /// With [`RedisCluster::start_behind_proxies`]: node `n`'s proxy, the
    /// address the node announces to clients.
    pub proxies: Vec<Proxy>,
    /// With [`RedisCluster::start_tls`]: node `n`'s TLS port.
    pub tls_ports: Vec<u16>,
}

impl RedisCluster {
    pub async fn start() -> Self {
        Self::start_with(false, None).await
    }

    /// Each node behind a [`Proxy`] and announcing the proxy's port, so
    /// that cluster clients reach every node through its proxy (the nodes
    /// talk to each other on their bus ports, directly).
    pub async fn start_behind_proxies() -> Self {
        Self::start_with(true, None).await
    }

    /// Every node also serves TLS (certificates of `pki`, client
    /// certificates required) on a port of its own, and the nodes talk TLS
    /// to each other; clients that connect over TLS are told the TLS ports.
    pub async fn start_tls(pki: &Pki) -> Self {
        Self::start_with(false, Some(pki)).await
    }

    async fn start_with(proxied: bool, pki: Option<&Pki>) -> Self {
        let id = format!(
            "{}-{}",
            std::process::id(),
            CLUSTERS.fetch_add(1, Ordering::Relaxed)
        );
        let mut nodes = Vec::new();
        let mut tls_ports = Vec::new();
        for n in 0..3 {
            let config = format!("state-signals-test-nodes-{id}-{n}.conf");
            let bus_port = free_port().to_string();
            let mut args: Vec<String> = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &config,
                "--cluster-port",
                &bus_port,
                "--cluster-node-timeout",
                "2000",
            ]
            .map(str::to_owned)
            .to_vec();
            if let Some(pki) = pki {
                let tls_port = free_port();
                tls_ports.push(tls_port);
                args.extend(pki.server_args(tls_port, true));
                args.extend(["--tls-cluster".to_owned(), "yes".to_owned()]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            nodes.push(RedisServer::start_with(&args).await);
        }
        let mut proxies = Vec::new();
        if proxied {
            for node in &nodes {
                let proxy = Proxy::start(node.port()).await;
                let mut conn = node.connection().await;
                let _: () = redis::cmd("CONFIG")
                    .arg("SET")
                    .arg("cluster-announce-port")
                    .arg(proxy.port())
                    .query_async(&mut conn)
                    .await
                    .expect("CONFIG SET cluster-announce-port");
                proxies.push(proxy);
            }
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let created = tokio::task::spawn_blocking(move || {
            Command::new("redis-cli")
                .args(["--cluster", "create"])
                .args(&addresses)
                .args(["--cluster-replicas", "0", "--cluster-yes"])
                .output()
        })
        .await
        .expect("spawn_blocking")
        .unwrap_or_else(|e| {
            panic!("cannot run `redis-cli` ({e}): install it with redis-server (Debian: `apt-get install redis-server`)")
        });
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = Self {
            nodes,
            proxies,
            tls_ports,
        };
        cluster.wait_ok().await;
        cluster
    }

    /// Waits until every node says `cluster_state:ok` and knows all slots.
    pub async fn wait_ok(&self) {
        for node in &self.nodes {
            let mut conn = node.connection().await;
            // Joining takes a few gossip rounds; slower on a loaded machine.
            tokio::time::timeout(Duration::from_secs(60), async {
                loop {
                    let info: String = redis::cmd("CLUSTER")
                        .arg("INFO")
                        .query_async(&mut conn)
                        .await
                        .unwrap_or_default();
                    if info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
            .await
            .expect("the cluster reached cluster_state:ok within 60 s");
        }
    }

    /// The URL of node `n`.
    pub fn url(&self, n: usize) -> String {
        self.nodes[n].url()
    }

    /// `rediss://` to node `n`'s TLS port.
    pub fn tls_url(&self, n: usize) -> String {
        format!("rediss://127.0.0.1:{}", self.tls_ports[n])
    }

    /// The URL of node `n`'s proxy.
    pub fn proxy_url(&self, n: usize) -> String {
        self.proxies[n].url()
    }

    /// Connect options through node `n` as the only seed.
    pub fn options(&self, n: usize) -> state_signals::ConnectOptions {
        state_signals::ConnectOptions::cluster([self.url(n)])
    }
}

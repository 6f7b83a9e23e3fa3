//! A local 3-master Redis Cluster on free ports, torn down when dropped.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{free_port, RedisServer};

static CLUSTERS: AtomicU64 = AtomicU64::new(0);

/// Three cluster-enabled `redis-server`s joined with `redis-cli --cluster
/// create`, every node reporting `cluster_state:ok`.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub async fn start() -> Self {
        let id = format!(
            "{}-{}",
            std::process::id(),
            CLUSTERS.fetch_add(1, Ordering::Relaxed)
        );
        let mut nodes = Vec::new();
        for n in 0..3 {
            let config = format!("state-signals-test-nodes-{id}-{n}.conf");
            let bus_port = free_port().to_string();
            let node = RedisServer::start_with(&[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &config,
                "--cluster-port",
                &bus_port,
                "--cluster-node-timeout",
                "2000",
            ])
            .await;
            nodes.push(node);
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
        let cluster = Self { nodes };
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

    /// Connect options through node `n` as the only seed.
    pub fn options(&self, n: usize) -> state_signals::ConnectOptions {
        state_signals::ConnectOptions::cluster([self.url(n)])
    }
}

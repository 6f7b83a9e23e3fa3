//! The command line against a Redis Cluster (`--redis-cluster`): `respond`,
//! `listen` and `run` attached through different seed nodes.

use crate::support as cli_support;

use std::time::Duration;

use cli_support::common::cluster::RedisCluster;
use cli_support::common::within;
use cli_support::{cli_at, wait};
use tokio::process::Command;

fn cli(seed: &str, args: &[&str]) -> Command {
    cli_at(&["--redis-cluster", seed], args)
}

/// Subscribers of `channel` over every node.
async fn subscribers(cluster: &RedisCluster, channel: &str) -> usize {
    let mut total = 0;
    for node in &cluster.nodes {
        total += node.numsub(channel).await;
    }
    total
}

#[tokio::test]
async fn run_respond_and_listen_on_a_cluster() {
    let cluster = RedisCluster::start().await;
    let responder = cli(&cluster.url(1), &["respond", "--id", "c1"])
        .spawn()
        .expect("spawn respond");
    let listener = cli(&cluster.url(2), &["listen", "--count", "3"])
        .spawn()
        .expect("spawn listen");
    within(async {
        while subscribers(&cluster, "event-signal-pubsub").await < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let run = within(
        cli(
            &cluster.url(0),
            &["run", "--process", "bench", "--await", "1", "start"],
        )
        .output(),
    )
    .await
    .expect("run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{run:?}");
    let report: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .find(|l| l.starts_with('{'))
            .expect("a report line"),
    )
    .unwrap();
    assert_eq!(report["code"], 0, "{stdout}");
    assert!(report["responses"].get("c1").is_some(), "{stdout}");
    let responded = wait(responder).await;
    assert_eq!(
        responded.code(),
        0,
        "respond exits after the shutdown: {responded:?}"
    );
    let listened = wait(listener).await;
    let events: Vec<&str> = listened
        .lines
        .iter()
        .filter_map(|l| l["signal"]["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["initialization", "start", "shutdown"],
        "{listened:?}"
    );
}

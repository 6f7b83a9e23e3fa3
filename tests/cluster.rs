//! A Redis Cluster target: a local 3-master cluster per test. Classic
//! pub/sub crosses nodes; Python clients attached to one node interoperate;
//! a count of 0 never fails a publish fast; a node restart is survived.

mod common;

use std::time::Duration;

use common::cluster::RedisCluster;
use common::{spawn_answering, within, Python};
use serde_json::json;
use state_signals::{Channels, Reply, ResultCode, SignalExporter, SignalResponder};

fn ok(event: &str) -> Option<Reply> {
    Some(Reply::success().with_message(format!("did {event}")))
}

/// An exporter through `options`.
async fn exporter(options: state_signals::ConnectOptions) -> SignalExporter {
    within(
        SignalExporter::builder("cluster-run")
            .options(options)
            .connect(),
    )
    .await
    .unwrap()
}

async fn responder(cluster: &RedisCluster, seed: usize, id: &str) {
    let responder = within(
        SignalResponder::builder()
            .options(cluster.options(seed))
            .responder_id(id)
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, ok);
}

#[tokio::test]
async fn exporter_and_responders_through_different_seeds() {
    let cluster = RedisCluster::start().await;
    responder(&cluster, 1, "r1").await;
    responder(&cluster, 2, "r2").await;
    let exporter = exporter(cluster.options(0)).await;
    within(exporter.initialize_and_wait(2, ["start"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert_eq!(report.answers.len(), 2);
    within(exporter.shutdown()).await.unwrap();
}

/// The node whose slot holds the signal channel (where a cluster client's
/// `SUBSCRIBE` to it lives), and another one.
async fn signal_node_and_another(cluster: &RedisCluster) -> (usize, usize) {
    let mut conn = cluster.nodes[0].connection().await;
    let slot: i64 = redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(Channels::default().signals())
        .query_async(&mut conn)
        .await
        .unwrap();
    let slots: Vec<(i64, i64, (String, i64))> = redis::cmd("CLUSTER")
        .arg("SLOTS")
        .query_async::<Vec<redis::Value>>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|range| {
            let redis::Value::Array(items) = range else {
                panic!("a slot range")
            };
            let from: i64 = redis::from_redis_value_ref(&items[0]).unwrap();
            let to: i64 = redis::from_redis_value_ref(&items[1]).unwrap();
            let redis::Value::Array(node) = &items[2] else {
                panic!("a node")
            };
            let host: String = redis::from_redis_value_ref(&node[0]).unwrap();
            let port: i64 = redis::from_redis_value_ref(&node[1]).unwrap();
            (from, to, (host, port))
        })
        .collect();
    let port = slots
        .iter()
        .find(|(from, to, _)| (*from..=*to).contains(&slot))
        .map(|(_, _, (_, port))| *port as u16)
        .expect("a node owns the slot");
    let owner = cluster
        .nodes
        .iter()
        .position(|n| n.port() == port)
        .expect("one of ours");
    (owner, (owner + 1) % 3)
}

#[tokio::test]
async fn a_python_responder_on_one_node_answers_a_rust_exporter_on_the_cluster() {
    let cluster = RedisCluster::start().await;
    let (owner, other) = signal_node_and_another(&cluster).await;
    // The Python responder listens on a node that does not handle the
    // exporter's PUBLISH: that node's count is 0, the message still arrives
    // over the cluster bus, and the publish must not fail fast.
    let mut py = Python::spawn(
        "responder.py",
        &json!({"port": cluster.nodes[other].port(), "name": "py"}),
    );
    py.next().await.expect("ready");
    cluster.nodes[other]
        .wait_numsub(Channels::default().signals(), 1)
        .await;
    let exporter = exporter(cluster.options(owner)).await;
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert_eq!(
        report.receivers, 0,
        "PUBLISH counted only the handling node's receivers: nobody there"
    );
    within(exporter.shutdown()).await.unwrap();
    let lines = py.rest().await;
    assert_eq!(lines[1]["signal"]["event"], "start");
}

#[tokio::test]
async fn a_rust_responder_on_the_cluster_answers_a_python_exporter_on_one_node() {
    let cluster = RedisCluster::start().await;
    let (_, other) = signal_node_and_another(&cluster).await;
    responder(&cluster, 0, "rust").await;
    let config = json!({
        "port": cluster.nodes[other].port(), "process": "py-bench", "await": 1,
        "legal": ["start"], "steps": [{"event": "start"}],
    });
    let out = Python::spawn("exporter.py", &config).rest().await;
    assert_eq!(out[1]["code"], 0, "{out:?}");
    assert_eq!(out[1]["msgs"]["rust"], "did start", "{out:?}");
}

#[tokio::test]
async fn the_node_holding_a_subscription_restarts_mid_session() {
    let mut cluster = RedisCluster::start().await;
    let (owner, other) = signal_node_and_another(&cluster).await;
    responder(&cluster, other, "r1").await;
    let exporter = exporter(
        cluster
            .options(other)
            .command_timeout(Duration::from_secs(1)),
    )
    .await;
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    cluster.nodes[owner].stop();
    // The signal reaches nobody (the responder's node is down): the publish
    // names the missing responder instead of hanging or succeeding.
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(500)),
    )
    .await;
    match report {
        Ok(report) => {
            assert_eq!(report.code, ResultCode::SomeMissing, "{report:?}");
            assert!(report.missing.contains("r1"));
        }
        // The exporter's own connection may be the one that was cut.
        Err(error) => assert!(
            error.is_timeout() || error.to_string().contains("Redis"),
            "{error}"
        ),
    }
    cluster.nodes[owner].restart().await;
    cluster.wait_ok().await;
    // The responder's subscription comes back on the restarted node.
    cluster.nodes[owner]
        .wait_numsub(Channels::default().signals(), 1)
        .await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}

//! A Redis Cluster target: a local 3-master cluster per test. Classic
//! pub/sub crosses nodes; Python clients attached to one node interoperate;
//! a count of 0 never fails a publish fast; a node restart is survived.

use state_signals_test_support as common;

use std::time::Duration;

use common::cluster::RedisCluster;
use common::{PARTICIPANT, Python, next_event, short_liveness, spawn_answering, within};
use serde_json::json;
use state_signals::{
    Channels, ConnectOptions, ExporterEvent, Reply, ResponderHandle, ResultCode, SignalExporter,
    SignalResponder,
};

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
    responder_through(cluster.options(seed), id).await;
}

/// A responder `id` answering every signal, through `options`.
async fn responder_through(options: ConnectOptions, id: &str) -> ResponderHandle {
    let responder = within(
        SignalResponder::builder()
            .options(options)
            .responder_id(id)
            .connect(),
    )
    .await
    .unwrap();
    let handle = responder.handle().clone();
    spawn_answering(responder, ok);
    handle
}

/// A responder "r" through `responder`, and an exporter through
/// `exporter` that waited for it to subscribe (legal event: `event`).
async fn session(
    responder: ConnectOptions,
    exporter_options: ConnectOptions,
    event: &str,
) -> (SignalExporter, ResponderHandle) {
    let handle = responder_through(responder, "r").await;
    let exporter = exporter(exporter_options).await;
    within(exporter.initialize_and_wait(1, [event]))
        .await
        .unwrap();
    (exporter, handle)
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
    // Behind proxies, the nodes announce their proxies' ports.
    let owner = (0..cluster.nodes.len())
        .find(|&n| {
            cluster.nodes[n].port() == port
                || cluster.proxies.get(n).map(|p| p.port()) == Some(port)
        })
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

/// Through node `n`'s proxy, with the tests' short liveness bound.
fn behind(cluster: &RedisCluster, n: usize) -> ConnectOptions {
    short_liveness(ConnectOptions::cluster([cluster.proxy_url(n)]))
}

#[tokio::test]
async fn a_half_open_path_to_a_node_is_detected_and_everyone_is_back() {
    let cluster = RedisCluster::start_behind_proxies().await;
    let (owner, other) = signal_node_and_another(&cluster).await;
    let (exporter, handle) =
        session(behind(&cluster, other), behind(&cluster, other), "tick").await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");

    // The path to the node holding the responder's subscription goes
    // half-open: the node sees its clients go, the clients see nothing.
    let mut events = exporter.events();
    cluster.proxies[owner].blackhole();
    let channels = Channels::default();
    let signals = channels.signals();
    cluster.nodes[owner]
        .wait_numsub_until(signals, |n| n == 0)
        .await;
    // The health checks find the dead path; new connections subscribe again.
    next_event(&mut events, |e| matches!(e, ExporterEvent::ConnectionLost)).await;
    next_event(&mut events, |e| matches!(e, ExporterEvent::Subscribed)).await;
    cluster.nodes[owner].wait_numsub(signals, 1).await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(
        handle.is_subscribed(),
        "it answered, so it is subscribed again"
    );
}

#[tokio::test]
async fn a_subscription_the_node_dropped_is_renewed_once_allowed_again() {
    let cluster = RedisCluster::start().await;
    let (owner, other) = signal_node_and_another(&cluster).await;
    // The README's rules for a cluster.
    let both: Vec<&str> = ["on", ">pw"]
        .iter()
        .chain(PARTICIPANT)
        .chain(&["+cluster|slots", "+client|info"])
        .copied()
        .collect();
    // ACLs are per node in a cluster.
    for node in &cluster.nodes {
        node.acl_setuser("u", &both).await;
    }
    let url = format!("redis://u:pw@127.0.0.1:{}", cluster.nodes[other].port());
    let responder = short_liveness(ConnectOptions::cluster([url]));
    let (exporter, handle) = session(responder, cluster.options(other), "tick").await;

    // Revoking the signal channel on its node kills the subscribed
    // connection; the resubscription is refused until it is allowed again.
    let channels = Channels::default();
    let signals = channels.signals();
    cluster.nodes[owner]
        .acl_setuser("u", &["resetchannels", "&event-signal-response"])
        .await;
    cluster.nodes[owner]
        .wait_numsub_until(signals, |n| n == 0)
        .await;
    cluster.nodes[owner].acl_setuser("u", &both).await;
    cluster.nodes[owner].wait_numsub(signals, 1).await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(
        handle.is_subscribed(),
        "it answered, so it is subscribed again"
    );
}

#[tokio::test]
async fn rediss_seeds_with_the_tls_options_applied_to_every_node() {
    let pki = common::tls::Pki::new();
    let cluster = RedisCluster::start_tls(&pki).await;
    let tls = |seed: usize| {
        ConnectOptions::cluster([cluster.tls_url(seed)])
            .tls_ca_pem(pki.ca_pem.as_bytes())
            .tls_client_pem(
                pki.client_cert_pem.as_bytes(),
                pki.client_key_pem.as_bytes(),
            )
    };
    // Without the client certificate the nodes refuse the handshake: a TLS
    // error at once, not a retry until the connect timeout.
    let refused = within(
        SignalResponder::builder()
            .options(
                ConnectOptions::cluster([cluster.tls_url(1)])
                    .tls_ca_pem(pki.ca_pem.as_bytes())
                    .connect_timeout(Duration::from_secs(3)),
            )
            .connect(),
    )
    .await
    .unwrap_err();
    assert!(refused.is_tls(), "{refused}");

    let (exporter, _) = session(tls(1), tls(2), "start").await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}

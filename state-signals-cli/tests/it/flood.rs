//! A responder flooded while its handler is blocked keeps its memory bounded,
//! stays alive, counts what it dropped and still honours its exporter's
//! `shutdown`. Measured on a child process (`respond`), whose peak RSS
//! (`VmHWM`) is read from `/proc`.

use crate::support as cli_support;

use std::future::IntoFuture;
use std::time::Duration;

use cli_support::common::{RedisServer, within};
use cli_support::{responders, wait};
use serde_json::json;
use state_signals::ResultCode;

/// Signals published at the blocked responder.
const FLOOD: usize = 100_000;
/// A bound on each step, so that a hang fails the test instead of the CI run.
const SCENARIO_LIMIT: Duration = Duration::from_secs(600);
/// The peak resident set the responder may reach.
const PEAK_LIMIT_KIB: u64 = 32 * 1024;

/// The peak resident set size of `pid`, in KiB.
fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/status: {e}"));
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB")
}

/// A 1 KiB signal from `publisher_id` of `process` with `tag`.
fn signal(publisher_id: &str, process: &str, tag: &str, i: usize) -> String {
    json!({
        "publisher_id": publisher_id,
        "process_name": process,
        "event": "flood",
        "runner_host": "h",
        "sample_no": i,
        "tag": tag,
        "metadata": {"pad": "x".repeat(880)},
    })
    .to_string()
}

/// Publishes `FLOOD` signals, in pipelines, cycling through: a foreign
/// exporter, the own exporter with another tag, the own exporter.
async fn flood(server: &RedisServer, own: &str, tag: &str) {
    let mut conn = server.connection().await;
    let kinds = [
        signal("foreign-1", "other", tag, 0),
        signal(own, "own", "other-tag", 0),
        signal(own, "own", tag, 0),
    ];
    let len = kinds[0].len();
    assert!((1000..1200).contains(&len), "signals of about 1 KiB: {len}");
    for batch in 0..FLOOD / 1000 {
        let mut pipe = redis::pipe();
        for i in 0..1000 {
            pipe.cmd("PUBLISH")
                .arg("event-signal-pubsub")
                .arg(&kinds[(batch * 1000 + i) % 3])
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await.expect("PUBLISH");
    }
}

/// `respond EXTRA…` blocked in its first handler, flooded, released.
async fn flooded_responder_stays_bounded(extra: &[&str], tag: &str) {
    // No output-buffer limit: the server never disconnects the slow
    // responder, so it is the responder that must bound its memory.
    let server = RedisServer::start_with(&["--client-output-buffer-limit", "pubsub 0 0 0"]).await;
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    let exec = format!(
        "while [ ! -e '{}' ]; do sleep 0.02; done",
        release.display()
    );
    let mut args = vec![
        "--id",
        "flooded",
        "--process",
        "own",
        "--events",
        "tick",
        "--exec",
        &exec,
    ];
    args.extend_from_slice(extra);
    let mut children = responders(&server, &[&args]).await;
    let child = children.remove(0);
    let pid = child.id().expect("a running child");

    // Generous timeouts: this test is about the responder's memory, and on
    // a loaded machine a 5 s health check of an idle exporter can time out
    // while Redis pushes the flood, which would cost it an answer.
    let options = server
        .options()
        .command_timeout(Duration::from_secs(60))
        .health_check_interval(Duration::from_secs(60));
    let exporter = within(server.exporter("own").options(options).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]).tag(tag))
        .await
        .unwrap();
    let own = exporter.publisher_id().to_owned();

    // The first `tick` blocks the handler until `release` exists. Its
    // answer comes after the responder drained what Redis queued before it,
    // which takes long on a loaded machine: it is not waited for without
    // bound, nor required (pub/sub delivers at most once).
    let blocked = exporter
        .publish_signal("tick")
        .tag(tag)
        .timeout(Duration::from_secs(120));
    let flooding = async {
        flood(&server, &own, tag).await;
        std::fs::write(&release, "").unwrap();
    };
    let (first, ()) = tokio::time::timeout(SCENARIO_LIMIT, async {
        tokio::join!(blocked.into_future(), flooding)
    })
    .await
    .expect("the flood was published in time");
    first.unwrap();

    // A tick answered after the flood proves the flood was read (the
    // responder answers in order); publish until one is answered.
    let answered = tokio::time::timeout(SCENARIO_LIMIT, async {
        loop {
            let report = exporter
                .publish_signal("tick")
                .tag(tag)
                .timeout(Duration::from_secs(30))
                .await
                .unwrap();
            if report.code == ResultCode::AllSucceeded {
                return;
            }
        }
    })
    .await;
    if answered.is_err() {
        let mut child = child;
        let _ = child.start_kill();
        let out = wait(child).await;
        panic!(
            "the responder answered no tick after the flood; stderr: {}",
            out.stderr
        );
    }

    let peak = vm_hwm_kib(pid);
    eprintln!("peak RSS of the flooded responder ({extra:?}): {peak} KiB");
    // Tagged, or a `--lock-tag` responder would not see it.
    within(exporter.shutdown().tag(tag)).await.unwrap();
    let out = wait(child).await;
    assert_eq!(
        out.code(),
        0,
        "respond honours its exporter's shutdown after the flood: {out:?}"
    );
    assert!(
        peak < PEAK_LIMIT_KIB,
        "peak RSS of the flooded responder: {peak} KiB (limit {PEAK_LIMIT_KIB} KiB)"
    );
    let dropped = out
        .stderr
        .lines()
        .find_map(|l| {
            let (_, rest) = l.split_once("signals_dropped=")?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .unwrap_or_else(|| panic!("no drop count in stderr: {}", out.stderr));
    assert!(dropped > 0, "signals were dropped: {}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flooded_responder_keeps_its_memory_bounded() {
    flooded_responder_stays_bounded(&[], "No tag specified").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flooded_responder_with_a_tag_lock_keeps_its_memory_bounded() {
    flooded_responder_stays_bounded(&["--lock-tag", "only-this"], "only-this").await;
}

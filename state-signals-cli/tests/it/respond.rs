//! `state-signals respond`: the environment of `--exec`, timeouts, the
//! `--events` filter, and exiting after shutdown.

use crate::support as cli_support;

use std::time::{Duration, Instant};

use cli_support::common::{RedisServer, within};
use cli_support::{group_gone, responders, started_group, wait};
use serde_json::json;
use state_signals::{PublishReport, ResultCode};
use tokio::process::Child;

#[tokio::test]
async fn exec_gets_the_signal_in_its_environment_and_respond_exits_after_shutdown() {
    let server = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("env.json");
    let script = format!(
        r#"printf '{{"event":"%s","tag":"%s","sample":"%s","pid":"%s","process":"%s","host":"%s","metadata":%s,"file":%s}}' \
           "$SIGNAL_EVENT" "$SIGNAL_TAG" "$SIGNAL_SAMPLE_NO" "$SIGNAL_PUBLISHER_ID" "$SIGNAL_PROCESS_NAME" \
           "$SIGNAL_RUNNER_HOST" "$SIGNAL_METADATA" "$(cat "$SIGNAL_METADATA_FILE")" > {}"#,
        env_file.display()
    );
    let mut r = responders(&server, &[&["--id", "env", "--exec", &script]]).await;
    let exporter = within(server.exporter("bench").runner_host("node-3").connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["go"]))
        .await
        .unwrap();
    let report = within(
        exporter
            .publish_signal("go")
            .sample(0)
            .tag("t1")
            .metadata_value(json!({"k": [1, 2], "s": "x"})),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    let env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&env_file).unwrap()).unwrap();
    assert_eq!(env["event"], "go");
    assert_eq!(env["tag"], "t1");
    assert_eq!(env["sample"], "0");
    assert_eq!(env["pid"], exporter.publisher_id());
    assert_eq!(env["process"], "bench");
    assert_eq!(env["host"], "node-3");
    assert_eq!(env["metadata"], json!({"k": [1, 2], "s": "x"}));
    assert_eq!(env["file"], env["metadata"]);

    // Large metadata only goes to the file.
    let big = "x".repeat(200_000);
    let check =
        "test -z \"$SIGNAL_METADATA\" && test $(wc -c < \"$SIGNAL_METADATA_FILE\") -gt 200000";
    let mut r2 = responders(&server, &[&["--id", "big", "--exec", check]]).await;
    within(exporter.initialize_and_wait(2, ["go"]))
        .await
        .unwrap();
    let report = within(
        exporter
            .publish_signal("go")
            .metadata_value(json!({ "big": big })),
    )
    .await
    .unwrap();
    assert_eq!(report.answers["big"].ras.code(), 1, "{report:?}");

    within(exporter.shutdown()).await.unwrap();
    let out = wait(r.remove(0)).await;
    assert_eq!(
        out.code(),
        0,
        "respond exits 0 after its exporter shut down: {out:?}"
    );
    assert_eq!(wait(r2.remove(0)).await.code(), 0);
}

/// Starts one `respond ARGS…` and publishes `go` to it once: the report and
/// how long the publish took. The responder lives as long as the returned child.
async fn publish_once(
    server: &RedisServer,
    args: &[&str],
) -> (PublishReport, Duration, Vec<Child>) {
    let responder = responders(server, &[args]).await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, ["go"]))
        .await
        .unwrap();
    let started = Instant::now();
    let report = within(exporter.publish_signal("go")).await.unwrap();
    (report, started.elapsed(), responder)
}

#[tokio::test]
async fn exec_timeout_kills_a_hanging_command() {
    let server = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // `sleep 60` outlives the test limit: if it survived, `group_gone` fails.
    let cmd = format!("echo $$ > {}; sleep 60", pid_file.display());
    let args = ["--id", "slow", "--exec", &cmd, "--exec-timeout", "0.3"];
    let (report, took, _r) = publish_once(&server, &args).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(report.code, ResultCode::SomeFailed);
    let message = report.answers["slow"].message.as_deref().unwrap();
    assert!(message.contains("exec timeout"), "{message}");
    group_gone(started_group(&pid_file).await).await;
}

#[tokio::test]
async fn a_background_job_of_the_command_does_not_hold_the_answer() {
    let server = RedisServer::start().await;
    let args = ["--id", "bg", "--exec", "sleep 5 & echo started"];
    let (report, took, _r) = publish_once(&server, &args).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(report.answers["bg"].message.as_deref(), Some("started"));
    assert!(report.all_succeeded());
}

#[tokio::test]
async fn events_filter_and_fixed_replies() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[
            &["--id", "filtered", "--events", "stop", "--exec", "exit 1"],
            &["--id", "fixed", "--ras", "5", "--message", "as configured"],
        ],
    )
    .await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(2, ["start", "stop"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(
        report.answers["filtered"].ras.code(),
        1,
        "not in --events: success without running"
    );
    assert_eq!(report.answers["fixed"].ras.code(), 5);
    assert_eq!(
        report.answers["fixed"].message.as_deref(),
        Some("as configured")
    );
    let report = within(exporter.publish_signal("stop")).await.unwrap();
    assert_eq!(report.answers["filtered"].ras.code(), 0);
}

#[tokio::test]
async fn process_filter_and_sigterm_kill_the_running_command() {
    let server = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let cmd = format!("echo $$ > {}; sleep 60", pid_file.display());
    let mut r = responders(
        &server,
        &[&["--id", "p", "--process", "wanted", "--exec", &cmd]],
    )
    .await;
    let other = within(server.exporter("other").connect()).await.unwrap();
    let err = within(
        other
            .initialize_and_wait(1, ["go"])
            .timeout(Duration::from_millis(400)),
    )
    .await;
    assert!(err.is_err(), "not subscribed to another process");
    let wanted = within(server.exporter("wanted").connect()).await.unwrap();
    within(wanted.initialize_and_wait(1, ["go"])).await.unwrap();
    let publish = wanted.publish_signal("go").timeout(Duration::from_secs(10));
    let kill = async {
        // SIGTERM once the command is running.
        let group = started_group(&pid_file).await;
        let pid = nix::unistd::Pid::from_raw(r[0].id().unwrap() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        group
    };
    let (report, group) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), kill) }).await;
    let report = report.unwrap();
    assert_eq!(report.answers["p"].ras.code(), 0, "{report:?}");
    let message = report.answers["p"].message.as_deref().unwrap();
    assert!(message.contains("shutting down"), "{message}");
    let out = wait(r.remove(0)).await;
    assert_eq!(out.code(), 0, "{out:?}");
    group_gone(group).await;
}

#[tokio::test]
async fn respond_gives_up_with_status_7_after_the_idle_timeout() {
    let server = RedisServer::start().await;
    let mut r = responders(&server, &[&["--id", "idle", "--idle-timeout", "0.3"]]).await;
    let out = wait(r.remove(0)).await;
    assert_eq!(out.code(), 7, "no served exporter spoke: {out:?}");
    assert!(out.stderr.contains("gave up serving"), "{}", out.stderr);
}

#[tokio::test]
async fn a_background_job_can_read_the_metadata_file_and_stderr_is_logged_with_vv() {
    let server = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.json");
    let script = format!(
        r#"echo oops-on-stderr >&2; (sleep 0.3; cat "$SIGNAL_METADATA_FILE" > '{0}.tmp'; mv '{0}.tmp' '{0}') &"#,
        copy.display()
    );
    let mut r = responders(&server, &[&["--id", "bg", "-vv", "--exec", &script]]).await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, ["go"]))
        .await
        .unwrap();
    let report = within(
        exporter
            .publish_signal("go")
            .metadata_value(json!({"k": 1})),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    // The job reads the file after the command exited: it is still there.
    let copied = within(async {
        loop {
            if let Ok(text) = std::fs::read_to_string(&copy) {
                return text;
            }
            // A file appearing has no notification here: look again shortly.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&copied).unwrap(),
        json!({"k": 1})
    );
    within(exporter.shutdown()).await.unwrap();
    let out = wait(r.remove(0)).await;
    assert!(out.stderr.contains("oops-on-stderr"), "{}", out.stderr);
}

//! `state-signals run` against `state-signals respond` processes and a real Redis.

use crate::support as cli_support;

use std::time::Duration;

use cli_support::common::{RedisServer, next_json};
use cli_support::{Driven, cli, finish, responders, wait};

#[tokio::test]
async fn all_succeed_then_one_command_fails() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[
            // --keep-running: they serve two `run` sessions.
            &[
                "--id",
                "a",
                "--keep-running",
                "--exec",
                "echo done $SIGNAL_EVENT",
            ],
            &["--id", "b", "--keep-running", "--exec", "true"],
            &[
                "--id",
                "c",
                "--keep-running",
                "--exec",
                "if [ $SIGNAL_EVENT = stop ]; then echo fine; echo 'disk full' >&2; exit 4; fi",
            ],
        ],
    )
    .await;
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--await", "3", "start"],
    ))
    .await;
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.lines.len(), 1);
    assert_eq!(out.lines[0]["event"], "start");
    assert_eq!(out.lines[0]["responses"]["a"]["message"], "done start");
    for id in ["a", "b", "c"] {
        let latency = &out.lines[0]["responses"][id]["latency_ms"];
        assert!(latency.as_f64().is_some_and(|ms| ms > 0.0), "{latency}");
    }
    assert!(out.stderr.contains("slowest: "), "{}", out.stderr);
    assert_eq!(
        out.lines[0]["responses"]["b"]["message"],
        serde_json::Value::Null
    );

    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--await", "3", "start", "stop"],
    ))
    .await;
    assert_eq!(out.code(), 1, "{out:?}");
    let stop = &out.lines[1];
    assert_eq!(
        (stop["event"].as_str(), stop["code"].as_i64()),
        (Some("stop"), Some(1))
    );
    assert_eq!(stop["failed"], serde_json::json!(["c"]));
    assert_eq!(
        (
            &stop["responses"]["c"]["ras"],
            &stop["responses"]["c"]["message"]
        ),
        (&serde_json::json!(0), &serde_json::json!("disk full"))
    );
    assert_eq!(stop["missing"], serde_json::json!([]));
}

#[tokio::test]
async fn a_responder_killed_mid_session_is_missing() {
    let server = RedisServer::start().await;
    let mut r = responders(&server, &[&["--id", "stays"], &["--id", "dies"]]).await;
    let mut run = Driven::spawn(cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "2",
            "--timeout",
            "1",
            "--legal",
            "start,stop",
            "--events-from",
            "-",
        ],
    ));
    run.send(r#"{"event": "start"}"#).await;
    let first = run.read().await;
    assert_eq!(first["code"], 0, "{first}");
    r[1].kill().await.unwrap();
    run.send(r#"{"event": "stop", "sample_no": 0}"#).await;
    let second = run.read().await;
    assert_eq!(second["code"], 2, "{second}");
    assert_eq!(second["missing"], serde_json::json!(["dies"]));
    assert_eq!(second["responses"]["stays"]["ras"], 1);
    assert_eq!(run.close().await.code(), Some(2));
}

#[tokio::test]
async fn await_timeout_publishes_nothing_and_exits_3() {
    let server = RedisServer::start().await;
    let _r = responders(&server, &[&["--id", "only"]]).await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let out = finish(cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "2",
            "--await-timeout",
            "0.5",
            "start",
        ],
    ))
    .await;
    assert_eq!(out.code(), 3, "{out:?}");
    assert!(out.lines.is_empty());
    assert!(
        out.stderr.contains("2 subscribers, 1 arrived"),
        "{}",
        out.stderr
    );
    assert_eq!(next_json(&mut wire).await["event"], "initialization");
    assert_eq!(
        next_json(&mut wire).await["event"],
        "shutdown",
        "nothing published in between"
    );
}

#[tokio::test]
async fn usage_input_and_connection_errors_have_their_codes() {
    let server = RedisServer::start().await;
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--no-such-flag", "start"],
    ))
    .await;
    assert_eq!(out.code(), 64, "{out:?}");
    let out = finish(cli(&server, &["run", "start"])).await;
    assert_eq!(out.code(), 64, "missing --process: {out:?}");

    let out = finish(cli(
        &server,
        &["run", "--process", "b", "--metadata", "[1, 2]", "start"],
    ))
    .await;
    assert_eq!(out.code(), 6);
    assert_eq!(
        out.stderr.trim(),
        "state-signals: `--metadata` is not a JSON object"
    );
    let out = finish(cli(
        &server,
        &["run", "--process", "b", "--metadata", "{nope", "start"],
    ))
    .await;
    assert_eq!(out.code(), 6);
    assert!(
        out.stderr.contains("`--metadata` is not valid JSON"),
        "{}",
        out.stderr
    );
    let out = finish(cli(&server, &["run", "--process", "b", "shutdown"])).await;
    assert_eq!(out.code(), 6);
    assert!(
        out.stderr.contains("`shutdown` is reserved"),
        "{}",
        out.stderr
    );

    let mut down = RedisServer::start().await;
    down.stop();
    let out = finish(cli(
        &down,
        &["--connect-timeout", "0.5", "run", "--process", "b", "start"],
    ))
    .await;
    assert_eq!(out.code(), 4, "{out:?}");
    assert!(
        out.stderr.starts_with(&format!(
            "state-signals: cannot reach Redis at {}",
            down.url()
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"));
}

#[tokio::test]
async fn sigterm_during_run_publishes_shutdown() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let run = cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "5",
            "--await-timeout",
            "none",
            "start",
        ],
    )
    .spawn()
    .unwrap();
    assert_eq!(next_json(&mut wire).await["event"], "initialization");
    let pid = nix::unistd::Pid::from_raw(run.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let shutdown = next_json(&mut wire).await;
    assert_eq!(shutdown["event"], "shutdown");
    let out = wait(run).await;
    assert_eq!(out.code(), 143, "{out:?}");
}

#[tokio::test]
async fn events_from_a_pipe_publishes_line_by_line() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[&[
            "--id",
            "r",
            "--exec",
            "echo $SIGNAL_EVENT:$SIGNAL_TAG:$SIGNAL_SAMPLE_NO",
        ]],
    )
    .await;
    let mut run = Driven::spawn(cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--tag",
            "default-tag",
            "--legal",
            "a,b",
            "--events-from",
            "-",
        ],
    ));
    run.send(r#"{"event": "a", "sample_no": 0}"#).await;
    assert_eq!(
        run.read().await["responses"]["r"]["message"],
        "a:default-tag:0"
    );
    run.send("").await;
    run.send(r#"{"event": "b", "tag": "own", "metadata": {"k": 1}}"#)
        .await;
    assert_eq!(run.read().await["responses"]["r"]["message"], "b:own:-1");
    // A bad line is reported on stdout and the session goes on.
    run.send("not json").await;
    let error = run.read().await;
    assert_eq!(error["line"], 4);
    run.send(r#"{"event": "c"}"#).await;
    assert!(
        run.read().await["error"]
            .as_str()
            .unwrap()
            .contains("not a legal event")
    );
    // A signal over the payload cap is refused before it is sent, at once.
    let blob = "x".repeat(5 * 1024 * 1024);
    run.send(&format!(
        r#"{{"event": "a", "metadata": {{"blob": "{blob}"}}}}"#
    ))
    .await;
    let error = run.read().await;
    let text = error["error"].as_str().unwrap();
    assert!(
        text.contains("over the 4194304-byte cap") && text.contains("nothing was sent"),
        "{error}"
    );
    run.send(r#"{"event": "a"}"#).await;
    assert_eq!(run.read().await["code"], 0);
    let status = tokio::time::timeout(Duration::from_secs(10), run.close())
        .await
        .unwrap();
    assert_eq!(
        status.code(),
        Some(6),
        "bad lines make the session end with 6"
    );
}

#[tokio::test]
async fn sample_auto_numbers_publishes_and_no_subscriber_is_told() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--sample", "auto", "a", "b"],
    ))
    .await;
    assert_eq!(out.code(), 0, "{out:?}");
    let mut samples = Vec::new();
    for _ in 0..4 {
        let signal = next_json(&mut wire).await;
        if signal["event"] == "a" || signal["event"] == "b" {
            samples.push(signal["sample_no"].as_i64().unwrap());
        }
    }
    assert_eq!(samples, [1, 2]);
    assert!(
        out.stderr.contains("no subscriber to wait for"),
        "a publish that reached nobody is not silent: {}",
        out.stderr
    );
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--require-subscribers", "a"],
    ))
    .await;
    assert_eq!(out.code(), 3, "{out:?}");
}

#[tokio::test]
async fn legal_without_events_from_is_refused() {
    let server = RedisServer::start().await;
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--legal", "a,b", "a"],
    ))
    .await;
    assert_eq!(out.code(), 64, "{out:?}");
}

#[tokio::test]
async fn the_summary_names_who_is_missing() {
    let server = RedisServer::start().await;
    let _r = responders(&server, &[&["--id", "stuck", "--exec", "sleep 30"]]).await;
    let out = finish(cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--timeout",
            "0.3",
            "start",
        ],
    ))
    .await;
    assert_eq!(out.code(), 2, "{out:?}");
    assert!(out.stderr.contains("missing: stuck"), "{}", out.stderr);
}

/// No silent wait: `run --await` without `--periodic` says within a few
/// seconds that responders starting later need `--periodic`.
#[tokio::test]
async fn a_quiet_await_names_periodic_on_its_terminal_line() {
    use tokio::io::AsyncBufReadExt;

    let server = RedisServer::start().await;
    let mut child = cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--await-timeout",
            "60",
            "start",
        ],
    )
    .spawn()
    .expect("spawn run");
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let hint = cli_support::common::within(async {
        while let Some(line) = stderr.next_line().await.expect("read stderr") {
            if line.contains("--periodic") {
                return line;
            }
        }
        panic!("run ended without naming --periodic");
    })
    .await;
    assert_eq!(
        hint,
        "state-signals: responders that start after the initialization need --periodic"
    );
    child.kill().await.expect("stop run");
}

/// Every time flag takes any number of seconds: one too large for a
/// `Duration` means practically no limit (it panicked with exit 101).
#[tokio::test]
async fn huge_time_values_mean_no_limit() {
    let server = RedisServer::start().await;
    let _r = responders(&server, &[&["--id", "a", "--exec-timeout", "1e300"]]).await;
    let out = finish(cli(
        &server,
        &[
            "--connect-timeout",
            "1e20",
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--await-timeout",
            "inf",
            "--timeout",
            "1e20",
            "start",
        ],
    ))
    .await;
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.lines[0]["responses"]["a"]["ras"], 1);
}

/// `--timeline FILE.svg`: a picture of the session that parses as SVG and
/// names every responder, with one cell per responder and publish, and a
/// hostile id escaped.
#[tokio::test]
async fn the_timeline_names_every_responder_and_publish() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[
            &["--id", "fast", "--keep-running"],
            &["--id", "a<b>&\"c\"", "--keep-running", "--exec", "exit 3"],
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.svg");
    let mut run = cli(
        &server,
        &["run", "--process", "bench", "--await", "2", "start", "stop"],
    );
    run.arg("--timeline").arg(&file);
    let out = finish(run).await;
    assert_eq!(out.code(), 1, "{out:?}");
    let svg = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.children().find(|c| c.is_text()).and_then(|c| c.text()))
        .collect();
    for name in ["fast", "a<b>&\"c\"", "start", "stop"] {
        assert!(texts.contains(&name), "{name} not in {texts:?}");
    }
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| n.children().any(|c| c.has_tag_name("title")))
        .count();
    assert_eq!(cells, 2 * 2, "one cell per responder and publish");
}

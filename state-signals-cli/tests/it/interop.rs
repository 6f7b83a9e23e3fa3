//! The command-line tool with the real Python `state-signals` package.

use crate::support as cli_support;

use cli_support::common::{Python, RedisServer};
use cli_support::{cli, finish, responders, wait};
use serde_json::json;

#[tokio::test]
async fn cli_respond_answers_a_python_exporter() {
    let server = RedisServer::start().await;
    let mut r = responders(
        &server,
        &[&[
            "--id",
            "sh-1",
            "--events",
            "stop",
            "--exec",
            "echo \"stopped $SIGNAL_SAMPLE_NO\"; exit 1",
        ]],
    )
    .await;
    let config = json!({
        "port": server.port(), "process": "py-bench", "await": 1, "legal": ["start", "stop"],
        "steps": [{"event": "start"}, {"event": "stop", "sample": 7, "metadata": {"k": 1}}],
    });
    let out = Python::spawn("exporter.py", &config).rest().await;
    assert_eq!(out[0]["subs"], json!(["sh-1"]));
    assert_eq!(out[1], json!({"event": "start", "code": 0, "msgs": {}}));
    assert_eq!(
        out[2],
        json!({"event": "stop", "code": 1, "msgs": {"sh-1": "stopped 7"}})
    );
    let done = wait(r.remove(0)).await;
    assert_eq!(
        done.code(),
        0,
        "exits after the Python exporter's shutdown: {done:?}"
    );
}

#[tokio::test]
async fn cli_run_drives_python_responders() {
    let server = RedisServer::start().await;
    let port = server.port();
    let mut ok = Python::spawn("responder.py", &json!({"port": port, "name": "py-ok"}));
    let mut bad = Python::spawn(
        "responder.py",
        &json!({"port": port, "name": "py-bad", "ras": {"stop": 0}, "message": {"stop": "no space"}}),
    );
    let ok_id = ok.next().await.unwrap()["ready"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad_id = bad.next().await.unwrap()["ready"]
        .as_str()
        .unwrap()
        .to_owned();
    server.wait_numsub("event-signal-pubsub", 2).await;
    let out = finish(cli(
        &server,
        &[
            "run",
            "--process",
            "sh-bench",
            "--await",
            "2",
            "--sample",
            "0",
            "--metadata",
            r#"{"run": 1}"#,
            "start",
            "stop",
        ],
    ))
    .await;
    assert_eq!(out.code(), 1, "{out:?}");
    assert_eq!(out.lines[0]["code"], 0);
    assert_eq!(out.lines[0]["responses"][&ok_id]["ras"], 1);
    assert_eq!(out.lines[1]["responses"][&ok_id]["ras"], 1);
    assert_eq!(out.lines[1]["failed"], json!([bad_id]));
    assert_eq!(out.lines[1]["responses"][&bad_id]["message"], "no space");
    for p in [ok, bad] {
        let lines = p.rest().await;
        assert_eq!(
            lines.len(),
            4,
            "initialization, start, stop, shutdown: {lines:?}"
        );
        assert_eq!(lines[1]["signal"]["sample_no"], 0);
        assert_eq!(lines[1]["signal"]["metadata"], json!({"run": 1}));
    }
}

//! `--trace`: `run` sends each publish span's trace context with its signal,
//! prints the session's `trace_id` and exports its spans over OTLP/HTTP;
//! `respond --exec` hands the trace context to the script as `TRACEPARENT`.

use crate::support as cli_support;

use cli_support::common::{RedisServer, within};
use cli_support::{cli, finish, responders};
use state_signals::{Metadata, ResultCode};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

const ECHO_TRACEPARENT: &str = r#"echo "${TRACEPARENT:-none}""#;

/// A W3C traceparent's trace id and span id.
fn ids(traceparent: &str) -> (&str, &str) {
    let mut parts = traceparent.split('-').skip(1);
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

#[tokio::test]
async fn exec_scripts_get_the_signals_trace_context_as_traceparent() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[
            &["--id", "plain", "--exec", ECHO_TRACEPARENT],
            &["--id", "traced", "--trace", "--exec", ECHO_TRACEPARENT],
        ],
    )
    .await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(2, ["go"]))
        .await
        .unwrap();
    // What an exporter with trace context on sends.
    let sent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut metadata = Metadata::new();
    metadata.insert("traceparent".into(), sent.into());
    let report = within(exporter.publish_signal("go").metadata(metadata))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    // Without --trace: the signal's own, passed on.
    let plain = &report.answers["plain"];
    assert_eq!(plain.message.as_deref(), Some(sent));
    assert_eq!(plain.traceparent, None);
    // With --trace: the handler span, a child in the same trace, which the
    // answer names too.
    let traced = &report.answers["traced"];
    let script = traced.message.as_deref().unwrap();
    assert_eq!(ids(script).0, ids(sent).0, "{script}");
    assert_ne!(ids(script).1, ids(sent).1, "{script}");
    assert_eq!(traced.traceparent.as_deref(), Some(script));
    // A signal without trace context: no TRACEPARENT at all.
    let report = within(exporter.publish_signal("go")).await.unwrap();
    for answer in report.answers.values() {
        assert_eq!(answer.message.as_deref(), Some("none"), "{report:?}");
    }
    within(exporter.shutdown()).await.unwrap();
}

/// A minimal OTLP/HTTP collector: every request's path and body.
async fn collector() -> (String, mpsc::UnboundedReceiver<(String, Vec<u8>)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        stream.read_line(&mut header).await.unwrap();
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    stream.read_exact(&mut body).await.unwrap();
                    let _ = tx.send((path, body));
                    let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                    stream.get_mut().write_all(ok.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (endpoint, rx)
}

#[tokio::test]
async fn run_with_trace_prints_its_trace_id_and_exports_its_spans_over_otlp() {
    let server = RedisServer::start().await;
    let _r = responders(
        &server,
        &[&["--id", "r", "--keep-running", "--exec", ECHO_TRACEPARENT]],
    )
    .await;
    let (endpoint, mut exported) = collector().await;
    let mut run = cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--trace",
            "start",
            "stop",
        ],
    );
    run.env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
    let out = finish(run).await;
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.lines.len(), 2, "{}", out.stdout);
    let trace_id = out.lines[0]["trace_id"].as_str().unwrap().to_owned();
    assert_eq!(trace_id.len(), 32);
    for line in &out.lines {
        assert_eq!(line["trace_id"], trace_id.as_str(), "one trace per session");
        // The script saw a publish span of this trace.
        let script = line["responses"]["r"]["message"].as_str().unwrap();
        assert_eq!(ids(script).0, trace_id, "{line}");
    }
    // The session's spans reached the collector, under this trace id.
    let (path, body) = within(exported.recv()).await.unwrap();
    assert_eq!(path, "/v1/traces");
    let raw: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert!(
        body.windows(16).any(|w| w == raw),
        "the export carries the trace id"
    );
    // Without --trace: no trace id, no trace context sent.
    let out = finish(cli(
        &server,
        &["run", "--process", "bench", "--await", "1", "start"],
    ))
    .await;
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert_eq!(out.lines[0].get("trace_id"), None);
    assert_eq!(out.lines[0]["responses"]["r"]["message"], "none");
}

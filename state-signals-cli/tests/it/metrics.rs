//! `--metrics-addr HOST:PORT`: Prometheus text, scraped from `run` in the
//! middle of a session and from `respond`.

use crate::support as cli_support;

use cli_support::common::{RedisServer, free_port, within};
use cli_support::{Driven, cli, responders};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET /metrics` on `port`: the body.
async fn scrape(port: u16) -> String {
    within(async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("the metrics endpoint");
        let request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        response
    })
    .await
}

/// The value of the sample `name` (with its labels, as written) in `text`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn run_and_respond_serve_prometheus_metrics() {
    let server = RedisServer::start().await;
    let respond_port = free_port();
    let _r = responders(
        &server,
        &[&[
            "--id",
            "r",
            "--keep-running",
            "--metrics-addr",
            &format!("127.0.0.1:{respond_port}"),
        ]],
    )
    .await;
    let run_port = free_port();
    let mut run = Driven::spawn(cli(
        &server,
        &[
            "run",
            "--process",
            "bench",
            "--await",
            "1",
            "--metrics-addr",
            &format!("127.0.0.1:{run_port}"),
            "--legal",
            "tick",
            "--events-from",
            "-",
        ],
    ));
    for _ in 0..3 {
        run.send(r#"{"event": "tick"}"#).await;
        assert_eq!(run.read().await["code"], 0);
    }
    let text = scrape(run_port).await;
    assert_eq!(
        sample(&text, "state_signals_signals_published_total"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"state_signals_answers_total{outcome="succeeded"}"#),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("state_signals_answer_latency_seconds"),
        "{text}"
    );
    assert!(
        text.contains("state_signals_publish_round_trip_seconds"),
        "{text}"
    );
    run.close().await;
    // initialization, three ticks, shutdown
    let text = scrape(respond_port).await;
    assert_eq!(
        sample(&text, "state_signals_signals_received_total"),
        Some(5.0),
        "{text}"
    );
}

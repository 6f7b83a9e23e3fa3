//! The README's API-tour programs are `examples/exporter.rs` and
//! `examples/responder.rs`: the README shows them verbatim, and here they
//! run together against a real Redis.

use state_signals_test_support as common;

use std::path::PathBuf;
use std::process::Stdio;

use common::{RedisServer, within, workspace_root};

/// An example's binary, built by `cargo test` next to the test binaries.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace --all-features`, which builds the examples",
        path.display()
    );
    path
}

/// The code of an example without its `//!` header.
fn example_code(name: &str) -> String {
    let text =
        std::fs::read_to_string(workspace_root().join("examples").join(format!("{name}.rs")))
            .expect("read the example");
    text.lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_api_guide_shows_the_examples_verbatim() {
    let guide = workspace_root()
        .join("state-signals")
        .join("docs")
        .join("api.md");
    let guide = std::fs::read_to_string(guide).expect("the API guide");
    for name in ["exporter", "responder"] {
        let code = example_code(name);
        assert!(
            guide.contains(&code),
            "state-signals/docs/api.md must show examples/{name}.rs verbatim (after its `//!` header)"
        );
    }
}

#[tokio::test]
async fn the_readme_exporter_and_responder_work_together() {
    let server = RedisServer::start().await;
    let responder = tokio::process::Command::new(example("responder"))
        .env("REDIS_URL", server.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run the responder example");
    server.wait_numsub("event-signal-pubsub", 1).await;
    let exporter = within(
        tokio::process::Command::new(example("exporter"))
            .arg("1")
            .env("REDIS_URL", server.url())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("run the exporter example");
    let out = String::from_utf8_lossy(&exporter.stdout);
    assert!(
        exporter.status.success(),
        "the exporter example exits 0 when all succeeded: {exporter:?}"
    );
    assert!(out.contains("benchmark-start: all succeeded"), "{out}");
    assert!(out.contains("benchmark-stop: all succeeded"), "{out}");
    let responder = within(responder.wait_with_output())
        .await
        .expect("the responder example exits");
    assert!(
        responder.status.success(),
        "the responder example returns after the exporter's shutdown: {responder:?}"
    );
    let seen = String::from_utf8_lossy(&responder.stdout);
    assert!(
        seen.contains("benchmark-start (sample 0, tag \"run-42\")"),
        "{seen}"
    );
    assert!(
        seen.contains("benchmark-stop (sample 1, tag \"run-42\")"),
        "{seen}"
    );
}

/// The quickstart's standard output with these arguments and environment
/// (`REDIS_URL` unset unless given); asserts that it exits 0.
async fn quickstart(args: &[&str], env: &[(&str, String)]) -> String {
    let mut cmd = tokio::process::Command::new(example("quickstart"));
    cmd.args(args).env_remove("REDIS_URL").kill_on_drop(true);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = within(cmd.output())
        .await
        .expect("run the quickstart example");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_quickstart_runs_on_the_in_memory_bus_without_a_server() {
    // Nothing listens on this port: the quickstart must fall back to the bus.
    let nothing = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let probe = nothing.local_addr().expect("its address").to_string();
    drop(nothing);
    let stdout = quickstart(&[], &[("QUICKSTART_PROBE", probe.clone())]).await;
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "transport: the in-memory bus (no Redis on {probe} and REDIS_URL unset"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("benchmark-start: all succeeded"),
        "{stdout}"
    );
    assert!(stdout.contains("collector-c: ras 0 disk full"), "{stdout}");
}

/// `--in-memory` is one self-contained command: it runs on the bus even
/// with a Redis server up and `REDIS_URL` pointing at it, and says so first.
#[tokio::test]
async fn the_quickstart_runs_in_memory_on_request_with_a_server_up() {
    let server = RedisServer::start().await;
    let before = server.connections_received().await;
    let env = [
        ("REDIS_URL", server.url()),
        ("QUICKSTART_PROBE", format!("127.0.0.1:{}", server.port())),
    ];
    let stdout = quickstart(&["--in-memory"], &env).await;
    assert_eq!(
        stdout.lines().next(),
        Some("transport: the in-memory bus (--in-memory), no Redis"),
        "{stdout}"
    );
    assert!(stdout.contains("benchmark-stop: some failed"), "{stdout}");
    // Only this test's own query connected meanwhile: the quickstart did not.
    assert_eq!(
        server.connections_received().await,
        before + 1,
        "it used Redis"
    );
}

/// On Redis, the first line says so.
#[tokio::test]
async fn the_quickstart_on_redis_names_its_transport() {
    let server = RedisServer::start().await;
    let stdout = quickstart(&[], &[("REDIS_URL", server.url())]).await;
    assert_eq!(
        stdout.lines().next(),
        Some("transport: Redis at $REDIS_URL"),
        "{stdout}"
    );
    assert!(stdout.contains("collector-c: ras 0 disk full"), "{stdout}");
}

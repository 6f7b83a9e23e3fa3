//! The CLI over TLS (`--tls-ca`, exit 8 on an untrusted certificate), and no
//! password in any output: stdout, stderr, `--help`, `/proc/<pid>/cmdline`,
//! or the `Debug` / `Display` of builders and errors.

use crate::support as cli_support;

use std::time::{Duration, Instant};

use cli_support::common::tls::{Pki, TlsServer};
use cli_support::common::{RedisServer, within};
use cli_support::{BIN, cli, finish};

/// A password full of the characters URLs and redaction trip on.
const PASSWORD: &str = "p#a?s/s@w:o%rd";
const ENCODED: &str = "p%23a%3Fs%2Fs%40w%3Ao%25rd";

#[tokio::test]
async fn listen_over_tls_and_an_untrusted_certificate_exits_8() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, false).await;
    let ca = pki.path("ca.crt");
    let mut listen = cli(&server.server, &["listen", "--count", "1"]);
    listen.args(["--redis", &server.url(), "--tls-ca"]).arg(&ca);
    let listener = listen.spawn().unwrap();
    server.server.wait_numsub("event-signal-pubsub", 1).await;
    server
        .server
        .publish_raw(
            "event-signal-pubsub",
            r#"{"publisher_id":"p","process_name":"x","event":"over-tls","runner_host":"h"}"#,
        )
        .await;
    let out = cli_support::wait(listener).await;
    assert_eq!(out.code(), 0, "{out:?}");
    assert!(out.stdout.contains("over-tls"), "{}", out.stdout);

    let stranger = Pki::new();
    let started = Instant::now();
    let mut refused = cli(&server.server, &["listen", "--count", "1"]);
    refused
        .args(["--redis", &server.url(), "--tls-ca"])
        .arg(stranger.path("ca.crt"));
    let out = finish(refused).await;
    assert_eq!(out.code(), 8, "{out:?}");
    assert!(out.stderr.contains("certificate"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn assert_no_password(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD) && !text.contains(ENCODED),
        "{what} shows the password: {text}"
    );
}

#[tokio::test]
async fn no_password_in_any_output() {
    let server = RedisServer::start().await;
    let mut admin = server.connection().await;
    within(
        redis::cmd("ACL")
            .arg(&["SETUSER", "u", "on"])
            .arg(format!(">{PASSWORD}"))
            .arg(&["~*", "&*", "+@all"])
            .query_async::<()>(&mut admin),
    )
    .await
    .unwrap();
    let url = format!("redis://u:{ENCODED}@127.0.0.1:{}", server.port());
    let wrong = format!("redis://u:{ENCODED}x@127.0.0.1:{}", server.port());

    type Run<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let runs: Vec<Run> = vec![
        (
            vec!["--redis", &url, "-vv", "run", "--process", "p", "a"],
            vec![],
        ),
        (
            vec!["--redis", &url, "run", "--process", "p", "a"],
            vec![("RUST_LOG", "trace")],
        ),
        (
            vec!["--redis", &wrong, "-vv", "run", "--process", "p", "a"],
            vec![],
        ),
        (
            vec!["--redis", &wrong, "listen", "--count", "1"],
            vec![("RUST_LOG", "trace")],
        ),
        (
            vec!["--redis", &url, "-vv", "respond", "--idle-timeout", "0.2"],
            vec![],
        ),
        (vec!["--help"], vec![("REDIS_URL", &url)]),
        (vec!["run", "--help"], vec![("REDIS_URL", &url)]),
        (vec!["--redis", &url, "listen", "--bogus-flag"], vec![]),
    ];
    for (args, env) in runs {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(&args)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let out = within(cmd.output()).await.unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_password(&format!("`state-signals {args:?}`"), &text);
    }

    // `bench --processes 2`: the children get the URL through their environment.
    let mut bench = tokio::process::Command::new(BIN);
    bench
        .args([
            "--redis",
            &url,
            "bench",
            "--responders",
            "2",
            "--processes",
            "2",
            "--signals",
            "300",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = bench.spawn().unwrap();
    let parent = child.id().unwrap();
    let mut seen_workers = 0;
    let output = within(async {
        let mut output = std::pin::pin!(child.wait_with_output());
        loop {
            tokio::select! {
                out = &mut output => return out.unwrap(),
                // /proc has no notification: look at the children while it runs.
                () = tokio::time::sleep(Duration::from_millis(10)) => {
                    for cmdline in worker_cmdlines(parent) {
                        seen_workers += 1;
                        assert_no_password("a bench worker's /proc/<pid>/cmdline", &cmdline);
                    }
                }
            }
        }
    })
    .await;
    assert!(output.status.success(), "{output:?}");
    assert!(seen_workers > 0, "the bench workers were seen");
    assert_no_password("bench", &String::from_utf8_lossy(&output.stdout));
    assert_no_password("bench", &String::from_utf8_lossy(&output.stderr));

    // Debug and Display of builders and errors.
    let options = state_signals::ConnectOptions::url(&url);
    assert_no_password("ConnectOptions", &format!("{options:?}"));
    let builder = state_signals::SignalExporter::builder("p").options(options.clone());
    assert_no_password("SignalExporterBuilder", &format!("{builder:?}"));
    let responder = state_signals::SignalResponder::builder().url(&url);
    assert_no_password("SignalResponderBuilder", &format!("{responder:?}"));
    let err = within(
        state_signals::SignalResponder::builder()
            .options(state_signals::ConnectOptions::url(&wrong))
            .connect(),
    )
    .await
    .unwrap_err();
    assert_no_password("Error", &format!("{err} {err:?}"));
    for bad in [
        format!("redis://u:{PASSWORD}@127.0.0.1:{}", server.port()),
        format!("redis://u:{PASSWORD}@[nope"),
    ] {
        let builder = state_signals::SignalExporter::builder("p").url(&bad);
        assert_no_password("a builder with a raw password", &format!("{builder:?}"));
        if let Err(err) = within(
            state_signals::SignalExporter::builder("p")
                .options(
                    state_signals::ConnectOptions::url(&bad)
                        .connect_timeout(Duration::from_millis(300)),
                )
                .connect(),
        )
        .await
        {
            assert_no_password("an error for a raw password", &format!("{err} {err:?}"));
        }
    }
}

/// The command lines of the `bench-worker` children of `parent`.
fn worker_cmdlines(parent: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            if ppid != parent {
                return None;
            }
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains("bench-worker").then_some(cmdline)
        })
        .collect()
}

/// TLS mistakes are refused at once, with the file or the protocol named:
/// TLS to a plain port and plain text to a TLS port (exit 8; each waited
/// the whole connect timeout), a `--tls-ca` file that holds no certificate
/// and a key that does not match its certificate (usage errors naming the
/// file; the first was accepted, the second read "cannot reach Redis").
#[tokio::test]
async fn tls_mistakes_are_refused_at_once_and_say_what_is_wrong() {
    let pki = Pki::new();
    let tls = TlsServer::start(&pki, false).await;
    let plain = RedisServer::start().await;
    // Far longer than the test may take: a refusal cannot be a timeout.
    let patient = ["listen", "--count", "1", "--connect-timeout", "600"];

    let mut tls_to_plain = cli(&plain, &patient);
    tls_to_plain
        .args([
            "--redis",
            &format!("rediss://127.0.0.1:{}", plain.port()),
            "--tls-ca",
        ])
        .arg(pki.path("ca.crt"));
    let out = finish(tls_to_plain).await;
    assert_eq!(out.code(), 8, "{out:?}");
    assert!(out.stderr.contains("speaks plain text"), "{}", out.stderr);

    let mut plain_to_tls = cli(&tls.server, &patient);
    plain_to_tls.args(["--redis", &tls.url().replacen("rediss://", "redis://", 1)]);
    let out = finish(plain_to_tls).await;
    assert_eq!(out.code(), 8, "{out:?}");
    assert!(out.stderr.contains("speaks TLS"), "{}", out.stderr);

    let not_a_ca = pki.path("server.key");
    let mut no_certificate = cli(&tls.server, &patient);
    no_certificate
        .args(["--redis", &tls.url(), "--tls-ca"])
        .arg(&not_a_ca);
    let out = finish(no_certificate).await;
    assert_eq!(out.code(), 64, "{out:?}");
    assert!(
        out.stderr.contains("no PEM certificate")
            && out.stderr.contains(&not_a_ca.display().to_string()),
        "{}",
        out.stderr
    );

    let other = Pki::new();
    let mut mismatched = cli(&tls.server, &patient);
    mismatched
        .args(["--redis", &tls.url(), "--tls-ca"])
        .arg(pki.path("ca.crt"))
        .arg("--tls-cert")
        .arg(pki.path("client.crt"))
        .arg("--tls-key")
        .arg(other.path("client.key"));
    let out = finish(mismatched).await;
    assert_eq!(out.code(), 64, "{out:?}");
    assert!(
        out.stderr.contains("does not match")
            && out
                .stderr
                .contains(&other.path("client.key").display().to_string()),
        "{}",
        out.stderr
    );
}

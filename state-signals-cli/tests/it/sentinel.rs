//! The command line on a Sentinel target: `respond` and `run` find the
//! master through `--sentinel HOST:PORT,… --master-name NAME`.

use crate::support as cli_support;

use cli_support::common::sentinel::{MASTER, SentinelSet, Spec};
use cli_support::common::within;
use cli_support::{BIN, cli_at, wait};
use state_signals::Channels;
use tokio::process::Command;

fn cli(set: &SentinelSet, args: &[&str]) -> Command {
    let sentinels: Vec<String> = set
        .urls()
        .iter()
        .map(|u| u.trim_start_matches("redis://").to_owned())
        .collect();
    let sentinels = sentinels.join(",");
    cli_at(&["--sentinel", &sentinels, "--master-name", MASTER], args)
}

#[tokio::test]
async fn run_and_respond_find_the_master_through_the_sentinels() {
    let set = SentinelSet::start().await;
    let responder = cli(&set, &["respond", "--id", "s1"])
        .spawn()
        .expect("spawn respond");
    let port = set.master_port().await;
    let master = set
        .servers
        .iter()
        .find(|s| s.port() == port)
        .expect("the master is one of ours");
    master.wait_numsub(Channels::default().signals(), 1).await;
    let run = within(
        cli(
            &set,
            &["run", "--process", "bench", "--await", "1", "start"],
        )
        .output(),
    )
    .await
    .expect("run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{run:?}");
    assert!(stdout.contains(r#""code":0"#), "{stdout}");
    assert!(stdout.contains(r#""s1""#), "{stdout}");
    assert_eq!(wait(responder).await.code(), 0);
}

#[tokio::test]
async fn a_sentinel_without_a_master_name_is_a_usage_error() {
    let out = within(
        Command::new(BIN)
            .args(["--sentinel", "127.0.0.1:1", "listen"])
            .env_remove("REDIS_MASTER_NAME")
            .output(),
    )
    .await
    .expect("run");
    assert_eq!(out.status.code(), Some(64), "EX_USAGE: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--master-name"));
}

#[tokio::test]
async fn the_master_password_comes_from_the_environment() {
    let set = SentinelSet::start_spec(Spec {
        password: Some("pw-@-secret"),
        down_after_ms: Some(60_000),
        ..Spec::default()
    })
    .await;
    let run = |password: Option<&str>| {
        let mut cmd = cli(
            &set,
            &["run", "--process", "bench", "--await", "0", "start"],
        );
        cmd.env_remove("REDIS_MASTER_PASSWORD");
        if let Some(password) = password {
            cmd.env("REDIS_MASTER_PASSWORD", password);
        }
        cmd.output()
    };
    let refused = within(run(None)).await.expect("run");
    assert_eq!(refused.status.code(), Some(4), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("NOAUTH") || stderr.contains("auth"),
        "{stderr}"
    );
    let wrong = within(run(Some("not-it"))).await.expect("run");
    assert_eq!(wrong.status.code(), Some(4), "{wrong:?}");
    assert!(!String::from_utf8_lossy(&wrong.stderr).contains("not-it"));
    let ok = within(run(Some("pw-@-secret"))).await.expect("run");
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains(r#""code":0"#),
        "{ok:?}"
    );
}

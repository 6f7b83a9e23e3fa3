//! Running the `state-signals` binary in tests.

use std::process::{ExitStatus, Stdio};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub use state_signals_test_support as common;

use common::{RedisServer, within};

pub const BIN: &str = env!("CARGO_BIN_EXE_state-signals");

/// `state-signals --redis <server> ARGS…` with piped output.
pub fn cli(server: &RedisServer, args: &[&str]) -> Command {
    cli_at(&["--redis", &server.url()], args)
}

/// `state-signals TARGET… ARGS…` with piped output and no `REDIS_URL`
/// from the environment (TARGET: `--redis-cluster …`, `--sentinel …` …).
pub fn cli_at(target: &[&str], args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("REDIS_URL")
        .args(target)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// What a finished command did.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub lines: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
}

/// Runs a command to completion (under the test limit).
pub async fn finish(mut cmd: Command) -> Finished {
    finished(within(cmd.output()).await.expect("run state-signals"))
}

/// Waits for a running command and collects what it printed.
pub async fn wait(child: Child) -> Finished {
    finished(
        within(child.wait_with_output())
            .await
            .expect("wait for state-signals"),
    )
}

/// The status and output; stdout's JSON lines parsed (other lines are in `stdout`).
fn finished(output: std::process::Output) -> Finished {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Finished {
        status: output.status,
        lines: stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Starts `respond` processes and waits until all of them are subscribed.
pub async fn responders(server: &RedisServer, specs: &[&[&str]]) -> Vec<Child> {
    let before = server.numsub("event-signal-pubsub").await;
    let children = specs
        .iter()
        .map(|args| {
            let mut all = vec!["respond"];
            all.extend_from_slice(args);
            cli(server, &all).spawn().expect("spawn respond")
        })
        .collect();
    server
        .wait_numsub("event-signal-pubsub", before + specs.len())
        .await;
    children
}

/// A process driven line by line: write to its stdin, read its stdout.
pub struct Driven {
    pub child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Driven {
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn state-signals");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self {
            child,
            stdin,
            stdout,
        }
    }

    pub async fn send(&mut self, line: &str) {
        within(self.stdin.write_all(format!("{line}\n").as_bytes()))
            .await
            .expect("write");
        within(self.stdin.flush()).await.expect("flush");
    }

    pub async fn read(&mut self) -> Value {
        let line = within(self.stdout.next_line())
            .await
            .expect("read")
            .expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Closes stdin and waits for the exit status.
    pub async fn close(self) -> ExitStatus {
        drop(self.stdin);
        let mut child = self.child;
        within(child.wait()).await.expect("exit")
    }
}

/// The process group id a command wrote to `pid_file` (`echo $$ > FILE` as
/// its first step): waits until it is there, which proves the command runs.
pub async fn started_group(pid_file: &std::path::Path) -> i32 {
    within(async {
        loop {
            if let Ok(text) = std::fs::read_to_string(pid_file)
                && let Ok(pid) = text.trim().parse()
            {
                return pid;
            }
            // A file appearing has no notification here: look again shortly.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
}

/// Waits until no live (non-zombie) process is left in process group
/// `pgid`; fails the test if one outlives the test limit.
pub async fn group_gone(pgid: i32) {
    within(async {
        while group_alive(pgid) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
}

fn group_alive(pgid: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …; comm may hold spaces, so split after ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[2].parse() == Ok(pgid)
    })
}

//! Responders in child processes of the same binary (`bench --processes`).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{Target, floor, library};
use crate::args::{BenchWorkerArgs, Cli};
use crate::exit::{self, Failure};

/// A running worker process; killed when dropped.
pub struct Worker {
    child: Child,
}

impl Worker {
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }
}

/// Starts `total` responders over `processes` child processes and waits
/// until every one of them is subscribed.
pub async fn spawn(
    cli: &Cli,
    target: &Target,
    total: usize,
    processes: usize,
    floor: bool,
) -> Result<Vec<Worker>, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::new(exit::REDIS_FAILED, format!("cannot find this binary: {e}")))?;
    let mut workers = Vec::new();
    for i in 0..processes {
        let count = total / processes + usize::from(i < total % processes);
        let mut cmd = Command::new(&exe);
        // The URL (and its password) goes through the environment, which
        // other local users cannot read, never through the command line.
        cmd.env("REDIS_URL", &target.url);
        if !target.cluster.is_empty() {
            cmd.env("REDIS_CLUSTER", target.cluster.join(","));
        }
        cmd.args(["--namespace", &target.namespace, "-q"])
            .arg("--connect-timeout")
            .arg(
                cli.connect_timeout
                    .0
                    .map_or("none".to_owned(), |d| d.as_secs_f64().to_string()),
            )
            .args(["bench-worker", "--responders", &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if floor {
            cmd.arg("--floor");
        } else if cli.trace {
            // The responders' handler spans: what tracing on costs them.
            cmd.arg("--trace");
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::new(exit::REDIS_FAILED, format!("cannot start a worker: {e}")))?;
        let stdout = child.stdout.take();
        workers.push((Worker { child }, stdout));
    }
    let mut ready = Vec::new();
    for (worker, stdout) in workers {
        let Some(stdout) = stdout else { continue };
        let mut lines = BufReader::new(stdout).lines();
        match tokio::time::timeout(Duration::from_secs(120), lines.next_line()).await {
            Ok(Ok(Some(line))) if line == "ready" => ready.push(worker),
            _ => {
                return Err(Failure::new(
                    exit::REDIS_FAILED,
                    "a bench worker did not get ready",
                ));
            }
        }
    }
    Ok(ready)
}

/// The child side: start the responders, say `ready`, run until stdin closes.
pub async fn worker(cli: &Cli, args: &BenchWorkerArgs) -> Result<u8, Failure> {
    super::measure::raise_file_limit();
    let target = Target {
        url: cli.redis.clone(),
        cluster: cli.redis_cluster.clone(),
        namespace: cli.namespace.clone().unwrap_or_default(),
        bus: None,
    };
    let _responders = if args.floor {
        floor::start_responders(&target, args.responders)
            .await
            .map_err(super::redis_failed)?
    } else {
        library::start_responders(&target, args.responders).await?
    };
    println!("ready");
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
    Ok(exit::SUCCESS)
}

//! `state-signals`: the protocol from the shell. Built on the library.

mod args;
mod bench;
mod escaped;
mod exec;
mod exit;
mod listen;
mod output;
mod progress;
mod respond;
mod run;
mod signals;
mod telemetry;
mod timeline;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use exit::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap's own exit code 2 would read as "some missing".
            let status = if error.use_stderr() { exit::USAGE } else { 0 };
            let _ = error.print();
            return ExitCode::from(status);
        }
    };
    let telemetry = telemetry::init(&cli);
    if let Command::BenchWorker(args) = &cli.command {
        return finish(bench::run_worker(&cli, args), &cli);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("state-signals: cannot start the async runtime: {error}");
            return ExitCode::from(exit::REDIS_FAILED);
        }
    };
    if let Some(addr) = cli.metrics_addr {
        let installed = runtime.block_on(async {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .with_http_listener(addr)
                .install()
        });
        if let Err(error) = installed {
            eprintln!("state-signals: cannot serve metrics on {addr}: {error}");
            return ExitCode::from(exit::USAGE);
        }
    }
    let outcome = runtime.block_on(async {
        match &cli.command {
            Command::Run(args) => run::run(&cli, args).await,
            Command::Respond(args) => respond::respond(&cli, args).await,
            Command::Listen(args) => listen::listen(&cli, args).await,
            Command::Bench(args) => bench::bench(&cli, args).await,
            Command::BenchWorker(_) => Ok(exit::SUCCESS),
        }
    });
    // Do not wait for background tasks (a responder's connection) to wind down.
    runtime.shutdown_background();
    telemetry.shutdown();
    finish(outcome, &cli)
}

fn finish(outcome: Result<u8, Failure>, cli: &Cli) -> ExitCode {
    match outcome {
        Ok(status) => ExitCode::from(status),
        Err(Failure {
            status,
            message,
            tls_material,
        }) => {
            // Name the file the TLS material came from.
            let file = match tls_material {
                Some("CA certificates") => cli.tls_ca.as_ref().map(|f| ("--tls-ca", f)),
                Some("client certificate") => cli.tls_cert.as_ref().map(|f| ("--tls-cert", f)),
                Some("client key") => cli.tls_key.as_ref().map(|f| ("--tls-key", f)),
                _ => None,
            };
            match file {
                Some((flag, path)) => {
                    eprintln!("state-signals: {message} ({flag} {})", path.display());
                }
                None => eprintln!("state-signals: {message}"),
            }
            ExitCode::from(status)
        }
    }
}

/// The connection options every command shares, built once from the
/// global flags.
fn connect_options(cli: &Cli) -> Result<state_signals::ConnectOptions, Failure> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("cannot read `{}`: {e}", path.display()),
            )
        })
    };
    let mut options = match (&cli.sentinel[..], &cli.master_name) {
        ([], _) if cli.redis_cluster.is_empty() => state_signals::ConnectOptions::url(&cli.redis),
        ([], _) => state_signals::ConnectOptions::cluster(&cli.redis_cluster),
        (sentinels, Some(master)) => {
            let urls = sentinels.iter().map(|s| {
                if s.contains("://") {
                    s.clone()
                } else {
                    format!("redis://{s}")
                }
            });
            let mut sentinel = state_signals::SentinelMaster::new(urls, master);
            if let Some(user) = &cli.master_user {
                sentinel = sentinel.user(user);
            }
            if let Some(password) = std::env::var_os("REDIS_MASTER_PASSWORD") {
                let password = password.into_string().map_err(|_| {
                    Failure::new(exit::USAGE, "REDIS_MASTER_PASSWORD is not valid UTF-8")
                })?;
                sentinel = sentinel.password(password);
            }
            state_signals::ConnectOptions::sentinel(sentinel)
        }
        (_, None) => {
            return Err(Failure::new(
                exit::USAGE,
                "--sentinel needs --master-name (the name the Sentinels monitor)",
            ));
        }
    };
    options = match cli.connect_timeout.0 {
        Some(timeout) => options.connect_timeout(timeout),
        None => options.no_connect_timeout(),
    };
    if let Some(namespace) = &cli.namespace {
        options = options.namespace(namespace);
    }
    if let Some(ca) = &cli.tls_ca {
        options = options.tls_ca_pem(read(ca)?);
    }
    if let (Some(cert), Some(key)) = (&cli.tls_cert, &cli.tls_key) {
        options = options.tls_client_pem(read(cert)?, read(key)?);
    }
    if cli.tls_insecure {
        tracing::warn!("--tls-insecure: the server's certificate is not checked");
        options = options.danger_accept_invalid_certs();
    }
    Ok(options)
}

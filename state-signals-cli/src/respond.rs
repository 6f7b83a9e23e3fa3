//! `state-signals respond`: a responder for shell scripts, on the library's serve loop.

use state_signals::{Handler, Ras, Reply, Signal, SignalResponder};
use tokio::sync::watch;

use crate::args::{Cli, RespondArgs};
use crate::exec::Exec;
use crate::exit::{self, Failure};
use crate::signals::Interrupted;

/// Answers each signal by running the command, or with the fixed reply.
struct Respond {
    exec: Option<Exec>,
    /// With `--exec`, the events that run it; other events are answered
    /// with success (so this is not a filter: they are still answered).
    events: Vec<String>,
    reply: Reply,
    stopping: watch::Receiver<bool>,
}

impl Handler for Respond {
    async fn on_signal(&mut self, signal: &Signal) -> Reply {
        let Some(exec) = &mut self.exec else {
            return self.reply.clone();
        };
        if !self.events.is_empty() && !self.events.contains(&signal.event) {
            return Reply::success();
        }
        exec.run(signal, &mut self.stopping).await
    }
}

pub async fn respond(cli: &Cli, args: &RespondArgs) -> Result<u8, Failure> {
    let mut builder = SignalResponder::builder()
        .options(crate::connect_options(cli)?)
        .keep_running(args.keep_running)
        .queue_capacity(args.queue);
    if let Some(id) = &args.id {
        builder = builder.responder_id(id);
    }
    if let Some(name) = &args.name {
        builder = builder.name(name);
    }
    if let Some(process) = &args.process {
        builder = builder.process_name(process);
    }
    if let Some(idle) = args.idle_timeout.0 {
        builder = builder.idle_timeout(idle);
    }
    let mut interrupted = Interrupted::install();
    let responder = tokio::select! {
        responder = builder.connect() => responder?,
        status = interrupted.recv() => return Err(Failure::new(status, "interrupted while connecting")),
    };
    if let Some(tag) = &args.lock_tag {
        responder.handle().lock_tag(tag);
    }
    tracing::info!(responder_id = responder.responder_id(), "responding");

    let (stop_tx, stopping) = watch::channel(false);
    tokio::spawn(async move {
        interrupted.recv().await;
        let _ = stop_tx.send(true);
    });
    let reply = Reply::from(Ras::new(args.ras));
    let handler = Respond {
        exec: args.exec.as_ref().map(|command| Exec {
            command: command.clone(),
            timeout: args.exec_timeout.0,
            last_metadata: None,
        }),
        events: args.events.clone(),
        reply: match &args.message {
            Some(message) => reply.with_message(message),
            None => reply,
        },
        stopping: stopping.clone(),
    };
    let mut stop = stopping;
    responder
        .serve_until(handler, async move {
            let _ = stop.wait_for(|stop| *stop).await;
        })
        .await?;
    Ok(exit::SUCCESS)
}

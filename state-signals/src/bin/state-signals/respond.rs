//! `state-signals respond`: a responder for shell scripts, on the typed serve loop.

use state_signals::{
    DecodeError, Dispatch, Metadata, Ras, Reply, Signal, SignalEvents, SignalResponder,
};
use tokio::sync::watch;

use crate::args::{Cli, RespondArgs};
use crate::exec::Exec;
use crate::exit::{self, Failure};
use crate::signals::interrupted;

/// Every event: the CLI's events are not known at compile time.
struct AnyEvent;

impl SignalEvents for AnyEvent {
    const EVENTS: &'static [&'static str] = &[];

    fn event_name(&self) -> &'static str {
        ""
    }

    fn to_metadata(&self) -> state_signals::Result<Option<Metadata>> {
        Ok(None)
    }

    fn from_signal(_: &Signal) -> Result<Self, DecodeError> {
        Ok(Self)
    }
}

/// Answers each signal by running the command, or with the fixed reply.
struct Handler {
    exec: Option<Exec>,
    events: Vec<String>,
    reply: Reply,
    stopping: watch::Receiver<bool>,
}

impl Handler {
    async fn handle(&mut self, signal: &Signal) -> Reply {
        let Some(exec) = &self.exec else {
            return self.reply.clone();
        };
        if !self.events.is_empty() && !self.events.contains(&signal.event) {
            return Reply::success();
        }
        exec.run(signal, &mut self.stopping).await
    }
}

impl Dispatch<Handler> for AnyEvent {
    async fn dispatch(self, handler: &mut Handler, signal: &Signal) -> Reply {
        handler.handle(signal).await
    }

    async fn subscribe(_: &mut Handler, _: &Signal) -> bool {
        true
    }

    async fn unknown_event(handler: &mut Handler, signal: &Signal) -> Reply {
        handler.handle(signal).await
    }

    async fn decode_error(handler: &mut Handler, _: DecodeError, signal: &Signal) -> Reply {
        handler.handle(signal).await
    }

    async fn shutdown(_: &mut Handler, _: &Signal) {}
}

pub async fn respond(cli: &Cli, args: &RespondArgs) -> Result<u8, Failure> {
    let mut builder = crate::connect!(SignalResponder::builder(), cli);
    if let Some(id) = &args.id {
        builder = builder.responder_id(id);
    }
    if let Some(name) = &args.name {
        builder = builder.name(name);
    }
    let mut typed = builder.typed::<AnyEvent>().keep_running(args.keep_running);
    if let Some(process) = &args.process {
        typed = typed.process_name(process);
    }
    let responder = typed.connect().await?;
    if let Some(tag) = &args.lock_tag {
        responder.responder().lock_tag(tag);
    }
    tracing::info!(
        responder_id = responder.responder().responder_id(),
        "responding"
    );

    let (stop_tx, stopping) = watch::channel(false);
    tokio::spawn(async move {
        interrupted().await;
        let _ = stop_tx.send(true);
    });
    let reply = Reply::from(Ras::new(args.ras));
    let handler = Handler {
        exec: args.exec.as_ref().map(|command| Exec {
            command: command.clone(),
            timeout: args.exec_timeout.0,
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

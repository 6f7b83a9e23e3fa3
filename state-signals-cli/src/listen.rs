//! `state-signals listen`: every signal (and response) as a line.

use serde_json::json;
use state_signals::{Observed, Response, Signal, SignalMonitor};

use crate::escaped::Escaped;

use crate::args::{Cli, Format, ListenArgs};
use crate::exit::{self, Failure};
use crate::output::print_line;
use crate::signals::Interrupted;

pub async fn listen(cli: &Cli, args: &ListenArgs) -> Result<u8, Failure> {
    let mut builder = SignalMonitor::builder()
        .options(crate::connect_options(cli)?)
        .responses(args.responses);
    if let Some(id) = &args.lock_id {
        builder = builder.lock_id(id);
    }
    if let Some(tag) = &args.lock_tag {
        builder = builder.lock_tag(tag);
    }
    let mut interrupted = Interrupted::install();
    let mut monitor = tokio::select! {
        monitor = builder.connect() => monitor?,
        status = interrupted.recv() => return Err(Failure::new(status, "interrupted while connecting")),
    };
    let mut printed = 0;
    let mut stop = std::pin::pin!(interrupted.recv());
    while args.count.is_none_or(|count| printed < count) {
        let seen = tokio::select! {
            seen = monitor.recv() => seen,
            _ = &mut stop => None,
        };
        let Some(seen) = seen else { break };
        match (&seen, args.format) {
            (Observed::Signal(signal), Format::Json) => print_line(&json!({ "signal": signal })),
            (Observed::Response(response), Format::Json) => {
                print_line(&json!({ "response": response }))
            }
            (Observed::Signal(signal), Format::Text) => println!("{}", signal_text(signal)),
            (Observed::Response(response), Format::Text) => println!("{}", response_text(response)),
            _ => continue,
        }
        printed += 1;
    }
    Ok(exit::SUCCESS)
}

fn now() -> humantime::Rfc3339Timestamp {
    humantime::format_rfc3339_millis(std::time::SystemTime::now())
}

/// Every remote string is escaped: a payload cannot drive the terminal.
fn signal_text(s: &Signal) -> String {
    let mut line = format!(
        "{} signal   {} from {} (process {}, host {}, sample {}, tag \"{}\")",
        now(),
        Escaped(&s.event),
        Escaped(&s.publisher_id),
        Escaped(&s.process_name),
        Escaped(&s.runner_host),
        s.sample_no,
        Escaped(&s.tag)
    );
    if let Some(metadata) = &s.metadata {
        line.push_str(&format!(
            " metadata {}",
            serde_json::Value::Object(metadata.clone())
        ));
    }
    line
}

fn response_text(r: &Response) -> String {
    let ras = r.ras.map_or_else(|| "-".to_owned(), |ras| ras.to_string());
    let mut line = format!(
        "{} response {} from {} to {}: ras {ras}",
        now(),
        Escaped(&r.event),
        Escaped(&r.responder_id),
        Escaped(&r.publisher_id)
    );
    if let Some(message) = &r.message {
        line.push_str(&format!(" \"{}\"", Escaped(message)));
    }
    line
}

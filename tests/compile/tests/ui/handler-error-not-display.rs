// The handlers' error type must print as the failure message.
use state_signals::{Reply, Signal, SignalEvents};

#[derive(Debug)]
struct Opaque;

#[derive(SignalEvents)]
#[signal(error = "Opaque")]
enum Tool {
    Start,
}

struct Collector;

impl ToolHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Result<Reply, Opaque> {
        Err(Opaque)
    }
}

fn main() {}

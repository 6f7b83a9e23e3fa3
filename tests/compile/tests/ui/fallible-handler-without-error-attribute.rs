// A handler method returns `Result` but the enum has no `#[signal(error = "…")]`.
use state_signals::{Reply, Signal, SignalEvents};

#[derive(SignalEvents)]
enum Tool {
    Start,
}

struct Collector;

impl ToolHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Result<Reply, std::io::Error> {
        Ok(Reply::success())
    }
}

fn main() {}

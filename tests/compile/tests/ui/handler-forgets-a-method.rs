use state_signals::{Reply, Signal, SignalEvents};

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    Stop,
}

struct Collector;

impl BenchmarkHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }
}

fn main() {}

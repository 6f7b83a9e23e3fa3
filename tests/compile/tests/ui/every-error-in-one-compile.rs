use state_signals::{Reply, Signal, SignalEvents};

// Three mistakes, three errors, and no knock-on error in the impl below.
#[derive(SignalEvents)]
#[signal(rename_all = "Kebab")]
enum Benchmark {
    Start,
    #[signal(rename = "")]
    Stop,
    #[signal(rename = "initialization")]
    Init,
}

struct Collector;

impl BenchmarkHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }
    async fn on_stop(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }
    async fn on_init(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }
}

fn main() {}

use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[signal(rename_all = "lowercase")]
enum Benchmark {
    Start,
    ShutDown,
}

fn main() {}

use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    Shutdown,
}

fn main() {}

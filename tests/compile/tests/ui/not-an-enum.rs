use state_signals::SignalEvents;

#[derive(SignalEvents)]
struct Benchmark {
    start: bool,
}

fn main() {}

use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    Sample { iteration: u32, signal: String },
}

fn main() {}

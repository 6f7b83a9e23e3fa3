use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    Sample(u32, String),
}

fn main() {}

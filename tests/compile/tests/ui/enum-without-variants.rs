use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {}

fn main() {}

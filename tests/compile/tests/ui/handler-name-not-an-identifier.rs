use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[signal(handler = "Benchmark Handler")]
enum Benchmark {
    Start,
}

fn main() {}

use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    #[signal(name = "go")]
    Start,
}

fn main() {}

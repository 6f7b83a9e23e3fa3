use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    #[signal(rename = "")]
    Start,
}

fn main() {}

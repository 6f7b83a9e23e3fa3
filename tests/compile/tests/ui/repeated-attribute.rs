use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    #[signal(rename = "go")]
    #[signal(rename = "start")]
    Start,
}

fn main() {}

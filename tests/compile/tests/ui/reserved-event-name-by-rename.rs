use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    #[signal(rename = "initialization")]
    Init,
}

fn main() {}

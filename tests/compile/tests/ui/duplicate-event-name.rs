use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    #[signal(rename = "benchmark-stop")]
    Stop,
    #[signal(rename = "benchmark-stop")]
    Halt,
}

fn main() {}

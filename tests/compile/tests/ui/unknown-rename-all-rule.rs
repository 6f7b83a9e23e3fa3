use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[signal(rename_all = "kebab")]
enum Benchmark {
    Start,
}

fn main() {}

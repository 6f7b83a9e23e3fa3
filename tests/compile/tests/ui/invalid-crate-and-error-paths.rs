use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[signal(crate = "not a path", error = "Box<dyn")]
enum Tool {
    Start,
}

fn main() {}

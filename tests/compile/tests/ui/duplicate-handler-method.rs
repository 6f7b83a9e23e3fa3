use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[allow(non_camel_case_types)]
enum Benchmark {
    HttpStart,
    #[signal(rename = "http-start-2")]
    HTTPStart,
}

fn main() {}

use state_signals::{SignalEvents, SignalExporter};

#[derive(SignalEvents)]
enum Benchmark {
    Start,
}

#[derive(SignalEvents)]
enum Deploy {
    Start,
}

async fn run() -> state_signals::Result<()> {
    let exporter = SignalExporter::builder("b").typed::<Benchmark>().connect().await?;
    exporter.publish(Deploy::Start).await?;
    Ok(())
}

fn main() {
    let _ = run();
}

//! `#[derive(SignalEvents)]` where the library is a dependency named
//! `signals`: `#[signal(crate = "signals")]` makes the generated code use
//! that path (there is no `state_signals` crate in scope here).

use signals::{Reply, Signal, SignalEvents};

/// Events of a tool, with a renamed key and a newtype payload.
#[derive(SignalEvents, Debug, PartialEq)]
#[signal(crate = "signals", error = "std::num::ParseIntError")]
pub enum Tool {
    /// Starts the tool.
    Start {
        /// Travels as `blockSize`.
        #[serde(rename = "blockSize")]
        block_size: u32,
    },
    /// A sample, its payload a struct.
    Sample(Sample),
}

/// A newtype variant's payload.
#[derive(
    Debug, PartialEq, signals::__private::serde::Serialize, signals::__private::serde::Deserialize,
)]
#[serde(crate = "signals::__private::serde")]
pub struct Sample {
    /// The iteration.
    pub iteration: String,
}

/// A handler of [`Tool`].
pub struct Collector;

impl ToolHandler for Collector {
    async fn on_start(
        &mut self,
        block_size: u32,
        _signal: &Signal,
    ) -> Result<Reply, std::num::ParseIntError> {
        Ok(Reply::success().with_message(format!("block size {block_size}")))
    }

    async fn on_sample(
        &mut self,
        payload: Sample,
        _signal: &Signal,
    ) -> Result<Reply, std::num::ParseIntError> {
        let n: u32 = payload.iteration.parse()?;
        Ok(Reply::success().with_message(format!("sample {n}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signals::Dispatch;

    #[tokio::test]
    async fn the_derive_works_through_a_renamed_crate() {
        let start = Tool::Start { block_size: 4096 };
        let metadata = start.to_metadata().unwrap().unwrap();
        assert_eq!(metadata["blockSize"], 4096);
        let signal = start.to_signal().unwrap();
        assert_eq!(Tool::from_signal(&signal).unwrap(), start);
        let reply = Tool::reply_to(&mut Collector, &signal).await;
        assert_eq!(reply.message(), Some("block size 4096"));
        let bad = Tool::Sample(Sample {
            iteration: "x".into(),
        })
        .to_signal()
        .unwrap();
        let reply = Tool::reply_to(&mut Collector, &bad).await;
        assert_eq!(reply.message(), Some("invalid digit found in string"));
    }
}

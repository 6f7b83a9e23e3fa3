//! Locks: the publisher-id and tag filters of responders and monitors.

use crate::protocol::{Response, Signal};

#[derive(Debug, Default, Clone)]
pub(crate) struct Locks {
    pub(crate) publisher_id: Option<String>,
    pub(crate) tag: Option<String>,
}

impl Locks {
    /// Whether `signal` passes both locks (an unset lock passes everything).
    pub(crate) fn admit(&self, signal: &Signal) -> bool {
        self.publisher_id
            .as_ref()
            .is_none_or(|id| *id == signal.publisher_id)
            && self.tag.as_ref().is_none_or(|tag| *tag == signal.tag)
    }

    /// Whether `response` passes the publisher-id lock (responses carry no tag).
    pub(crate) fn admit_response(&self, response: &Response) -> bool {
        self.publisher_id
            .as_ref()
            .is_none_or(|id| *id == response.publisher_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_filter_by_id_and_tag() {
        let mut signal = Signal::new("e").with_publisher_id("p-1");
        signal.tag = "t".into();
        let mut locks = Locks::default();
        assert!(locks.admit(&signal));
        locks.publisher_id = Some("p-2".into());
        assert!(!locks.admit(&signal));
        locks.publisher_id = Some("p-1".into());
        locks.tag = Some("other".into());
        assert!(!locks.admit(&signal));
        locks.tag = Some("t".into());
        assert!(locks.admit(&signal));
        let mut response = Response::new("e")
            .with_responder_id("r")
            .with_publisher_id("p-1");
        assert!(
            locks.admit_response(&response),
            "the tag lock does not apply"
        );
        response.publisher_id = "p-2".into();
        assert!(!locks.admit_response(&response));
    }
}

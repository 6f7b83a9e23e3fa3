//! The guides: everything the front page leaves out, with their examples
//! compiled as doctests. Modules of documentation only; they hold no items.

pub mod api {
    #![doc = include_str!("../docs/api.md")]
}

pub mod connections {
    #![doc = include_str!("../docs/connections.md")]
}

pub mod guarantees {
    #![doc = include_str!("../docs/guarantees.md")]
}

pub mod observing {
    #![doc = include_str!("../docs/observing.md")]
}

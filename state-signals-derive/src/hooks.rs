//! The provided hooks of the generated handler trait: the one table the
//! trait, its `Dispatch` impl, the fallback stubs and validation are
//! generated from. Its mirror is the runtime's `Dispatch` trait.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Path};

/// One provided hook: `fn <method>(&mut self, <params>, signal: &Signal) -> <output>`
/// in the handler trait, forwarded by `Dispatch::<dispatch>`.
pub(crate) struct Hook {
    /// The handler trait's method.
    pub(crate) method: &'static str,
    /// The `Dispatch` method that forwards to it.
    pub(crate) dispatch: &'static str,
    /// Its doc comment.
    doc: &'static str,
    /// Its parameters, output and provided body.
    signature: fn(&Path) -> Signature,
}

/// The hooks, in the order they are declared.
pub(crate) const HOOKS: [Hook; 4] = [
    Hook {
        method: "on_subscribe",
        dispatch: "subscribe",
        signature: subscribe,
        doc: "Whether to subscribe to the exporter that sent this `initialization` \
              (called once per exporter); default: yes.",
    },
    Hook {
        method: "on_unknown_event",
        dispatch: "unknown_event",
        signature: unknown_event,
        doc: "The reply to an event that is not a variant; default: a failure naming the event.",
    },
    Hook {
        method: "on_decode_error",
        dispatch: "decode_error",
        signature: decode_error,
        doc: "The reply to a signal whose metadata does not decode into the variant's payload; \
              default: a failure naming the field.",
    },
    Hook {
        method: "on_shutdown",
        dispatch: "shutdown",
        signature: shutdown,
        doc: "Called on `shutdown` from a subscribed exporter; default: nothing.",
    },
];

/// A hook's signature pieces, with the runtime crate's path.
pub(crate) struct Signature {
    /// Parameters before `signal` (names and types).
    pub(crate) params: Vec<(Ident, TokenStream)>,
    /// The future's output.
    pub(crate) output: TokenStream,
    /// The provided body (a future) in the handler trait.
    pub(crate) default: TokenStream,
}

impl Hook {
    pub(crate) fn method(&self) -> Ident {
        format_ident!("{}", self.method)
    }

    pub(crate) fn dispatch(&self) -> Ident {
        format_ident!("{}", self.dispatch)
    }

    pub(crate) fn doc(&self) -> &'static str {
        self.doc
    }

    pub(crate) fn signature(&self, krate: &Path) -> Signature {
        (self.signature)(krate)
    }
}

fn subscribe(_: &Path) -> Signature {
    Signature {
        params: Vec::new(),
        output: quote!(bool),
        default: quote!({
            let _ = signal;
            ::core::future::ready(true)
        }),
    }
}

fn unknown_event(krate: &Path) -> Signature {
    Signature {
        params: Vec::new(),
        output: quote!(#krate::Reply),
        default: quote!(::core::future::ready(#krate::__private::unknown_event_reply(signal))),
    }
}

fn decode_error(krate: &Path) -> Signature {
    Signature {
        params: vec![(format_ident!("error"), quote!(#krate::DecodeError))],
        output: quote!(#krate::Reply),
        default: quote!({
            let _ = signal;
            ::core::future::ready(#krate::__private::decode_error_reply(error))
        }),
    }
}

fn shutdown(_: &Path) -> Signature {
    Signature {
        params: Vec::new(),
        output: quote!(()),
        default: quote!({
            let _ = signal;
            ::core::future::ready(())
        }),
    }
}

/// Whether `name` is a hook's method.
pub(crate) fn is_hook(name: &str) -> bool {
    HOOKS.iter().any(|hook| hook.method == name)
}

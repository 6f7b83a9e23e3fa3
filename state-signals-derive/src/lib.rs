//! `#[derive(SignalEvents)]` for [`state-signals`](https://docs.rs/state-signals):
//! an enum's variants become an exporter's legal events, and a handler trait
//! with one async method per variant is generated for responders. Publishing
//! an event that does not exist, misspelling one, or forgetting to handle one
//! is a compile error.
//!
//! Use it through `state_signals::SignalEvents` (the `derive` feature, on by
//! default).

use proc_macro::TokenStream;

mod attr;
mod case;
mod expand;
mod fallback;
mod handler;
mod hooks;
mod parse;
mod payload;
mod serde_attrs;
mod validate;

/// Derives `state_signals::SignalEvents`, a handler trait and
/// `state_signals::Dispatch` for an event enum.
///
/// The example, tested, is on
/// [`state_signals::SignalEvents`](https://docs.rs/state-signals/latest/state_signals/derive.SignalEvents.html)
/// (this crate cannot depend on the runtime crate, even for its tests).
///
/// # Attributes
///
/// | where | attribute | meaning | default |
/// | --- | --- | --- | --- |
/// | enum | `#[signal(rename_all = "…")]` | rule turning variant names into wire names: `kebab-case`, `snake_case`, `lowercase`, `UPPERCASE`, `SCREAMING-KEBAB-CASE`, `SCREAMING_SNAKE_CASE`, `camelCase`, `PascalCase` (words split as the `heck` crate does: `HTTPStart` → `http-start`, `Sample2` → `sample2`) | `kebab-case` |
/// | enum | `#[signal(handler = "Name")]` | the name of the generated handler trait | `<Enum>Handler` |
/// | enum | `#[signal(error = "Type")]` | handler methods return `Result<Reply, Type>`; an `Err` is answered as a failure whose message is its `Display` (`{:#}`) | methods return `Reply` |
/// | enum | `#[signal(crate = "path")]` | the path of the `state-signals` crate, when it is a renamed dependency | `::state_signals` |
/// | variant | `#[signal(rename = "…")]` | the variant's wire name, any characters (`pbench.tool.start`) | from `rename_all` |
/// | variant | `#[serde(rename_all = "…")]` | serde's rule for the variant's metadata keys | field names |
/// | field | `#[serde(…)]` | any serde field attribute (`rename`, `default`, `alias`, `with`, `skip_serializing_if`, `flatten` …), applied to the metadata | — |
///
/// # Payloads
///
/// A variant with named fields travels as the metadata object serde would
/// make of a struct with those fields and their `#[serde]` attributes; a
/// newtype variant `Sample(SampleData)` travels as `SampleData`'s object
/// (the handler method receives the `SampleData`). serde does the work:
/// the derive generates a hidden mirror of the enum
/// (`#[serde(untagged, remote = "Enum")]`, serializing borrowed values) and
/// an owned struct per variant for decoding, both carrying your attributes.
///
/// # Generated items
///
/// - `impl SignalEvents for Enum`: `EVENTS` (the wire names in declaration
///   order), `event_name(&self)`, and the provided `event_index(name)` and
///   `from_event_name(name)` (name ⇄ variant), `to_metadata(&self)`
///   (the payload as a JSON object, serialized with serde; `None` for a unit
///   variant), `to_signal(&self)`, and `from_signal(&Signal)` (decodes the
///   payload as `#[derive(Deserialize)]` would: extra keys ignored, a
///   missing `Option` field is `None`, `r#type` is the key `"type"`).
/// - `trait <Enum>Handler: Send`, with the enum's visibility: for each
///   variant `fn on_<snake_case variant>(&mut self, <fields…>, signal: &Signal)
///   -> impl Future<Output = Reply> + Send` (implement it with `async fn`;
///   a newtype variant's method takes `payload: SampleData`), and
///   the provided hooks `on_subscribe` (→ `bool`, default `true`),
///   `on_unknown_event` and `on_decode_error` (→ a failure `Reply` naming the
///   event or field) and `on_shutdown`.
/// - `impl<H: <Enum>Handler> Dispatch<H> for Enum`: the glue the typed
///   responder's `serve` calls.
///
/// # Rejected at compile time
///
/// Not an enum; no variants; generic enums (and lifetimes); tuple variants
/// with more than one field; a wire name
/// `initialization` or `shutdown` (reserved for the exporter); two variants
/// with the same wire name or the same handler method; a handler method
/// named like a hook; a field named `signal`; an empty `rename`; an unknown
/// attribute key or `rename_all` rule; a repeated attribute; a `crate` or
/// `error` that is not a path or a type; payload types that are not
/// `Serialize + DeserializeOwned` (the first error names the type and points
/// at the field; fields with `#[serde(with | skip …)]` are exempt). Every
/// error is reported in one compile, spanned on the offending token.
#[proc_macro_derive(SignalEvents, attributes(signal, serde))]
pub fn derive_signal_events(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(input).into()
}

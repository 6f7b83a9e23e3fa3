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
mod parse;
mod validate;

/// Derives `state_signals::SignalEvents`, a handler trait and
/// `state_signals::Dispatch` for an event enum.
///
/// ```
/// use state_signals::{Reply, Ras, Signal, SignalEvents};
///
/// #[derive(SignalEvents, Debug, Clone, PartialEq)]
/// enum Benchmark {
///     Start,                                   // wire name "start"
///     #[signal(rename = "benchmark-stop")]
///     Stop,
///     Sample { iteration: u32, host: String }, // fields travel in `metadata`
/// }
///
/// struct Collector;
/// impl BenchmarkHandler for Collector {
///     async fn on_start(&mut self, _signal: &Signal) -> Reply { Ras::SUCCESS.into() }
///     async fn on_stop(&mut self, _signal: &Signal) -> Reply { Reply::failure("disk full") }
///     async fn on_sample(&mut self, iteration: u32, host: String, _signal: &Signal) -> Reply {
///         Reply::success().with_message(format!("sample {iteration} from {host}"))
///     }
/// }
///
/// assert_eq!(Benchmark::EVENTS, ["start", "benchmark-stop", "sample"]);
/// let metadata = Benchmark::Sample { iteration: 1, host: "a".into() }.to_metadata().unwrap();
/// assert_eq!(metadata.unwrap()["iteration"], 1);
/// ```
///
/// # Attributes
///
/// | where | attribute | meaning | default |
/// | --- | --- | --- | --- |
/// | enum | `#[signal(rename_all = "…")]` | rule turning variant names into wire names: `kebab-case`, `snake_case`, `lowercase`, `UPPERCASE`, `SCREAMING-KEBAB-CASE`, `SCREAMING_SNAKE_CASE`, `camelCase`, `PascalCase` (words split as the `heck` crate does: `HTTPStart` → `http-start`, `Sample2` → `sample2`) | `kebab-case` |
/// | enum | `#[signal(handler = "Name")]` | the name of the generated handler trait | `<Enum>Handler` |
/// | variant | `#[signal(rename = "…")]` | the variant's wire name, any characters (`pbench.tool.start`) | from `rename_all` |
///
/// # Generated items
///
/// - `impl SignalEvents for Enum`: `EVENTS` (the wire names in declaration
///   order), `event_name(&self)`, and the provided `event_index(name)` and
///   `from_event_name(name)` (name ⇄ variant), `to_metadata(&self)`
///   (the fields as a JSON object, serialized with serde; `None` for a unit
///   variant) and `from_signal(&Signal)` (decodes the fields as
///   `#[derive(Deserialize)]` would: extra keys ignored, a missing `Option`
///   field is `None`, `r#type` is the key `"type"`).
/// - `trait <Enum>Handler: Send`, with the enum's visibility: for each
///   variant `fn on_<snake_case variant>(&mut self, <fields…>, signal: &Signal)
///   -> impl Future<Output = Reply> + Send` (implement it with `async fn`), and
///   the provided hooks `on_subscribe` (→ `bool`, default `true`),
///   `on_unknown_event` and `on_decode_error` (→ a failure `Reply` naming the
///   event or field) and `on_shutdown`.
/// - `impl<H: <Enum>Handler> Dispatch<H> for Enum`: the glue the typed
///   responder's `serve` calls.
///
/// # Rejected at compile time
///
/// Not an enum; no variants; generic enums; tuple variants; a wire name
/// `initialization` or `shutdown` (reserved for the exporter); two variants
/// with the same wire name or the same handler method; a handler method
/// named like a hook; a field named `signal`; an empty `rename`; an unknown
/// attribute key or `rename_all` rule; a repeated attribute; field types
/// that are not `Serialize + DeserializeOwned`. Every error is reported in
/// one compile, spanned on the offending token.
#[proc_macro_derive(SignalEvents, attributes(signal))]
pub fn derive_signal_events(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(input).into()
}

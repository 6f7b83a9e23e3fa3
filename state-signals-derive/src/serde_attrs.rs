//! The `#[serde(...)]` attributes the derive carries over to the payload
//! types it generates: all of a field's, and a variant's `rename_all`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, LitStr, Token};

/// The attribute's name.
const SERDE: &str = "serde";
/// Field keys that make serde encode the field some other way than through
/// its type's own `Serialize`/`Deserialize` (or not at all): its type then
/// need not be serde.
const CODEC_KEYS: [&str; 6] = [
    "with",
    "serialize_with",
    "deserialize_with",
    "skip",
    "skip_serializing",
    "skip_deserializing",
];

/// A field's `#[serde(...)]` attributes, and whether one of them gives the
/// field its own codec.
pub(crate) fn field(attrs: &[Attribute]) -> (Vec<Attribute>, bool) {
    let serde: Vec<Attribute> = attrs
        .iter()
        .filter(|a| a.path().is_ident(SERDE))
        .cloned()
        .collect();
    let mut codec = false;
    for attr in &serde {
        // A malformed attribute is reported by serde's derive on the payload type.
        let _ = attr.parse_nested_meta(|meta| {
            if CODEC_KEYS.iter().any(|key| meta.path.is_ident(key)) {
                codec = true;
            }
            skip_value(&meta)
        });
    }
    (serde, codec)
}

/// The `rename_all = "…"` (or `rename_all(serialize = …, deserialize = …)`)
/// of a variant's `#[serde(...)]`, as tokens to put in another `#[serde]`.
pub(crate) fn variant_rename_all(attrs: &[Attribute]) -> Option<TokenStream> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(SERDE)) {
        let _ = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("rename_all") {
                return skip_value(&meta);
            }
            if meta.input.peek(Token![=]) {
                let lit: LitStr = meta.value()?.parse()?;
                found = Some(quote!(rename_all = #lit));
            } else {
                let content;
                syn::parenthesized!(content in meta.input);
                let tokens: TokenStream = content.parse()?;
                found = Some(quote!(rename_all(#tokens)));
            }
            Ok(())
        });
    }
    found
}

/// Skips a key's value (`= expr` or `(…)`), so the keys after it are read.
pub(crate) fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

//! The `#[signal(...)]` attribute grammar.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Path, Type};

use crate::case::RenameRule;

/// The attribute's name.
pub(crate) const SIGNAL: &str = "signal";
/// Enum key: the rule that turns variant names into wire names.
pub(crate) const RENAME_ALL: &str = "rename_all";
/// Enum key: the name of the generated handler trait.
pub(crate) const HANDLER: &str = "handler";
/// Enum key: the path of the `state-signals` crate, when renamed.
pub(crate) const CRATE: &str = "crate";
/// Enum key: the error type of fallible handler methods.
pub(crate) const ERROR: &str = "error";
/// Variant key: the variant's wire name.
pub(crate) const RENAME: &str = "rename";

/// `#[signal(...)]` on the enum.
#[derive(Default)]
pub(crate) struct EnumAttrs {
    pub(crate) rename_all: Option<(RenameRule, LitStr)>,
    pub(crate) handler: Option<Ident>,
    /// `crate = "…"`: the path the generated code names the runtime crate by.
    pub(crate) krate: Option<Path>,
    /// `error = "…"`: handler methods return `Result<Reply, Error>`.
    pub(crate) error: Option<Type>,
}

/// `#[signal(...)]` on a variant.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    pub(crate) rename: Option<LitStr>,
}

pub(crate) fn enum_attrs(attrs: &[Attribute], errors: &mut Vec<syn::Error>) -> EnumAttrs {
    let mut out = EnumAttrs::default();
    let mut seen = Seen::default();
    for_each_key(attrs, errors, |meta, errors| {
        if meta.path.is_ident(RENAME_ALL) {
            let lit: LitStr = meta.value()?.parse()?;
            seen.check(RENAME_ALL, meta, errors);
            match RenameRule::from_name(&lit.value()) {
                Some(rule) => out.rename_all = Some((rule, lit)),
                None => errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "unknown `rename_all` rule `{}`; expected one of {}",
                        lit.value(),
                        RenameRule::expected()
                    ),
                )),
            }
        } else if meta.path.is_ident(HANDLER) {
            let lit: LitStr = meta.value()?.parse()?;
            seen.check(HANDLER, meta, errors);
            match syn::parse_str::<Ident>(&lit.value()) {
                Ok(ident) => out.handler = Some(Ident::new(&ident.to_string(), lit.span())),
                Err(_) => errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`handler` must name a trait with a Rust identifier, like `\"CollectorHandler\"`, not `{:?}`",
                        lit.value()
                    ),
                )),
            }
        } else if meta.path.is_ident(CRATE) {
            let lit: LitStr = meta.value()?.parse()?;
            seen.check(CRATE, meta, errors);
            match lit.parse::<Path>() {
                Ok(path) => out.krate = Some(path),
                Err(_) => errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`crate` must be the path of the state-signals crate, like `\"::signals\"`, not `{:?}`",
                        lit.value()
                    ),
                )),
            }
        } else if meta.path.is_ident(ERROR) {
            let lit: LitStr = meta.value()?.parse()?;
            seen.check(ERROR, meta, errors);
            match lit.parse::<Type>() {
                Ok(ty) => out.error = Some(ty),
                Err(_) => errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`error` must be the error type of the handler methods, like `\"anyhow::Error\"`, not `{:?}`",
                        lit.value()
                    ),
                )),
            }
        } else {
            unknown_key(
                meta,
                &[RENAME_ALL, HANDLER, CRATE, ERROR],
                "on an enum",
                errors,
            )?;
        }
        Ok(())
    });
    out
}

pub(crate) fn variant_attrs(attrs: &[Attribute], errors: &mut Vec<syn::Error>) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    let mut seen = Seen::default();
    for_each_key(attrs, errors, |meta, errors| {
        if meta.path.is_ident(RENAME) {
            let lit: LitStr = meta.value()?.parse()?;
            seen.check(RENAME, meta, errors);
            out.rename = Some(lit);
        } else {
            unknown_key(meta, &[RENAME], "on a variant", errors)?;
        }
        Ok(())
    });
    out
}

/// Rejects `#[signal]` where it has no meaning (on fields).
pub(crate) fn no_attrs(attrs: &[Attribute], place: &str, errors: &mut Vec<syn::Error>) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(SIGNAL)) {
        errors.push(syn::Error::new_spanned(
            attr,
            format!("`#[signal(...)]` has no keys {place}; put it on the enum or a variant"),
        ));
    }
}

/// Calls `f` for every key of every `#[signal(...)]`; syntax errors are collected.
fn for_each_key(
    attrs: &[Attribute],
    errors: &mut Vec<syn::Error>,
    mut f: impl FnMut(&ParseNestedMeta<'_>, &mut Vec<syn::Error>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(SIGNAL)) {
        let mut found = Vec::new();
        if let Err(e) = attr.parse_nested_meta(|meta| f(&meta, &mut found)) {
            found.push(e);
        }
        errors.append(&mut found);
    }
}

fn unknown_key(
    meta: &ParseNestedMeta<'_>,
    expected: &[&str],
    place: &str,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<()> {
    let name = meta
        .path
        .get_ident()
        .map_or_else(|| "?".to_owned(), Ident::to_string);
    let expected = match expected {
        [only] => format!("`{only}`"),
        many => format!(
            "one of {}",
            many.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    errors.push(meta.error(format!(
        "unknown `signal` attribute `{name}` {place}; expected {expected}"
    )));
    // Skip its value so the keys after it are still read.
    crate::serde_attrs::skip_value(meta)
}

/// Which keys one item already had, to report repeats.
#[derive(Default)]
struct Seen(Vec<&'static str>);

impl Seen {
    fn check(
        &mut self,
        key: &'static str,
        meta: &ParseNestedMeta<'_>,
        errors: &mut Vec<syn::Error>,
    ) {
        if self.0.contains(&key) {
            errors.push(syn::Error::new(
                span_of(meta),
                format!("duplicate `{key}` attribute; give it once"),
            ));
        } else {
            self.0.push(key);
        }
    }
}

fn span_of(meta: &ParseNestedMeta<'_>) -> Span {
    meta.path
        .get_ident()
        .map_or_else(Span::call_site, Ident::span)
}

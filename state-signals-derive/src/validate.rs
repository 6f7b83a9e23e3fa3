//! Every legality rule, all errors collected; produces the plan expand uses.

use std::collections::HashMap;

use syn::spanned::Spanned;
use syn::{Ident, Path, Type};

use crate::case::{RenameRule, method_name};
use crate::hooks;
use crate::parse::{Enum, Shape, Variant};

/// The events published by `SignalExporter::initialize` and `shutdown`.
const RESERVED: [(&str, &str); 2] = [
    ("initialization", "SignalExporter::initialize"),
    ("shutdown", "SignalExporter::shutdown"),
];
/// The name of the handler methods' signal parameter.
pub(crate) const CONTEXT_PARAM: &str = "signal";

/// What expand generates from: the enum and, per variant, its names.
pub(crate) struct Plan<'a> {
    pub(crate) input: &'a Enum,
    pub(crate) handler: Ident,
    /// The runtime crate's path (`::state_signals` unless renamed).
    pub(crate) krate: Path,
    /// The handler methods' error type, when they are fallible.
    pub(crate) error: Option<&'a Type>,
    /// Variants whose wire and method names are unique, in declaration order.
    pub(crate) variants: Vec<PlannedVariant<'a>>,
}

pub(crate) struct PlannedVariant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) wire: String,
    pub(crate) method: Ident,
    pub(crate) variant: &'a Variant,
}

/// Checks every rule; returns the (best-effort) plan and all errors found.
pub(crate) fn validate<'a>(input: &'a Enum, errors: &mut Vec<syn::Error>) -> Plan<'a> {
    let handler = input
        .attrs
        .handler
        .clone()
        .unwrap_or_else(|| Ident::new(&format!("{}Handler", input.ident), input.ident.span()));
    if input.variants.is_empty() {
        errors.push(syn::Error::new(
            input.ident.span(),
            "an event enum needs at least one variant: an exporter must have a legal event",
        ));
    }
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.params.span(),
            "`SignalEvents` cannot be derived for a generic enum; remove the generic parameters",
        ));
    }
    let (rule, rule_lit) = match &input.attrs.rename_all {
        Some((rule, lit)) => (*rule, Some(lit)),
        None => (RenameRule::DEFAULT, None),
    };
    let mut wires: HashMap<String, &Ident> = HashMap::new();
    let mut methods: HashMap<String, &Ident> = HashMap::new();
    let mut variants = Vec::new();
    for variant in &input.variants {
        let name = variant.ident.to_string();
        if let Shape::Tuple(span) = variant.shape {
            errors.push(syn::Error::new(
                span,
                format!("a tuple variant must have exactly one field, its payload type: name the fields (`{name} {{ a: A, b: B }}`) or put them in one payload struct (`{name}({name}Payload)`)"),
            ));
        }
        for field in variant.fields() {
            let Some(ident) = &field.ident else { continue };
            if field.name().as_deref() == Some(CONTEXT_PARAM) {
                errors.push(syn::Error::new(
                    ident.span(),
                    format!("a field cannot be named `{CONTEXT_PARAM}`: the handler method's `{CONTEXT_PARAM}: &Signal` parameter has that name; rename the field"),
                ));
            }
        }
        let (wire, wire_span) = match &variant.attrs.rename {
            Some(lit) => {
                if lit.value().is_empty() {
                    errors.push(syn::Error::new(
                        lit.span(),
                        "`rename` cannot be empty; give the event's wire name",
                    ));
                }
                (lit.value(), lit.span())
            }
            None => (rule.apply(&name), variant.ident.span()),
        };
        // A reserved name's variant is also flagged nowhere else: one error, not two.
        let reserved = RESERVED.iter().find(|(reserved, _)| *reserved == wire);
        if let Some((_, method)) = reserved {
            let how = match (&variant.attrs.rename, rule_lit) {
                (Some(_), _) => String::new(),
                (None, Some(lit)) => {
                    format!(" (its name under `rename_all = \"{}\"`)", lit.value())
                }
                (None, None) => " (its name under the default `kebab-case` rule)".to_owned(),
            };
            errors.push(syn::Error::new(
                wire_span,
                format!("`{wire}`{how} is reserved for `{method}`; rename this variant"),
            ));
        } else if let Some(first) = wires.get(&wire) {
            errors.push(syn::Error::new(
                wire_span,
                format!("the wire name `{wire}` is already used by variant `{first}`; give one of them another `rename`"),
            ));
        } else {
            wires.insert(wire.clone(), &variant.ident);
        }
        // The plan keeps every variant with a usable method, so that the
        // fallback's handler trait matches the user's impl.
        let method = method_name(&name);
        if hooks::is_hook(&method) {
            if reserved.is_none() {
                errors.push(syn::Error::new(
                    variant.ident.span(),
                    format!("the handler method `{method}` of this variant clashes with the provided hook `{method}`; rename the variant"),
                ));
            }
            continue;
        }
        if let Some(first) = methods.get(&method) {
            errors.push(syn::Error::new(
                variant.ident.span(),
                format!("this variant's handler method `{method}` is also the method of variant `{first}`; rename one of the variants"),
            ));
            continue;
        }
        methods.insert(method.clone(), &variant.ident);
        variants.push(PlannedVariant {
            ident: &variant.ident,
            wire,
            method: Ident::new(&method, variant.ident.span()),
            variant,
        });
    }
    Plan {
        input,
        handler,
        krate: input
            .attrs
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::state_signals)),
        error: input.attrs.error.as_ref(),
        variants,
    }
}

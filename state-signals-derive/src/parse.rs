//! `DeriveInput` -> a small model of the enum, keeping spans.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::attr::{self, EnumAttrs, VariantAttrs};

/// The enum as the derive sees it.
pub(crate) struct Enum {
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
    pub(crate) attrs: EnumAttrs,
    pub(crate) variants: Vec<Variant>,
}

pub(crate) struct Variant {
    pub(crate) ident: Ident,
    pub(crate) attrs: VariantAttrs,
    pub(crate) shape: Shape,
}

pub(crate) enum Shape {
    /// `Start`
    Unit,
    /// `Sample { iteration: u32 }` (possibly `Sample {}`)
    Named(Vec<Field>),
    /// `Sample(u32)`: rejected by validation; the span of its fields.
    Tuple(Span),
}

pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// The key in `metadata`: the field name without `r#`.
    pub(crate) key: String,
}

impl Variant {
    pub(crate) fn fields(&self) -> &[Field] {
        match &self.shape {
            Shape::Named(fields) => fields,
            Shape::Unit | Shape::Tuple(_) => &[],
        }
    }
}

/// Reads the input; `Err` when it is not an enum at all. Attribute errors are
/// collected into `errors`.
pub(crate) fn parse(input: DeriveInput, errors: &mut Vec<syn::Error>) -> syn::Result<Enum> {
    let data = match input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => return Err(not_an_enum(data.struct_token.span, "a struct")),
        Data::Union(data) => return Err(not_an_enum(data.union_token.span, "a union")),
    };
    let attrs = attr::enum_attrs(&input.attrs, errors);
    let variants = data
        .variants
        .into_iter()
        .map(|variant| {
            let attrs = attr::variant_attrs(&variant.attrs, errors);
            let shape = match variant.fields {
                Fields::Unit => Shape::Unit,
                Fields::Unnamed(fields) => Shape::Tuple(fields.span()),
                Fields::Named(fields) => Shape::Named(
                    fields
                        .named
                        .into_iter()
                        .filter_map(|field| {
                            attr::no_attrs(&field.attrs, "on a field", errors);
                            let ident = field.ident?;
                            let key = ident.to_string().trim_start_matches("r#").to_owned();
                            Some(Field {
                                ident,
                                ty: field.ty,
                                key,
                            })
                        })
                        .collect(),
                ),
            };
            Variant {
                ident: variant.ident,
                attrs,
                shape,
            }
        })
        .collect();
    Ok(Enum {
        vis: input.vis,
        ident: input.ident,
        generics: input.generics,
        attrs,
        variants,
    })
}

fn not_an_enum(span: Span, what: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!("`SignalEvents` can only be derived for an enum, not {what}; list the events as the variants of an enum"),
    )
}

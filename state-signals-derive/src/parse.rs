//! `DeriveInput` -> a small model of the enum, keeping spans.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::attr::{self, EnumAttrs, VariantAttrs};
use crate::serde_attrs;

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
    /// The variant's `#[serde(rename_all = …)]`, applied to its keys.
    pub(crate) rename_all: Option<TokenStream>,
    pub(crate) shape: Shape,
}

pub(crate) enum Shape {
    /// `Start`
    Unit,
    /// `Sample { iteration: u32 }` (possibly `Sample {}`)
    Named(Vec<Field>),
    /// `Sample(SampleData)`: the payload type is the metadata.
    Newtype(Box<Field>),
    /// `Sample(u32, String)`: rejected by validation; the span of its fields.
    Tuple(Span),
}

/// A payload field: a named field, or a newtype variant's payload.
pub(crate) struct Field {
    /// `None` for a newtype's payload.
    pub(crate) ident: Option<Ident>,
    pub(crate) ty: Type,
    /// Its `#[serde(...)]` attributes, carried to the payload types.
    pub(crate) serde: Vec<Attribute>,
    /// Whether `#[serde(with | skip …)]` frees its type from being serde.
    pub(crate) own_codec: bool,
}

impl Field {
    fn new(field: syn::Field, errors: &mut Vec<syn::Error>) -> Self {
        attr::no_attrs(&field.attrs, "on a field", errors);
        let (serde, own_codec) = serde_attrs::field(&field.attrs);
        Self {
            ident: field.ident,
            ty: field.ty,
            serde,
            own_codec,
        }
    }

    /// The field's name without `r#`.
    pub(crate) fn name(&self) -> Option<String> {
        self.ident
            .as_ref()
            .map(|ident| ident.to_string().trim_start_matches("r#").to_owned())
    }
}

impl Variant {
    /// The named fields, or the newtype's payload.
    pub(crate) fn fields(&self) -> &[Field] {
        match &self.shape {
            Shape::Named(fields) => fields,
            Shape::Newtype(payload) => std::slice::from_ref(payload),
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
            let rename_all = serde_attrs::variant_rename_all(&variant.attrs);
            let shape = match variant.fields {
                Fields::Unit => Shape::Unit,
                Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                    let field = fields.unnamed.into_iter().next();
                    match field {
                        Some(field) => Shape::Newtype(Box::new(Field::new(field, errors))),
                        None => Shape::Unit,
                    }
                }
                Fields::Unnamed(fields) => Shape::Tuple(fields.span()),
                Fields::Named(fields) => Shape::Named(
                    fields
                        .named
                        .into_iter()
                        .map(|field| Field::new(field, errors))
                        .collect(),
                ),
            };
            Variant {
                ident: variant.ident,
                attrs,
                rename_all,
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
        format!(
            "`SignalEvents` can only be derived for an enum, not {what}; list the events as the variants of an enum"
        ),
    )
}

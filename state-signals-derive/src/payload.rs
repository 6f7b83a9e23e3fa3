//! The payload types: how a variant's fields travel as metadata. serde does
//! the work, with the user's `#[serde(...)]` field attributes carried over:
//! a mirror of the enum, `#[serde(untagged, remote = "Enum")]`, serializes a
//! borrowed value (so `#[serde(with)]` gets `&T`), and an owned struct per
//! variant deserializes its fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::parse::{Field, Shape};
use crate::validate::{Plan, PlannedVariant};

/// The hidden items, declared inside the derive's `const _: () = { … };`.
pub(crate) fn items(plan: &Plan<'_>) -> TokenStream {
    let probes = probes(plan);
    let mirror = mirror(plan);
    let fields = plan.variants.iter().filter_map(|v| fields_struct(plan, v));
    quote! { #probes #mirror #(#fields)* }
}

/// `to_metadata`'s body.
pub(crate) fn encode(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let ident = &plan.input.ident;
    let serde = quote!(#krate::__private::serde);
    quote! {
        struct __Payload<'a>(&'a #ident);
        impl #serde::Serialize for __Payload<'_> {
            fn serialize<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                __SignalEventsMirror::serialize(self.0, serializer)
            }
        }
        #krate::__private::encode_payload(&__Payload(self))
    }
}

/// A `from_signal` match arm's body for variant `v` (in scope: `__metadata`).
pub(crate) fn decode(plan: &Plan<'_>, v: &PlannedVariant<'_>) -> TokenStream {
    let krate = &plan.krate;
    let (variant, wire, name) = (v.ident, &v.wire, fields_ident(plan, v));
    let value = match &v.variant.shape {
        Shape::Unit | Shape::Tuple(_) => return quote!(::core::result::Result::Ok(Self::#variant)),
        Shape::Newtype(_) => quote!(Self::#variant(__payload.0)),
        Shape::Named(fields) => {
            let idents = fields.iter().filter_map(|f| f.ident.as_ref());
            let idents2 = idents.clone();
            quote!(Self::#variant { #(#idents: __payload.#idents2),* })
        }
    };
    quote!({
        let __payload: #name = #krate::__private::decode_payload(#wire, __metadata)?;
        ::core::result::Result::Ok(#value)
    })
}

fn fields_ident(plan: &Plan<'_>, v: &PlannedVariant<'_>) -> Ident {
    format_ident!("__{}Fields{}", plan.input.ident, v.ident)
}

/// One check per payload type, spanned on the type: our message first when
/// it is not serde (serde's own errors about the payload types follow).
fn probes(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let checks = plan
        .variants
        .iter()
        .flat_map(|v| v.variant.fields())
        .filter(|f| !f.own_codec)
        .map(|f| {
            let ty = &f.ty;
            quote_spanned! {ty.span()=>
                let __probe = #krate::__private::Probe::<#ty>::new();
                #krate::__private::require(&__probe, (&__probe).kind());
            }
        });
    quote! {
        #[allow(dead_code, clippy::needless_borrow)]
        fn __signal_events_probes() {
            #[allow(unused_imports)]
            use #krate::__private::{NotSerde as _, ViaSerde as _};
            #(#checks)*
        }
    }
}

fn serde_crate(plan: &Plan<'_>) -> String {
    let krate = &plan.krate;
    quote!(#krate::__private::serde)
        .to_string()
        .replace(' ', "")
}

fn field_tokens(field: &Field) -> TokenStream {
    let (attrs, ty) = (&field.serde, &field.ty);
    match &field.ident {
        Some(ident) => quote!(#(#attrs)* #ident: #ty),
        None => quote!(#(#attrs)* #ty),
    }
}

/// `#[serde(untagged, remote = "Enum")] enum __SignalEventsMirror { … }`: serializes `&Enum`.
fn mirror(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let serde_crate = serde_crate(plan);
    let remote = plan.input.ident.to_string();
    let variants = plan.variants.iter().map(|v| {
        let ident = v.ident;
        let rename_all = v.variant.rename_all.iter();
        match &v.variant.shape {
            Shape::Unit | Shape::Tuple(_) => quote!(#ident),
            Shape::Newtype(payload) => {
                let payload = field_tokens(payload);
                quote!(#ident(#payload))
            }
            Shape::Named(fields) => {
                let fields = fields.iter().map(field_tokens);
                quote!(#(#[serde(#rename_all)])* #ident { #(#fields),* })
            }
        }
    });
    quote! {
        #[derive(#krate::__private::serde::Serialize)]
        #[serde(crate = #serde_crate, untagged, remote = #remote)]
        #[allow(dead_code, non_camel_case_types, clippy::enum_variant_names)]
        enum __SignalEventsMirror {
            #(#variants,)*
        }
    }
}

/// The owned struct a variant's payload deserializes into; `None` for a unit variant.
fn fields_struct(plan: &Plan<'_>, v: &PlannedVariant<'_>) -> Option<TokenStream> {
    let krate = &plan.krate;
    let serde_crate = serde_crate(plan);
    let name = fields_ident(plan, v);
    let rename_all = v.variant.rename_all.iter();
    let body = match &v.variant.shape {
        Shape::Unit | Shape::Tuple(_) => return None,
        Shape::Newtype(payload) => {
            let payload = field_tokens(payload);
            quote!(#[serde(transparent)] struct #name(#payload);)
        }
        Shape::Named(fields) => {
            let fields = fields.iter().map(field_tokens);
            quote!(struct #name { #(#fields),* })
        }
    };
    Some(quote! {
        #[derive(#krate::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #(#[serde(#rename_all)])*
        #[allow(dead_code, non_camel_case_types, non_snake_case)]
        #body
    })
}

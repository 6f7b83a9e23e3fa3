//! Valid model -> tokens. Runs parse -> validate -> expand (or fallback).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::handler::{dispatch_hooks, handler_trait};
use crate::parse::Shape;
use crate::validate::{Plan, PlannedVariant};
use crate::{fallback, parse, payload, validate};

/// The whole derive: every error in one compile, stubs on invalid input.
pub(crate) fn derive(input: DeriveInput) -> TokenStream {
    let mut errors = Vec::new();
    let parsed = match parse::parse(input, &mut errors) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let plan = validate::validate(&parsed, &mut errors);
    if errors.is_empty() {
        expand(&plan)
    } else {
        fallback::fallback(&plan, errors)
    }
}

fn expand(plan: &Plan<'_>) -> TokenStream {
    let payload = payload::items(plan);
    let events = events_impl(plan);
    let handler = handler_trait(plan);
    let dispatch = dispatch_impl(plan);
    quote! {
        #handler
        const _: () = {
            #payload
            #events
            #dispatch
        };
    }
}

/// The variant's pattern, binding its fields (or its payload) to `__field<i>`.
fn pattern(v: &PlannedVariant<'_>) -> TokenStream {
    let ident = v.ident;
    let bindings = bindings(v);
    match &v.variant.shape {
        Shape::Unit | Shape::Tuple(_) => quote!(Self::#ident),
        Shape::Newtype(_) => quote!(Self::#ident(#(#bindings),*)),
        Shape::Named(fields) => {
            let fields = fields.iter().filter_map(|f| f.ident.as_ref());
            quote!(Self::#ident { #(#fields: #bindings),* })
        }
    }
}

fn bindings(v: &PlannedVariant<'_>) -> Vec<syn::Ident> {
    (0..v.variant.fields().len())
        .map(|i| format_ident!("__field{}", i))
        .collect()
}

fn events_impl(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let ident = &plan.input.ident;
    let wires: Vec<&str> = plan.variants.iter().map(|v| v.wire.as_str()).collect();
    let names = plan.variants.iter().map(|v| {
        let ident = v.ident;
        match &v.variant.shape {
            Shape::Unit | Shape::Tuple(_) => quote!(Self::#ident),
            Shape::Newtype(_) => quote!(Self::#ident(..)),
            Shape::Named(_) => quote!(Self::#ident { .. }),
        }
    });
    let encode = payload::encode(plan);
    let decoders = plan.variants.iter().map(|v| {
        let wire = &v.wire;
        let decode = payload::decode(plan, v);
        quote!(#wire => #decode)
    });
    quote! {
        #[automatically_derived]
        impl #krate::SignalEvents for #ident {
            const EVENTS: &'static [&'static str] = &[#(#wires),*];

            fn event_name(&self) -> &'static str {
                match self {
                    #(#names => #wires,)*
                }
            }

            fn to_metadata(
                &self,
            ) -> #krate::Result<::core::option::Option<#krate::Metadata>> {
                #encode
            }

            fn from_signal(
                signal: &#krate::Signal,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                let __metadata = signal.metadata.as_ref();
                match signal.event.as_str() {
                    #(#decoders,)*
                    __other => ::core::result::Result::Err(
                        #krate::DecodeError::unknown_event(__other),
                    ),
                }
            }
        }
    }
}

fn dispatch_impl(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let ident = &plan.input.ident;
    let handler = &plan.handler;
    let arms = plan.variants.iter().map(|v| {
        let pattern = pattern(v);
        let method = &v.method;
        let bindings = bindings(v);
        let call = quote!(<__H as #handler>::#method(handler, #(#bindings,)* signal).await);
        match plan.error {
            None => quote!(#pattern => #call),
            Some(error) => {
                let reply = quote_spanned!(error.span()=> #krate::__private::error_reply(&__error));
                quote! {
                    #pattern => match #call {
                        ::core::result::Result::Ok(__reply) => __reply,
                        ::core::result::Result::Err(__error) => #reply,
                    }
                }
            }
        }
    });
    let hooks = dispatch_hooks(
        plan,
        |method, names| quote!(<__H as #handler>::#method(handler, #(#names,)* signal)),
    );
    quote! {
        #[automatically_derived]
        impl<__H: #handler> #krate::Dispatch<__H> for #ident {
            fn dispatch(
                self,
                handler: &mut __H,
                signal: &#krate::Signal,
            ) -> impl ::core::future::Future<Output = #krate::Reply> + ::core::marker::Send {
                async move {
                    match self {
                        #(#arms,)*
                    }
                }
            }

            #hooks
        }
    }
}

//! Valid model -> tokens. Runs parse -> validate -> expand (or fallback).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::validate::{Plan, PlannedVariant, CONTEXT_PARAM};
use crate::{fallback, parse, validate};

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
    let events = events_impl(plan);
    let handler = handler_trait(plan);
    let dispatch = dispatch_impl(plan);
    quote! { #events #handler #dispatch }
}

/// `Self::Variant` or `Self::Variant { field: __field0, .. }`, binding fields to fresh names.
fn pattern(v: &PlannedVariant<'_>) -> TokenStream {
    let ident = v.ident;
    if v.unit {
        return quote!(Self::#ident);
    }
    let fields = v.fields.iter().map(|f| &f.ident);
    let bindings = bindings(v);
    quote!(Self::#ident { #(#fields: #bindings),* })
}

fn bindings(v: &PlannedVariant<'_>) -> Vec<syn::Ident> {
    (0..v.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect()
}

fn events_impl(plan: &Plan<'_>) -> TokenStream {
    let ident = &plan.input.ident;
    let wires: Vec<&str> = plan.variants.iter().map(|v| v.wire.as_str()).collect();
    let patterns: Vec<TokenStream> = plan.variants.iter().map(pattern).collect();
    let to_metadata = plan.variants.iter().map(|v| {
        if v.fields.is_empty() {
            return quote!(::core::option::Option::None);
        }
        let puts = v.fields.iter().zip(bindings(v)).map(|(f, binding)| {
            let (key, ty) = (&f.key, &f.ty);
            quote_spanned! {ty.span()=>
                ::state_signals::__private::encode_field::<#ty>(&mut __metadata, #key, #binding)?;
            }
        });
        quote! {{
            let mut __metadata = ::state_signals::Metadata::new();
            #(#puts)*
            ::core::option::Option::Some(__metadata)
        }}
    });
    let decoders = plan.variants.iter().map(|v| {
        let variant = v.ident;
        let wire = &v.wire;
        if v.unit {
            return quote!(#wire => ::core::result::Result::Ok(Self::#variant));
        }
        let fields = v.fields.iter().map(|f| {
            let (name, key, ty) = (&f.ident, &f.key, &f.ty);
            quote_spanned! {ty.span()=>
                #name: ::state_signals::__private::decode_field::<#ty>(#wire, __metadata, #key)?
            }
        });
        quote!(#wire => ::core::result::Result::Ok(Self::#variant { #(#fields),* }))
    });
    quote! {
        #[automatically_derived]
        impl ::state_signals::SignalEvents for #ident {
            const EVENTS: &'static [&'static str] = &[#(#wires),*];

            fn event_name(&self) -> &'static str {
                match self {
                    #(#patterns => #wires,)*
                }
            }

            #[allow(unused_variables)]
            fn to_metadata(
                &self,
            ) -> ::state_signals::Result<::core::option::Option<::state_signals::Metadata>> {
                ::core::result::Result::Ok(match self {
                    #(#patterns => #to_metadata,)*
                })
            }

            #[allow(unused_variables)]
            fn from_signal(
                signal: &::state_signals::Signal,
            ) -> ::core::result::Result<Self, ::state_signals::DecodeError> {
                let __metadata = signal.metadata.as_ref();
                match signal.event.as_str() {
                    #(#decoders,)*
                    __other => ::core::result::Result::Err(
                        ::state_signals::DecodeError::unknown_event(__other),
                    ),
                }
            }
        }
    }
}

/// `fn on_x(&mut self, fields…, signal: &Signal) -> impl Future<Output = Reply> + Send`
pub(crate) fn method_signature(v: &PlannedVariant<'_>) -> TokenStream {
    let method = &v.method;
    let params = v.fields.iter().map(|f| {
        let (name, ty) = (&f.ident, &f.ty);
        quote!(#name: #ty)
    });
    let signal = format_ident!("{}", CONTEXT_PARAM);
    let doc = format!(
        "Handles the `{}` event (variant `{}`); the reply is sent to the exporter.",
        v.wire, v.ident
    );
    quote! {
        #[doc = #doc]
        fn #method(
            &mut self,
            #(#params,)*
            #signal: &::state_signals::Signal,
        ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send
    }
}

pub(crate) fn handler_trait(plan: &Plan<'_>) -> TokenStream {
    let vis = &plan.input.vis;
    let handler = &plan.handler;
    let methods = plan.variants.iter().map(method_signature);
    let doc = format!(
        "Handles the events of [`{}`]: one method per variant, plus provided hooks. \
         Generated by `#[derive(SignalEvents)]`; serve it with a typed responder.",
        plan.input.ident
    );
    quote! {
        #[doc = #doc]
        #vis trait #handler: ::core::marker::Send {
            #(#methods;)*

            /// Whether to subscribe to the exporter that sent this
            /// `initialization` (called once per exporter); default: yes.
            fn on_subscribe(
                &mut self,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = bool> + ::core::marker::Send {
                let _ = signal;
                ::core::future::ready(true)
            }

            /// The reply to an event that is not a variant; default: a
            /// failure naming the event.
            fn on_unknown_event(
                &mut self,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                ::core::future::ready(::state_signals::__private::unknown_event_reply(signal))
            }

            /// The reply to a signal whose metadata does not decode into the
            /// variant's fields; default: a failure naming the field.
            fn on_decode_error(
                &mut self,
                error: ::state_signals::DecodeError,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                let _ = signal;
                ::core::future::ready(::state_signals::__private::decode_error_reply(error))
            }

            /// Called on `shutdown` from a subscribed exporter; default: nothing.
            fn on_shutdown(
                &mut self,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                let _ = signal;
                ::core::future::ready(())
            }
        }
    }
}

fn dispatch_impl(plan: &Plan<'_>) -> TokenStream {
    let ident = &plan.input.ident;
    let handler = &plan.handler;
    let arms = plan.variants.iter().map(|v| {
        let pattern = pattern(v);
        let method = &v.method;
        let bindings = bindings(v);
        quote!(#pattern => <__H as #handler>::#method(handler, #(#bindings,)* signal).await)
    });
    quote! {
        #[automatically_derived]
        impl<__H: #handler> ::state_signals::Dispatch<__H> for #ident {
            fn dispatch(
                self,
                handler: &mut __H,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                async move {
                    match self {
                        #(#arms,)*
                    }
                }
            }

            fn subscribe(
                handler: &mut __H,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = bool> + ::core::marker::Send {
                <__H as #handler>::on_subscribe(handler, signal)
            }

            fn unknown_event(
                handler: &mut __H,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                <__H as #handler>::on_unknown_event(handler, signal)
            }

            fn decode_error(
                handler: &mut __H,
                error: ::state_signals::DecodeError,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                <__H as #handler>::on_decode_error(handler, error, signal)
            }

            fn shutdown(
                handler: &mut __H,
                signal: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                <__H as #handler>::on_shutdown(handler, signal)
            }
        }
    }
}

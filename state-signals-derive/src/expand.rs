//! Valid model -> tokens. Runs parse -> validate -> expand (or fallback).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::hooks::HOOKS;
use crate::parse::Shape;
use crate::validate::{CONTEXT_PARAM, Plan, PlannedVariant};
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

/// `fn on_x(&mut self, fields…, signal: &Signal) -> impl Future<Output = Reply> + Send`
/// (`Result<Reply, E>` with `#[signal(error = "E")]`).
fn method_signature(plan: &Plan<'_>, v: &PlannedVariant<'_>) -> TokenStream {
    let krate = &plan.krate;
    let method = &v.method;
    let params = v.variant.fields().iter().map(|f| {
        let ty = &f.ty;
        let name = f.ident.clone().unwrap_or_else(|| format_ident!("payload"));
        quote!(#name: #ty)
    });
    let signal = format_ident!("{}", CONTEXT_PARAM);
    let output = match plan.error {
        Some(error) => quote!(::core::result::Result<#krate::Reply, #error>),
        None => quote!(#krate::Reply),
    };
    let doc = format!(
        "Handles the `{}` event (variant `{}`); the reply is sent to the exporter.",
        v.wire, v.ident
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::too_many_arguments)]
        fn #method(
            &mut self,
            #(#params,)*
            #signal: &#krate::Signal,
        ) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
    }
}

pub(crate) fn handler_trait(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let vis = &plan.input.vis;
    let handler = &plan.handler;
    let methods = plan.variants.iter().map(|v| method_signature(plan, v));
    let hooks = HOOKS.iter().map(|hook| {
        let (method, doc) = (hook.method(), hook.doc());
        let sig = hook.signature(krate);
        let (output, default) = (&sig.output, &sig.default);
        let params = sig.params.iter().map(|(name, ty)| quote!(#name: #ty));
        quote! {
            #[doc = #doc]
            fn #method(
                &mut self,
                #(#params,)*
                signal: &#krate::Signal,
            ) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
                #default
            }
        }
    });
    let doc = format!(
        "Handles the events of [`{}`]: one method per variant, plus provided hooks. \
         Generated by `#[derive(SignalEvents)]`; serve it with a typed responder.",
        plan.input.ident
    );
    quote! {
        #[doc = #doc]
        #vis trait #handler: ::core::marker::Send {
            #(#methods;)*
            #(#hooks)*
        }
    }
}

/// The `Dispatch` hook forwarders, from the hook table; `body` makes each
/// body from the handler trait's method and the parameter names.
pub(crate) fn dispatch_hooks(
    plan: &Plan<'_>,
    body: impl Fn(&syn::Ident, &[&syn::Ident]) -> TokenStream,
) -> TokenStream {
    let krate = &plan.krate;
    let hooks = HOOKS.iter().map(|hook| {
        let (method, dispatch) = (hook.method(), hook.dispatch());
        let sig = hook.signature(krate);
        let output = &sig.output;
        let names: Vec<&syn::Ident> = sig.params.iter().map(|(name, _)| name).collect();
        let params = sig.params.iter().map(|(name, ty)| quote!(#name: #ty));
        let body = body(&method, &names);
        quote! {
            fn #dispatch(
                handler: &mut __H,
                #(#params,)*
                signal: &#krate::Signal,
            ) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
                #body
            }
        }
    });
    quote!(#(#hooks)*)
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

//! On invalid input: the errors, plus stub impls so that the user's code
//! using the enum and its handler trait does not pile up knock-on errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::handler_trait;
use crate::validate::Plan;

pub(crate) fn fallback(plan: &Plan<'_>, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().map(|e| e.to_compile_error());
    if !plan.input.generics.params.is_empty() {
        // Stubs would need the generics right; the errors say it all.
        return quote!(#(#errors)*);
    }
    let ident = &plan.input.ident;
    let handler = &plan.handler;
    let trait_tokens = handler_trait(plan);
    quote! {
        #(#errors)*

        #trait_tokens

        #[automatically_derived]
        impl ::state_signals::SignalEvents for #ident {
            const EVENTS: &'static [&'static str] = &[];
            fn event_name(&self) -> &'static str {
                ::core::unimplemented!()
            }
            fn to_metadata(
                &self,
            ) -> ::state_signals::Result<::core::option::Option<::state_signals::Metadata>> {
                ::core::unimplemented!()
            }
            fn from_signal(
                _: &::state_signals::Signal,
            ) -> ::core::result::Result<Self, ::state_signals::DecodeError> {
                ::core::unimplemented!()
            }
        }

        #[automatically_derived]
        impl<__H: #handler> ::state_signals::Dispatch<__H> for #ident {
            fn dispatch(
                self,
                _: &mut __H,
                _: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                ::core::future::pending()
            }
            fn subscribe(
                _: &mut __H,
                _: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = bool> + ::core::marker::Send {
                ::core::future::pending()
            }
            fn unknown_event(
                _: &mut __H,
                _: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                ::core::future::pending()
            }
            fn decode_error(
                _: &mut __H,
                _: ::state_signals::DecodeError,
                _: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ::state_signals::Reply> + ::core::marker::Send {
                ::core::future::pending()
            }
            fn shutdown(
                _: &mut __H,
                _: &::state_signals::Signal,
            ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                ::core::future::pending()
            }
        }
    }
}

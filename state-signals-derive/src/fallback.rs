//! On invalid input: the errors, plus stub impls so that the user's code
//! using the enum and its handler trait does not pile up knock-on errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::handler::{dispatch_hooks, handler_trait};
use crate::validate::Plan;

pub(crate) fn fallback(plan: &Plan<'_>, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().map(|e| e.to_compile_error());
    if !plan.input.generics.params.is_empty() {
        // Stubs would need the generics right; the errors say it all.
        return quote!(#(#errors)*);
    }
    let krate = &plan.krate;
    let ident = &plan.input.ident;
    let handler = &plan.handler;
    let trait_tokens = handler_trait(plan);
    let hooks = dispatch_hooks(plan, |_, _| quote!(::core::future::pending()));
    quote! {
        #(#errors)*

        #trait_tokens

        #[automatically_derived]
        impl #krate::SignalEvents for #ident {
            const EVENTS: &'static [&'static str] = &[];
            fn event_name(&self) -> &'static str {
                ::core::unimplemented!()
            }
            fn to_metadata(
                &self,
            ) -> #krate::Result<::core::option::Option<#krate::Metadata>> {
                ::core::unimplemented!()
            }
            fn from_signal(
                _: &#krate::Signal,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::unimplemented!()
            }
        }

        #[automatically_derived]
        #[allow(unused_variables)]
        impl<__H: #handler> #krate::Dispatch<__H> for #ident {
            fn dispatch(
                self,
                _: &mut __H,
                _: &#krate::Signal,
            ) -> impl ::core::future::Future<Output = #krate::Reply> + ::core::marker::Send {
                ::core::future::pending()
            }

            #hooks
        }
    }
}

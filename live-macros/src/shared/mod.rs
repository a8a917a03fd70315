//! Helpers shared by `#[live_component]` and `#[live_room]`.

pub(crate) mod meta;
pub(crate) mod syntax;
pub(crate) mod ts_derive;
pub(crate) mod typescript;

use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// The item followed by the generated code, or by only the errors if anything went wrong.
///
/// On error the item is still emitted (minus the macro's helper attributes) next to the
/// `compile_error!`s, so the rest of the crate keeps type-checking and IDEs keep working.
pub(crate) fn finish(
    errors: Errors,
    item: impl ToTokens,
    generate: impl FnOnce() -> TokenStream,
) -> TokenStream {
    let generated = errors.into_compile_errors().unwrap_or_else(generate);
    quote!(#item #generated)
}

/// The item the macro cannot expand, unchanged, followed by `error`.
pub(crate) fn reject(item: impl ToTokens, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#item #error)
}

//! Procedural macros for Live. Use them through the `live` crate.
use proc_macro::TokenStream;

/// Placeholder until the real expansion lands.
#[proc_macro_attribute]
pub fn live_component(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

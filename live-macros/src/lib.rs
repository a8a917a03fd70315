//! Procedural macros for Live. Use them through the `live` crate (`live::live_component`).
//!
//! Set `LIVE_MACROS_DEBUG=1` while compiling to print every expansion to stderr.

mod component;
mod errors;

use proc_macro::TokenStream;

/// Turns a struct and its impl block into a Live component.
///
/// On the struct, `#[live_component(name = "Counter", singleton)]` (both optional; the name
/// defaults to the struct's name) records the registry data; fields marked
/// `#[live(updatable)]` may be written by clients with `PROPERTY_UPDATE`.
///
/// On the impl block, `#[live_component]` implements `live::LiveComponent`: methods marked
/// `#[action]` (or `#[action(name = "wireName")]`) become callable actions whose arguments are
/// read from the payload by name (a `#[payload]` argument receives the whole payload, a
/// `&mut Ctx<Self>` argument the call's context), and methods named `on_mount`, `on_destroy`,
/// `on_client_join` and `on_client_leave` become lifecycle hooks. The component is registered
/// so `LiveServer` finds it without further setup.
///
/// ```ignore
/// use live::prelude::*;
///
/// #[live_component]
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// pub struct Counter {
///     count: i64,
/// }
///
/// #[live_component]
/// impl Counter {
///     #[action]
///     fn add(&mut self, by: i64) -> i64 {
///         self.count += by;
///         self.count
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn live_component(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = component::expand(args.into(), item.into());
    if std::env::var_os("LIVE_MACROS_DEBUG").is_some_and(|value| value == "1") {
        eprintln!("#[live_component] expansion:\n{expanded}\n");
    }
    expanded.into()
}

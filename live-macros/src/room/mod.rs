//! `#[live_room]`: parse → validate → expand, for a room's state struct, its impl block or
//! its events enum.

mod ast;
mod attr;
mod expand;
mod valid;

use crate::errors::Errors;
use crate::shared::{finish, reject, ts_derive};
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Item, ItemEnum, ItemImpl, ItemStruct};

/// Expands `#[live_room(args)]` on `item`.
///
/// On error the item is still emitted (minus the macro's helper attributes) next to the
/// `compile_error!`s, so the rest of the crate keeps type-checking and IDEs keep working.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(item)) => expand_struct(args, item),
        Ok(Item::Enum(item)) => expand_enum(args, item),
        Ok(Item::Impl(item)) => expand_impl(args, item),
        Ok(other) => reject(
            other.into_token_stream(),
            &syn::Error::new(
                Span::call_site(),
                "`#[live_room]` goes on a room's state struct (`#[live_room(prefix = \"...\", events = EventEnum)]`), \
                 on its inherent impl block, or on its events enum",
            ),
        ),
        Err(error) => reject(item, &error),
    }
}

fn expand_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let mut errors = Errors::default();
    valid::check_struct(&mut errors, &item);
    ts_derive::struct_item(&mut errors, &mut item, "#[live_room]");
    let room = ast::Struct::from_syn(&mut errors, args, &item);
    valid::check_struct_args(&mut errors, &room);
    finish(errors, item, || expand::room_attrs(&room))
}

fn expand_enum(args: TokenStream, mut item: ItemEnum) -> TokenStream {
    let mut errors = Errors::default();
    attr::no_args(&mut errors, args, "an events enum");
    let events = ast::Events::from_syn(&mut errors, &mut item);
    valid::check_events(&mut errors, &item, &events);
    finish(errors, item, || expand::room_event(&events))
}

fn expand_impl(args: TokenStream, item: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    attr::no_args(&mut errors, args, "an impl block");
    valid::check_impl(&mut errors, &item);
    let room = ast::Impl::from_syn(&item);
    valid::check_hooks(&mut errors, &room);
    finish(errors, item, || expand::live_room(&room))
}

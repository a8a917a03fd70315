//! `#[live_component]`: parse → validate → expand, for a struct or its impl block.

mod ast;
mod attr;
mod binary;
mod calls;
mod case;
mod expand;
mod policy;
mod upload;
mod valid;

use crate::errors::Errors;
use crate::shared::{finish, reject, ts_derive};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Item, ItemImpl, ItemStruct};

/// Expands `#[live_component(args)]` on `item`.
///
/// On error the item is still emitted (minus the macro's helper attributes) next to the
/// `compile_error!`s, so the rest of the crate keeps type-checking and IDEs keep working.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let (item, error) = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(item)) => return expand_struct(args, item),
        Ok(Item::Impl(item)) => return expand_impl(args, item),
        Ok(Item::Enum(item)) => {
            let (enum_token, ident) = (&item.enum_token, &item.ident);
            let error = syn::Error::new_spanned(
                quote!(#enum_token #ident),
                "`#[live_component]` goes on a struct with named fields, not on an enum",
            );
            (item.into_token_stream(), error)
        }
        Ok(other) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[live_component]` goes on a struct with named fields and on its inherent impl block",
            );
            (other.into_token_stream(), error)
        }
        Err(error) => (item, error),
    };
    reject(item, &error)
}

fn expand_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let mut errors = Errors::default();
    valid::check_struct(&mut errors, &item);
    ts_derive::struct_item(&mut errors, &mut item, "#[live_component]");
    let component = ast::Struct::from_syn(&mut errors, args, &mut item);
    finish(errors, item, || expand::component_attrs(&component))
}

fn expand_impl(args: TokenStream, mut item: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    attr::impl_args(&mut errors, args);
    valid::check_impl(&mut errors, &item);
    let component = ast::Impl::from_syn(&mut errors, &mut item);
    valid::check_component(&mut errors, &component);
    finish(errors, item, || expand::live_component(&component))
}

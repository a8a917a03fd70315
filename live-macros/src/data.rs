//! `#[live::data]`: the `TS` derive for a type the browser receives (an action's payload or
//! result, an event's data, a type inside a state), and nothing else.

use crate::errors::Errors;
use crate::shared::{finish, reject, ts_derive};
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::Item;

/// Expands `#[live::data]` on `item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "`#[live::data]` takes no arguments");
    }
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(mut item)) => {
            ts_derive::struct_item(&mut errors, &mut item, "#[live::data]");
            finish(errors, item, TokenStream::new)
        }
        Ok(Item::Enum(mut item)) => {
            ts_derive::enum_item(&mut errors, &mut item, "#[live::data]");
            finish(errors, item, TokenStream::new)
        }
        Ok(other) => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[live::data]` goes on a struct or an enum (a type sent to the browser)",
            ));
            finish(errors, other.into_token_stream(), TokenStream::new)
        }
        Err(error) => reject(item, &error),
    }
}

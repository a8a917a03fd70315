//! Reading the macros' own attributes and arguments (`#[name(key = value, flag)]`).

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Token};

/// Consumes whatever follows a nested meta's path (`= value` or `(...)`).
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// Rejects `flag = ...` / `flag(...)` for a flag argument.
pub(crate) fn no_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            &meta.path,
            "this argument takes no value",
        ))
    }
}

/// The error for an argument `attribute` does not know.
pub(crate) fn unknown(meta: &ParseNestedMeta<'_>, attribute: &str, expected: &str) -> syn::Error {
    unknown_in(meta, &format!("`#[{attribute}]`"), expected)
}

/// The error for an argument `within` (`` `#[action]` ``, `` `auth(...)` ``) does not know.
pub(crate) fn unknown_in(meta: &ParseNestedMeta<'_>, within: &str, expected: &str) -> syn::Error {
    let key = key(meta);
    syn::Error::new_spanned(
        &meta.path,
        format!("unknown {within} argument `{key}`; expected {expected}"),
    )
}

/// The error for an argument given twice.
pub(crate) fn duplicate(meta: &ParseNestedMeta<'_>) -> syn::Error {
    let key = key(meta);
    syn::Error::new_spanned(&meta.path, format!("duplicate `{key}` argument"))
}

/// An argument's path as written (`name`, `a::b`).
fn key(meta: &ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    quote::quote!(#path).to_string().replace(' ', "")
}

/// Removes the attributes named `name` from `attrs` and returns them.
pub(crate) fn take(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let (taken, kept) = std::mem::take(attrs)
        .into_iter()
        .partition(|attr| attr.path().is_ident(name));
    *attrs = kept;
    taken
}

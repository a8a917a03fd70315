//! Parsing of the attributes the macro reads: its own arguments, `#[action]`, `#[payload]`,
//! `#[live]`, and the `#[serde]` renames that decide a field's JSON name.

use crate::errors::Errors;
use proc_macro2::{TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Attribute, LitStr, Meta, Token};

/// Arguments of `#[live_component(...)]` on a struct.
#[derive(Default)]
pub(crate) struct StructArgs {
    /// `name = "..."`: the registry name.
    pub(crate) name: Option<LitStr>,
    /// `singleton`: one shared instance.
    pub(crate) singleton: bool,
}

/// Parses `#[live_component(name = "...", singleton)]` on a struct.
pub(crate) fn struct_args(errors: &mut Errors, args: TokenStream) -> StructArgs {
    let mut parsed = StructArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            if parsed.name.is_some() {
                return Err(syn::Error::new_spanned(
                    &meta.path,
                    "duplicate `name` argument",
                ));
            }
            let name: LitStr = meta.value()?.parse()?;
            if name.value().is_empty() {
                return Err(syn::Error::new_spanned(
                    name,
                    "the component name cannot be empty",
                ));
            }
            parsed.name = Some(name);
        } else if meta.path.is_ident("singleton") {
            if parsed.singleton {
                return Err(syn::Error::new_spanned(
                    &meta.path,
                    "duplicate `singleton` argument",
                ));
            }
            no_value(&meta)?;
            parsed.singleton = true;
        } else {
            return Err(unknown(
                &meta,
                "live_component",
                "`name = \"...\"` or `singleton`",
            ));
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

/// Rejects every argument of `#[live_component(...)]` on an impl block.
pub(crate) fn impl_args(errors: &mut Errors, args: TokenStream) {
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") || meta.path.is_ident("singleton") {
            Err(syn::Error::new_spanned(
                &meta.path,
                "`name` and `singleton` go on the struct: `#[live_component(name = \"...\", singleton)] struct ...`; \
                 `#[live_component]` on the impl block takes no arguments",
            ))
        } else {
            Err(unknown(
                &meta,
                "live_component",
                "no arguments on an impl block",
            ))
        }
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
}

/// Parses `#[action]` / `#[action(name = "...")]`, returning the explicit wire name.
pub(crate) fn action(errors: &mut Errors, attr: &Attribute) -> Option<LitStr> {
    let mut name = None;
    let result = match &attr.meta {
        Meta::Path(_) => Ok(()),
        Meta::List(_) => attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                if name.is_some() {
                    return Err(syn::Error::new_spanned(
                        &meta.path,
                        "duplicate `name` argument",
                    ));
                }
                name = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(unknown(&meta, "action", "`name = \"...\"`"))
            }
        }),
        Meta::NameValue(_) => Err(syn::Error::new_spanned(
            attr,
            "expected `#[action]` or `#[action(name = \"...\")]`",
        )),
    };
    if let Err(error) = result {
        errors.push(error);
    }
    name
}

/// Checks that `#[payload]` has no arguments.
pub(crate) fn payload(errors: &mut Errors, attr: &Attribute) {
    if !matches!(attr.meta, Meta::Path(_)) {
        errors.spanned(attr, "`#[payload]` takes no arguments");
    }
}

/// Parses `#[live(updatable)]` on a field, returning whether the field is updatable.
pub(crate) fn live_field(errors: &mut Errors, attr: &Attribute) -> bool {
    let mut updatable = false;
    let result = match &attr.meta {
        Meta::List(_) => attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("updatable") {
                no_value(&meta)?;
                updatable = true;
                Ok(())
            } else {
                Err(unknown(&meta, "live", "`updatable`"))
            }
        }),
        Meta::Path(_) | Meta::NameValue(_) => Err(syn::Error::new_spanned(
            attr,
            "expected `#[live(updatable)]`",
        )),
    };
    if let Err(error) = result {
        errors.push(error);
    }
    updatable
}

/// The serialized name set by `#[serde(<key> = "...")]` or `#[serde(<key>(serialize = "..."))]`.
///
/// Malformed `#[serde]` attributes are ignored here: serde's own derive reports them.
pub(crate) fn serde_name(attrs: &[Attribute], key: &str) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ignored = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident(key) {
                return skip_value(&meta);
            }
            if meta.input.peek(Token![=]) {
                found = Some(meta.value()?.parse::<LitStr>()?.value());
                return Ok(());
            }
            meta.parse_nested_meta(|inner| {
                if inner.path.is_ident("serialize") {
                    found = Some(inner.value()?.parse::<LitStr>()?.value());
                    Ok(())
                } else {
                    skip_value(&inner)
                }
            })
        });
    }
    found
}

/// Consumes whatever follows a nested meta's path (`= value` or `(...)`).
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// Rejects `flag = ...` / `flag(...)` for a flag argument.
fn no_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
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
fn unknown(meta: &ParseNestedMeta<'_>, attribute: &str, expected: &str) -> syn::Error {
    let path = &meta.path;
    let key = quote::quote!(#path).to_string().replace(' ', "");
    syn::Error::new_spanned(
        path,
        format!("unknown `#[{attribute}]` argument `{key}`; expected {expected}"),
    )
}

/// Removes the attributes named `name` from `attrs` and returns them.
pub(crate) fn take(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let (taken, kept) = std::mem::take(attrs)
        .into_iter()
        .partition(|attr| attr.path().is_ident(name));
    *attrs = kept;
    taken
}

#[cfg(test)]
mod tests {
    use super::serde_name;
    use syn::Attribute;
    use syn::parse_quote;

    #[test]
    fn reads_serde_renames() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[serde(default, skip_serializing_if = "Option::is_none", bound(serialize = "T: X"))]
            #[serde(rename = "renamed")]
        };
        assert_eq!(serde_name(&attrs, "rename").as_deref(), Some("renamed"));

        let attrs: Vec<Attribute> =
            parse_quote!(#[serde(rename(deserialize = "in", serialize = "out"))]);
        assert_eq!(serde_name(&attrs, "rename").as_deref(), Some("out"));

        let attrs: Vec<Attribute> = parse_quote!(#[serde(rename_all = "camelCase")]);
        assert_eq!(
            serde_name(&attrs, "rename_all").as_deref(),
            Some("camelCase")
        );
        assert_eq!(serde_name(&attrs, "rename"), None);

        let attrs: Vec<Attribute> = parse_quote!(#[doc = "x"] #[live(updatable)]);
        assert_eq!(serde_name(&attrs, "rename"), None);
    }
}

//! The `TS` derive that `#[live_component]`, `#[live_room]` and `#[live::data]` put on the
//! types the browser receives, so user crates need no `cfg_attr` and no feature of their own.
//!
//! `live`'s feature `typescript` turns on this crate's feature of the same name (a proc macro
//! cannot see the features of the crate that re-exports it). With it the item gets
//! `#[derive(::live::TS)] #[ts(crate = "::live::typescript::ts_rs")]`, first among its
//! attributes so the derive comes before every `#[ts(...)]` helper it reads. Without it the
//! item loses its `#[ts(...)]` attributes, which nothing would read, so users write them
//! unconditionally.

use super::typescript::ENABLED;
use crate::errors::Errors;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, ItemEnum, ItemStruct, Meta, Path, Token, parse_quote};

/// With the feature, adds the `TS` derive to the struct; without it, removes its `#[ts(...)]`
/// attributes. A struct that derives `TS` itself is reported and left alone.
pub(crate) fn struct_item(errors: &mut Errors, item: &mut ItemStruct, macro_name: &str) {
    if user_derives(errors, &item.attrs, macro_name) {
        return;
    }
    if ENABLED {
        add_derive(&mut item.attrs);
    } else {
        strip(&mut item.attrs);
        strip_fields(&mut item.fields);
    }
}

/// [`struct_item`] for an enum.
pub(crate) fn enum_item(errors: &mut Errors, item: &mut ItemEnum, macro_name: &str) {
    if user_derives(errors, &item.attrs, macro_name) {
        return;
    }
    if ENABLED {
        add_derive(&mut item.attrs);
    } else {
        strip(&mut item.attrs);
        for variant in &mut item.variants {
            strip(&mut variant.attrs);
            strip_fields(&mut variant.fields);
        }
    }
}

/// Reports every `TS` derive the user wrote (plain or inside `cfg_attr`): `macro_name`
/// derives it already, and a second one would be a conflicting impl. Whether there was one.
fn user_derives(errors: &mut Errors, attrs: &[Attribute], macro_name: &str) -> bool {
    let mut found = false;
    for attr in attrs {
        for path in derived_ts(&attr.meta) {
            found = true;
            errors.spanned(
                &path,
                format!(
                    "`{macro_name}` derives `TS` itself when `live`'s feature `typescript` is on: \
                     remove this derive (and its `ts(crate = ...)`)"
                ),
            );
        }
    }
    found
}

fn add_derive(attrs: &mut Vec<Attribute>) {
    let derive: [Attribute; 2] = [
        parse_quote!(#[derive(::live::TS)]),
        parse_quote!(#[ts(crate = "::live::typescript::ts_rs")]),
    ];
    attrs.splice(0..0, derive);
}

fn strip(attrs: &mut Vec<Attribute>) {
    attrs.retain(|attr| !attr.path().is_ident("ts"));
}

fn strip_fields(fields: &mut Fields) {
    for field in fields.iter_mut() {
        strip(&mut field.attrs);
    }
}

/// The paths ending in `TS` in `derive(...)`, and in `cfg_attr(predicate, derive(...))` at any
/// depth. Attributes that do not parse are left to the compiler.
fn derived_ts(meta: &Meta) -> Vec<Path> {
    let Meta::List(list) = meta else {
        return Vec::new();
    };
    if list.path.is_ident("derive") {
        list.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            .map(|paths| paths.into_iter().filter(is_ts).collect())
            .unwrap_or_default()
    } else if list.path.is_ident("cfg_attr") {
        list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .map(|metas| metas.iter().skip(1).flat_map(derived_ts).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}

fn is_ts(path: &Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "TS")
}

#[cfg(test)]
mod tests {
    use super::{add_derive, derived_ts};
    use syn::{Attribute, parse_quote};

    fn found(attr: Attribute) -> Vec<String> {
        derived_ts(&attr.meta)
            .iter()
            .map(|path| quote::quote!(#path).to_string().replace(' ', ""))
            .collect()
    }

    #[test]
    fn finds_ts_derives_plain_and_conditional() {
        assert_eq!(
            found(parse_quote!(#[derive(Debug, live::TS, Serialize)])),
            ["live::TS"]
        );
        assert_eq!(
            found(parse_quote!(#[cfg_attr(feature = "typescript", derive(TS))])),
            ["TS"]
        );
        assert_eq!(
            found(parse_quote!(#[cfg_attr(all(unix, test), cfg_attr(test, derive(ts_rs::TS)))])),
            ["ts_rs::TS"]
        );
        assert!(found(parse_quote!(#[derive(Debug, Tsx)])).is_empty());
        assert!(found(parse_quote!(#[ts(crate = "x")])).is_empty());
        assert!(
            found(parse_quote!(#[cfg_attr(feature = "typescript", ts(crate = "x"))])).is_empty()
        );
    }

    #[test]
    fn the_derive_comes_first_then_its_helper() {
        let mut attrs: Vec<Attribute> = vec![parse_quote!(#[serde(rename_all = "camelCase")])];
        add_derive(&mut attrs);
        assert_eq!(
            quote::quote!(#(#attrs)*).to_string(),
            quote::quote!(
                #[derive(::live::TS)]
                #[ts(crate = "::live::typescript::ts_rs")]
                #[serde(rename_all = "camelCase")]
            )
            .to_string()
        );
    }
}

//! Parsing of the attributes the macro reads: its own arguments, `#[action]`, `#[payload]`,
//! `#[live]`, and the `#[serde]` renames that decide a field's JSON name.

use super::policy::Policy;
use crate::errors::Errors;
use crate::shared::meta::{duplicate, no_value, skip_value, unknown};
use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Attribute, LitStr, Meta, Token};

/// What the struct's arguments may be, for error messages.
const STRUCT_KEYS: &str =
    "`name = \"...\"`, `singleton`, `binary_delta`, `auth(...)` or `rate_limit(...)`";

/// Arguments of `#[live_component(...)]` on a struct.
#[derive(Default)]
pub(crate) struct StructArgs {
    /// `name = "..."`: the registry name.
    pub(crate) name: Option<LitStr>,
    /// `singleton`: one shared instance.
    pub(crate) singleton: bool,
    /// `binary_delta`, as written: changes of the fields the codec carries go as `0x01` frames.
    pub(crate) binary_delta: Option<syn::Path>,
    /// `auth(...)`: who may mount it; `rate_limit(...)`: the default for every action.
    pub(crate) policy: Policy,
}

/// Parses `#[live_component(name = "...", singleton, binary_delta, auth(...), rate_limit(...))]`
/// on a struct.
///
/// Every unknown, repeated or malformed argument is reported, not only the first.
pub(crate) fn struct_args(errors: &mut Errors, args: TokenStream) -> StructArgs {
    let mut parsed = StructArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let name: LitStr = meta.value()?.parse()?;
            if name.value().is_empty() {
                errors.spanned(&name, "the component name cannot be empty");
            }
            if parsed.name.replace(name).is_some() {
                errors.push(duplicate(&meta));
            }
        } else if meta.path.is_ident("singleton") {
            if std::mem::replace(&mut parsed.singleton, true) {
                errors.push(duplicate(&meta));
            }
            no_value(&meta)?;
        } else if meta.path.is_ident("binary_delta") {
            if parsed.binary_delta.replace(meta.path.clone()).is_some() {
                errors.push(duplicate(&meta));
            }
            no_value(&meta)?;
        } else if !parsed.policy.parse(errors, &meta)? {
            errors.push(unknown(&meta, "live_component", STRUCT_KEYS));
            skip_value(&meta)?;
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
        if ["name", "singleton", "binary_delta", "auth", "rate_limit"]
            .iter()
            .any(|key| meta.path.is_ident(key))
        {
            Err(syn::Error::new_spanned(
                &meta.path,
                "`name`, `singleton`, `binary_delta`, `auth` and `rate_limit` go on the struct: \
                 `#[live_component(name = \"...\", singleton)] struct ...`; \
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

/// Arguments of `#[action(...)]`.
#[derive(Default)]
pub(crate) struct ActionArgs {
    /// `name = "..."`: the wire name.
    pub(crate) name: Option<LitStr>,
    /// `auth(...)`, `rate_limit(...)`: the action's own rules.
    pub(crate) policy: Policy,
}

/// Parses `#[action]` / `#[action(name = "...", auth(...), rate_limit(...))]`.
pub(crate) fn action(errors: &mut Errors, attr: &Attribute) -> ActionArgs {
    let mut parsed = ActionArgs::default();
    let result = match &attr.meta {
        Meta::Path(_) => Ok(()),
        Meta::List(_) => attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                let name: LitStr = meta.value()?.parse()?;
                if parsed.name.replace(name).is_some() {
                    errors.push(duplicate(&meta));
                }
            } else if !parsed.policy.parse(errors, &meta)? {
                errors.push(unknown(
                    &meta,
                    "action",
                    "`name = \"...\"`, `auth(...)` or `rate_limit(...)`",
                ));
                skip_value(&meta)?;
            }
            Ok(())
        }),
        Meta::NameValue(_) => Err(syn::Error::new_spanned(
            attr,
            "expected `#[action]` or `#[action(name = \"...\", auth(...), rate_limit(...))]`",
        )),
    };
    if let Err(error) = result {
        errors.push(error);
    }
    parsed
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

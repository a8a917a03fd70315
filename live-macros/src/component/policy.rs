//! `auth(...)` and `rate_limit(...)`: who may mount a component or call an action, and how
//! often an action may be called. Read from `#[live_component(...)]` on the struct and from
//! `#[action(...)]`; every problem is recorded at the user's token and parsing goes on.

use crate::errors::Errors;
use crate::shared::meta::{duplicate, skip_value, unknown_in};
use std::str::FromStr;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprPath, Lit, LitStr, token};

/// What `auth(...)` may contain, for error messages.
const AUTH_KEYS: &str = "`required`, `roles = [\"...\"]`, `permissions = [\"...\"]` or \
                         `check = path::to::function`";
/// What `rate_limit(...)` may contain, for error messages.
const RATE_LIMIT_KEYS: &str = "`max = N`, `per_ms = N` or `per_action = true | false`";

/// `auth(...)`: the data behind a `live::security::AuthPolicy`.
#[derive(Default)]
pub(crate) struct Auth {
    /// `required`: the caller must be authenticated.
    pub(crate) required: bool,
    /// `roles = [...]`: the caller needs one of them.
    pub(crate) roles: Vec<LitStr>,
    /// `permissions = [...]`: the caller needs all of them.
    pub(crate) permissions: Vec<LitStr>,
    /// `check = path`: a `fn(&live::Identity) -> Result<(), String>`, type-checked by rustc.
    pub(crate) check: Option<ExprPath>,
}

/// `rate_limit(...)`: the data behind a `live::security::ActionRateLimit`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RateLimit {
    /// `max = N`: calls allowed per window.
    pub(crate) max_calls: u32,
    /// `per_ms = N`: the window in milliseconds.
    pub(crate) window_ms: u64,
    /// `per_action = bool` (default `true`): count each action separately.
    pub(crate) per_action: bool,
}

/// The `auth(...)` and `rate_limit(...)` arguments of one attribute.
#[derive(Default)]
pub(crate) struct Policy {
    /// `auth(...)`, when given and valid.
    pub(crate) auth: Option<Auth>,
    /// `rate_limit(...)`, when given and valid.
    pub(crate) rate_limit: Option<RateLimit>,
    seen_auth: bool,
    seen_rate_limit: bool,
}

impl Policy {
    /// Reads `meta` if it is `auth(...)` or `rate_limit(...)` (returning `true`); any other
    /// key is left alone (returning `false`).
    pub(crate) fn parse(
        &mut self,
        errors: &mut Errors,
        meta: &ParseNestedMeta<'_>,
    ) -> syn::Result<bool> {
        if meta.path.is_ident("auth") {
            if std::mem::replace(&mut self.seen_auth, true) {
                errors.push(duplicate(meta));
            }
            self.auth = auth(errors, meta)?;
        } else if meta.path.is_ident("rate_limit") {
            if std::mem::replace(&mut self.seen_rate_limit, true) {
                errors.push(duplicate(meta));
            }
            self.rate_limit = rate_limit(errors, meta)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Whether `auth(...)` or `rate_limit(...)` was given.
    pub(crate) fn declared(&self) -> bool {
        self.auth.is_some() || self.rate_limit.is_some()
    }
}

/// Whether the argument goes on with non-empty parentheses; if not, reports it (`empty`
/// says what `key()` lacks, `usage` is an example) and skips it.
fn parenthesized(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    empty: &str,
    usage: &str,
) -> syn::Result<bool> {
    let key = &meta.path;
    let key = quote::quote!(#key).to_string();
    if meta.input.peek(token::Paren) {
        let fork = meta.input.fork();
        let content;
        syn::parenthesized!(content in fork);
        if !content.is_empty() {
            return Ok(true);
        }
        errors.spanned(&meta.path, format!("`{key}()` {empty}, e.g. `{usage}`"));
    } else {
        errors.spanned(
            &meta.path,
            format!("`{key}` takes its rules in parentheses: `{usage}`"),
        );
    }
    skip_value(meta)?;
    Ok(false)
}

/// Parses `auth(required, roles = [..], permissions = [..], check = path)`.
fn auth(errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Auth>> {
    let usage = "auth(required, roles = [\"admin\"])";
    if !parenthesized(errors, meta, "is empty: remove it, or give it rules", usage)? {
        return Ok(None);
    }
    let mut auth = Auth::default();
    let (mut roles, mut permissions) = (false, false);
    let mut check = (false, None);
    meta.parse_nested_meta(|inner| {
        let key = &inner.path;
        if key.is_ident("required") {
            if std::mem::replace(&mut auth.required, true) {
                errors.push(duplicate(&inner));
            }
            if !(inner.input.is_empty() || inner.input.peek(syn::Token![,])) {
                errors.spanned(
                    key,
                    "`required` takes no value: write `auth(required)`, or leave it out",
                );
                skip_value(&inner)?;
            }
        } else if key.is_ident("roles") || key.is_ident("permissions") {
            let (seen, list, what) = if key.is_ident("roles") {
                (&mut roles, &mut auth.roles, "role")
            } else {
                (&mut permissions, &mut auth.permissions, "permission")
            };
            if std::mem::replace(seen, true) {
                errors.push(duplicate(&inner));
            }
            let value: Expr = inner.value()?.parse()?;
            *list = strings(errors, key, what, &value);
        } else if key.is_ident("check") {
            let value: Expr = inner.value()?.parse()?;
            let path = match ungroup(&value) {
                Expr::Path(path) => Some(path.clone()),
                _ => {
                    errors.spanned(
                        &value,
                        "`check` takes the path of a function `fn(&live::Identity) -> Result<(), String>` \
                         (e.g. `check = crate::auth::is_admin`)",
                    );
                    None
                }
            };
            set(errors, &inner, &mut check, path);
        } else {
            errors.push(unknown_in(&inner, "`auth(...)`", AUTH_KEYS));
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    auth.check = check.1;
    Ok(Some(auth))
}

/// Parses `rate_limit(max = N, per_ms = N, per_action = bool)`; `None` unless both `max`
/// and `per_ms` are given and valid.
fn rate_limit(errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RateLimit>> {
    let usage = "rate_limit(max = 10, per_ms = 1000)";
    if !parenthesized(errors, meta, "needs `max = N` and `per_ms = N`", usage)? {
        return Ok(None);
    }
    // Each key: whether it was given, and its value when valid.
    let mut max: (bool, Option<u32>) = (false, None);
    let mut per_ms: (bool, Option<u64>) = (false, None);
    let mut per_action: (bool, Option<bool>) = (false, None);
    meta.parse_nested_meta(|inner| {
        let key = &inner.path;
        if key.is_ident("max") {
            let value: Expr = inner.value()?.parse()?;
            let parsed = positive(errors, "max", "u32", "calls per window", &value);
            set(errors, &inner, &mut max, parsed);
        } else if key.is_ident("per_ms") {
            let value: Expr = inner.value()?.parse()?;
            let parsed = positive(
                errors,
                "per_ms",
                "u64",
                "the window in milliseconds",
                &value,
            );
            set(errors, &inner, &mut per_ms, parsed);
        } else if key.is_ident("per_action") {
            let value: Expr = inner.value()?.parse()?;
            let parsed = match ungroup(&value) {
                Expr::Lit(lit) => match &lit.lit {
                    Lit::Bool(flag) => Some(flag.value),
                    _ => None,
                },
                _ => None,
            };
            if parsed.is_none() {
                errors.spanned(&value, "`per_action` takes `true` or `false`");
            }
            set(errors, &inner, &mut per_action, parsed);
        } else {
            errors.push(unknown_in(&inner, "`rate_limit(...)`", RATE_LIMIT_KEYS));
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    let missing: Vec<&str> = [("`max = N`", max.0), ("`per_ms = N`", per_ms.0)]
        .into_iter()
        .filter_map(|(key, given)| (!given).then_some(key))
        .collect();
    if !missing.is_empty() {
        errors.spanned(
            &meta.path,
            format!(
                "`rate_limit(...)` is missing {}: it needs `max = N` (calls) and `per_ms = N` \
                 (the window in milliseconds), e.g. `rate_limit(max = 10, per_ms = 1000)`",
                missing.join(" and ")
            ),
        );
    }
    Ok(match (max.1, per_ms.1) {
        (Some(max_calls), Some(window_ms)) => Some(RateLimit {
            max_calls,
            window_ms,
            per_action: per_action.1.unwrap_or(true),
        }),
        _ => None,
    })
}

/// Records a key's value, reporting it if it was given before.
fn set<T>(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    slot: &mut (bool, Option<T>),
    value: Option<T>,
) {
    if std::mem::replace(&mut slot.0, true) {
        errors.push(duplicate(meta));
    } else {
        slot.1 = value;
    }
}

/// `key = [ "a", "b" ]`: non-empty string literals (`what` names one, for messages).
fn strings(errors: &mut Errors, key: &syn::Path, what: &str, value: &Expr) -> Vec<LitStr> {
    let key = quote::quote!(#key).to_string();
    let usage = format!("`{key} = [\"a\", \"b\"]`");
    let Expr::Array(array) = ungroup(value) else {
        let message = match ungroup(value) {
            Expr::Lit(lit) if matches!(lit.lit, Lit::Str(_)) => {
                let lit = &lit.lit;
                let lit = quote::quote!(#lit);
                format!("`{key}` takes a list of string literals, in brackets: `{key} = [{lit}]`")
            }
            _ => format!("`{key}` takes a list of string literals: {usage}"),
        };
        errors.spanned(value, message);
        return Vec::new();
    };
    let mut found = Vec::new();
    for element in &array.elems {
        match ungroup(element) {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(text) if text.value().trim().is_empty() => {
                    errors.spanned(text, format!("a {what} cannot be empty"));
                }
                Lit::Str(text) => found.push(text.clone()),
                _ => errors.spanned(
                    element,
                    format!("`{key}` takes a list of string literals: {usage}"),
                ),
            },
            _ => errors.spanned(
                element,
                format!("`{key}` takes a list of string literals: {usage}"),
            ),
        }
    }
    found
}

/// An integer literal greater than zero that fits `ty` (`key` is the argument, `meaning`
/// what it counts, for messages).
fn positive<T: FromStr<Err: std::fmt::Display> + Default + PartialEq>(
    errors: &mut Errors,
    key: &str,
    ty: &str,
    meaning: &str,
    value: &Expr,
) -> Option<T> {
    let lit = match ungroup(value) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(int) if int.suffix().is_empty() || int.suffix() == ty => Some(int),
            _ => None,
        },
        _ => None,
    };
    let Some(lit) = lit else {
        errors.spanned(
            value,
            format!(
                "`{key}` ({meaning}) takes an integer literal greater than 0, e.g. `{key} = 10`"
            ),
        );
        return None;
    };
    match lit.base10_parse::<T>() {
        Ok(parsed) if parsed == T::default() => {
            errors.spanned(lit, format!("`{key}` ({meaning}) must be greater than 0"));
            None
        }
        Ok(parsed) => Some(parsed),
        Err(_) => {
            errors.spanned(lit, format!("`{key}` ({meaning}) must fit in a `{ty}`"));
            None
        }
    }
}

/// `expr` without the invisible groups `macro_rules!` wraps around interpolated fragments.
fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => ungroup(&group.expr),
        expr => expr,
    }
}

#[cfg(test)]
mod tests {
    use super::{Auth, Policy, RateLimit};
    use crate::errors::Errors;
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse::Parser;

    /// The policy read from `args`, and the text of its errors (empty when none).
    fn parse(args: TokenStream) -> (Policy, String) {
        let mut errors = Errors::default();
        let mut policy = Policy::default();
        let parser = syn::meta::parser(|meta| {
            assert!(policy.parse(&mut errors, &meta)?, "only policy keys here");
            Ok(())
        });
        if let Err(error) = parser.parse2(args) {
            errors.push(error);
        }
        let errors = errors
            .into_compile_errors()
            .map(|tokens| tokens.to_string())
            .unwrap_or_default();
        (policy, errors)
    }

    #[test]
    fn reads_auth_and_rate_limit() {
        let (policy, errors) = parse(quote! {
            auth(required, roles = ["admin", "owner"], permissions = ["board.write"], check = crate::auth::is_admin),
            rate_limit(max = 10, per_ms = 1000u64, per_action = false)
        });
        assert_eq!(errors, "");
        assert!(policy.declared());
        let Some(Auth {
            required,
            roles,
            permissions,
            check,
        }) = policy.auth
        else {
            panic!("no auth");
        };
        assert!(required);
        let roles: Vec<String> = roles.iter().map(syn::LitStr::value).collect();
        assert_eq!(roles, ["admin", "owner"]);
        assert_eq!(permissions.len(), 1);
        assert!(check.is_some());
        assert_eq!(
            policy.rate_limit,
            Some(RateLimit {
                max_calls: 10,
                window_ms: 1000,
                per_action: false
            })
        );
    }

    #[test]
    fn per_action_defaults_to_true() {
        let (policy, errors) = parse(quote!(rate_limit(max = 1, per_ms = 5)));
        assert_eq!(errors, "");
        assert!(policy.auth.is_none());
        assert_eq!(policy.rate_limit.map(|limit| limit.per_action), Some(true));
        assert!(!parse(TokenStream::new()).0.declared());
    }

    #[test]
    fn collects_every_error() {
        let (policy, errors) = parse(quote! {
            auth(required, required, roles = "admin", permissions = ["", 1], check = 3, who = 1),
            rate_limit(max = 0, per_ms = "1000", per_action = 1, burst),
            rate_limit(max = 99999999999)
        });
        for expected in [
            "duplicate `required` argument",
            "`roles` takes a list of string literals, in brackets: `roles = [",
            "a permission cannot be empty",
            "`permissions` takes a list of string literals",
            "`check` takes the path of a function",
            "unknown `auth(...)` argument `who`",
            "`max` (calls per window) must be greater than 0",
            "`per_ms` (the window in milliseconds) takes an integer literal",
            "`per_action` takes `true` or `false`",
            "unknown `rate_limit(...)` argument `burst`",
            "duplicate `rate_limit` argument",
            "must fit in a `u32`",
            "`rate_limit(...)` is missing `per_ms = N`",
        ] {
            assert!(errors.contains(expected), "{expected} not in {errors}");
        }
        assert!(policy.rate_limit.is_none());
    }

    #[test]
    fn needs_rules_in_parentheses() {
        let (policy, errors) = parse(quote!(auth, rate_limit = 3, auth(), rate_limit()));
        for expected in [
            "`auth` takes its rules in parentheses",
            "`rate_limit` takes its rules in parentheses",
            "`auth()` is empty",
            "`rate_limit()` needs `max = N` and `per_ms = N`",
        ] {
            assert!(errors.contains(expected), "{expected} not in {errors}");
        }
        assert!(!policy.declared());
    }
}

//! Checks that the struct, the impl block and each action and hook are something the macro
//! can expand; every problem is recorded, spanned at the user's offending tokens.

use super::ast::{self, Action, ArgKind, Hook, HookKind};
use crate::errors::Errors;
use crate::shared::syntax::{
    Output, check_args, check_method, check_not_generic, is_named, is_str_ref,
};
use std::collections::HashMap;
use syn::{ItemImpl, ItemStruct, Type};

/// The struct must be a plain (non-generic) struct with named fields.
pub(crate) fn check_struct(errors: &mut Errors, item: &ItemStruct) {
    check_not_generic(errors, &item.generics, "a `#[live_component]` struct");
    match &item.fields {
        syn::Fields::Named(_) => {}
        syn::Fields::Unnamed(fields) => errors.spanned(
            fields,
            "a `#[live_component]` struct needs named fields (its state is a JSON object), not a tuple struct",
        ),
        syn::Fields::Unit => errors.spanned(
            &item.ident,
            "a `#[live_component]` struct needs named fields (its state is a JSON object): write `struct Name {}`",
        ),
    }
}

/// The impl block must be the component's own, non-generic, inherent impl.
pub(crate) fn check_impl(errors: &mut Errors, item: &ItemImpl) {
    if let Some((_, path, _)) = &item.trait_ {
        errors.spanned(
            path,
            "`#[live_component]` goes on the component's inherent impl block (`impl Name { ... }`), not on a trait impl",
        );
    }
    check_not_generic(errors, &item.generics, "a `#[live_component]` impl block");
}

/// Checks every action and hook of the component.
pub(crate) fn check_component(errors: &mut Errors, component: &ast::Impl) {
    let mut wire_names: HashMap<String, &syn::Ident> = HashMap::new();
    for action in &component.actions {
        check_action(errors, action);
        let name = action.wire.value();
        if name.is_empty() {
            errors.spanned(&action.wire, "an action name cannot be empty");
        } else if name.starts_with('_') {
            errors.spanned(
                &action.wire,
                format!(
                    "action name `{name}` starts with `_`: names starting with `_` are reserved"
                ),
            );
        }
        if let Some(first) = wire_names.get(&name) {
            errors.spanned(
                &action.wire,
                format!("duplicate action name `{name}`: already used by `fn {first}`"),
            );
        } else {
            wire_names.insert(name, &action.sig.ident);
        }
    }
    for hook in &component.hooks {
        check_hook(errors, hook);
    }
    super::upload::check(errors, &component.uploads);
}

fn check_action(errors: &mut Errors, action: &Action) {
    check_method(
        errors,
        &action.sig,
        "an `#[action]` method",
        "take `&self` or `&mut self`",
        "component",
    );
    let mut payload = None;
    let mut ctx = None;
    let mut named = None;
    for arg in &action.args {
        let ty = &arg.arg.ty;
        match &arg.kind {
            ArgKind::Ctx => {
                if ctx.replace(arg).is_some() {
                    errors.spanned(&arg.arg, "an action takes at most one `Ctx` argument");
                }
                continue;
            }
            ArgKind::Payload => {
                if payload.replace(arg).is_some() {
                    errors.spanned(
                        &arg.arg,
                        "an action takes at most one `#[payload]` argument",
                    );
                }
            }
            ArgKind::Named(_) => {
                named.get_or_insert(arg);
            }
        }
        check_owned_type(errors, ty);
    }
    if let (Some(_), Some(named)) = (payload, named) {
        errors.spanned(
            &named.arg,
            "an action with a `#[payload]` argument receives the whole payload there, \
             so it cannot also take named arguments: move this argument into the payload type",
        );
    }
}

/// Action arguments (other than the context) are deserialized from the payload, so they must
/// be owned types.
fn check_owned_type(errors: &mut Errors, ty: &Type) {
    match ty {
        Type::Reference(_) => errors.spanned(
            ty,
            "reference arguments are not supported: action arguments are deserialized from the payload, \
             so they must be owned types (e.g. `String` instead of `&str`); only the context may be borrowed \
             (`ctx: &mut Ctx<Self>`)",
        ),
        Type::ImplTrait(_) => errors.spanned(
            ty,
            "`impl Trait` arguments are not supported: action arguments must be concrete, deserializable types",
        ),
        _ if ast::is_ctx(ty) => errors.spanned(ty, "take the context by reference: `ctx: &mut Ctx<Self>`"),
        _ => {}
    }
}

fn check_hook(errors: &mut Errors, hook: &Hook) {
    let name = &hook.sig.ident;
    let expected = hook.kind.expected();
    let wrong = |what: &str| {
        format!("wrong signature for the lifecycle hook `{name}`: {what}; expected {expected}")
    };
    check_method(
        errors,
        &hook.sig,
        &format!("the lifecycle hook `{name}`"),
        "take `&mut self`",
        "component",
    );
    if let (Some(asyncness), false) = (&hook.sig.asyncness, hook.kind.is_async()) {
        errors.spanned(asyncness, wrong("it cannot be `async`"));
    }
    let expected_args: &[fn(&Type) -> bool] = match hook.kind {
        HookKind::Mount | HookKind::Rehydrate => &[ast::is_ctx_ref],
        HookKind::Destroy => &[],
        HookKind::ClientJoin | HookKind::ClientLeave => &[is_str_ref, is_usize],
    };
    let required = if hook.kind.is_async() {
        0
    } else {
        expected_args.len()
    };
    check_args(errors, &hook.sig, expected_args, required, &wrong);
    match &hook.output {
        Output::Unit => {}
        Output::Result { ok_unit: true, .. } if hook.kind.is_async() => {}
        Output::Result { ty, .. } | Output::Value(ty) => {
            errors.spanned(ty, wrong("unexpected return type"))
        }
    }
}

fn is_usize(ty: &Type) -> bool {
    is_named(ty, "usize")
}

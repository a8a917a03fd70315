//! Checks that the state struct, the impl block, the events enum and each hook are something
//! the macro can expand; every problem is recorded, spanned at the user's offending tokens.

use super::ast::{self, Hook, HookKind};
use crate::errors::Errors;
use crate::shared::syntax::{
    Output, check_args, check_method, check_not_generic, is_named, is_str_ref, last_segment,
};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::{Expr, Fields, ItemEnum, ItemImpl, ItemStruct, Lit, Type};

/// The longest prefix: a room id (`"<prefix>:<instance>"`) has at most 64 characters.
const MAX_PREFIX_LENGTH: usize = 62;

/// The state struct must be a plain (non-generic) struct with named fields.
pub(crate) fn check_struct(errors: &mut Errors, item: &ItemStruct) {
    check_not_generic(errors, &item.generics, "a `#[live_room]` struct");
    match &item.fields {
        Fields::Named(_) => {}
        Fields::Unnamed(fields) => errors.spanned(
            fields,
            "a `#[live_room]` struct needs named fields (its state is a JSON object), not a tuple struct",
        ),
        Fields::Unit => errors.spanned(
            &item.ident,
            "a `#[live_room]` struct needs named fields (its state is a JSON object): write `struct Name {}`",
        ),
    }
}

/// `prefix` and `events` are required; the prefix must fit in a room id; the member limit
/// must let someone in.
pub(crate) fn check_struct_args(errors: &mut Errors, room: &ast::Struct) {
    match &room.prefix {
        None => errors.push(syn::Error::new(
            Span::call_site(),
            "missing `prefix = \"...\"`: a `#[live_room]` struct needs the prefix of its room ids \
             (`#[live_room(prefix = \"chat\", events = ChatEvent)]` for ids like `chat:lobby`)",
        )),
        Some(prefix) => {
            let value = prefix.value();
            if value.is_empty() {
                errors.spanned(prefix, "the room prefix cannot be empty");
            } else if let Some(bad) = value
                .chars()
                .find(|ch| !(ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-')))
            {
                let why = if bad == ':' {
                    " (the runtime adds the `:` between the prefix and the instance)".to_owned()
                } else {
                    String::new()
                };
                errors.spanned(
                    prefix,
                    format!(
                        "invalid room prefix `{value}`: `{bad}` is not allowed{why}; \
                         a prefix is made of ASCII letters, digits, `_`, `.` and `-`"
                    ),
                );
            } else if value.len() > MAX_PREFIX_LENGTH {
                errors.spanned(
                    prefix,
                    format!(
                        "the room prefix is {} characters long; at most {MAX_PREFIX_LENGTH} fit in \
                         a room id (`<prefix>:<instance>`, 64 characters at most)",
                        value.len()
                    ),
                );
            }
        }
    }
    if room.events.is_none() {
        errors.push(syn::Error::new(
            Span::call_site(),
            "missing `events = EventEnum`: a `#[live_room]` struct names the enum of its events \
             (an enum with `#[live_room]` and `#[event(\"name\")]` variants)",
        ));
    }
    if let Some(Expr::Lit(syn::ExprLit {
        lit: Lit::Int(max), ..
    })) = &room.max_members
    {
        match max.base10_parse::<usize>() {
            Ok(0) => errors.spanned(
                max,
                "`max_members` must be at least 1 (leave it out for no limit)",
            ),
            Ok(_) => {}
            Err(error) => errors.push(error),
        }
    }
}

/// The events enum must be non-generic, and every variant an `#[event("name")]` unit or
/// single-field tuple variant with a distinct, non-reserved name.
pub(crate) fn check_events(errors: &mut Errors, item: &ItemEnum, events: &ast::Events) {
    check_not_generic(errors, &item.generics, "a `#[live_room]` events enum");
    let mut names: HashMap<String, &syn::Ident> = HashMap::new();
    for event in &events.variants {
        match &event.fields {
            Fields::Unit => {}
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {}
            Fields::Unnamed(fields) => errors.spanned(
                fields,
                format!(
                    "event variant `{}` must be a unit variant (no payload) or carry exactly one \
                     payload value (`{}(Payload)`); put several values in a struct",
                    event.ident, event.ident
                ),
            ),
            Fields::Named(fields) => errors.spanned(
                fields,
                format!(
                    "event variant `{}` cannot have named fields: make it carry one payload value \
                     (`{}(Payload)`, with a struct `Payload` holding the fields)",
                    event.ident, event.ident
                ),
            ),
        }
        if !event.has_event_attr {
            errors.spanned(
                &event.ident,
                format!(
                    "variant `{}` has no `#[event(\"name\")]`: every variant of a `#[live_room]` \
                     events enum needs its wire name",
                    event.ident
                ),
            );
        }
        let Some(wire) = &event.wire else {
            continue;
        };
        let name = wire.value();
        if name.is_empty() {
            errors.spanned(wire, "an event name cannot be empty");
        } else if name.starts_with('$') {
            errors.spanned(
                wire,
                format!(
                    "event name `{name}` starts with `$`: names starting with `$` are reserved \
                     for system events"
                ),
            );
        } else if name.len() > usize::from(u16::MAX) {
            errors.spanned(wire, "an event name has at most 65535 bytes");
        }
        if let Some(first) = names.get(&name) {
            errors.spanned(
                wire,
                format!("duplicate event name `{name}`: already used by `{first}`"),
            );
        } else {
            names.insert(name, &event.ident);
        }
    }
}

/// The impl block must be the room's own, non-generic, inherent impl.
pub(crate) fn check_impl(errors: &mut Errors, item: &ItemImpl) {
    if let Some((_, path, _)) = &item.trait_ {
        errors.spanned(
            path,
            "`#[live_room]` goes on the room's inherent impl block (`impl Name { ... }`), not on a trait impl",
        );
    }
    check_not_generic(errors, &item.generics, "a `#[live_room]` impl block");
}

/// Checks every hook of the room.
pub(crate) fn check_hooks(errors: &mut Errors, room: &ast::Impl) {
    for hook in &room.hooks {
        check_hook(errors, hook);
    }
}

fn check_hook(errors: &mut Errors, hook: &Hook) {
    let name = &hook.sig.ident;
    let expected = hook.kind.expected();
    let wrong = |what: &str| {
        format!("wrong signature for the room hook `{name}`: {what}; expected {expected}")
    };
    check_method(
        errors,
        &hook.sig,
        &format!("the room hook `{name}`"),
        "take `&mut self`",
        "room",
    );
    if let Some(asyncness) = &hook.sig.asyncness {
        errors.spanned(asyncness, wrong("it cannot be `async`"));
    }
    // The optional last argument (membership, sender) is checked by the compiler.
    let (expected_args, required): (&[ArgCheck], usize) = match hook.kind {
        HookKind::Create => (&[is_str_ref], 1),
        HookKind::Join => (&[is_join_info_ref], 1),
        HookKind::Leave => (&[is_leave_info_ref, any_type], 1),
        HookKind::Event => (&[is_shared_ref, any_type], 1),
        HookKind::Destroy => (&[], 0),
    };
    check_args(errors, &hook.sig, expected_args, required, &wrong);
    let fits = match (&hook.output, hook.kind) {
        (Output::Unit, _) => true,
        // The membership value (or a `Result` of it): its type is checked by the compiler.
        (Output::Result { .. } | Output::Value(_), HookKind::Join) => true,
        (Output::Value(ty), HookKind::Destroy) => is_named(ty, "bool"),
        (Output::Result { .. } | Output::Value(_), _) => false,
    };
    if let (false, Output::Result { ty, .. } | Output::Value(ty)) = (fits, &hook.output) {
        errors.spanned(ty, wrong("unexpected return type"));
    }
}

/// Whether an argument's type is the one a hook takes at its position.
type ArgCheck = fn(&Type) -> bool;

fn any_type(_: &Type) -> bool {
    true
}

fn is_shared_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference) if reference.mutability.is_none())
}

fn is_join_info_ref(ty: &Type) -> bool {
    is_shared_ref_to(ty, "JoinInfo")
}

fn is_leave_info_ref(ty: &Type) -> bool {
    is_shared_ref_to(ty, "LeaveInfo")
}

/// Whether `ty` is `&Name` or `&path::to::Name`.
fn is_shared_ref_to(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Reference(reference)
        if reference.mutability.is_none()
            && last_segment(&reference.elem)
                .is_some_and(|segment| segment.ident == name && segment.arguments.is_none()))
}

//! Parsing of the attributes `#[live_room]` reads: its own arguments and `#[event("...")]`.

use crate::errors::Errors;
use crate::shared::meta::{duplicate, skip_value, unknown};
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, Ident, LitStr, Meta, Path, Token, Type};

/// What the struct's arguments may be, for error messages.
const STRUCT_KEYS: &str = "`prefix = \"...\"`, `events = EventEnum`, `max_members = N`, \
                           `codec = json | msgpack | path::To::Codec`, `membership = Type`, \
                           `presence`, `presence = Type` or `presence_by = user | connection`";

/// Arguments of `#[live_room(...)]` on the state struct.
#[derive(Default)]
pub(crate) struct StructArgs {
    /// `prefix = "..."`: room ids are `"<prefix>:<instance>"`.
    pub(crate) prefix: Option<LitStr>,
    /// `events = Type`: the `#[live_room]` events enum.
    pub(crate) events: Option<Type>,
    /// `max_members = N`: the member limit.
    pub(crate) max_members: Option<Expr>,
    /// `codec = ...`: how binary frame payloads are encoded.
    pub(crate) codec: Option<Codec>,
    /// `membership = Type`: the server-only value kept per member.
    pub(crate) membership: Option<Type>,
    /// `presence`, `presence = Type`, `presence_by = ...`.
    pub(crate) presence: PresenceArgs,
}

/// The room's presence arguments.
#[derive(Default)]
pub(crate) struct PresenceArgs {
    /// `presence` (metadata `()`) or `presence = Type`.
    pub(crate) on: bool,
    /// `presence = Type`.
    pub(crate) meta: Option<Type>,
    /// `presence_by = connection` (`user` is the default).
    pub(crate) by_connection: bool,
}

/// How a room encodes its binary frame payloads.
pub(crate) enum Codec {
    /// `codec = json`
    Json(Path),
    /// `codec = msgpack` (the default)
    Msgpack(Path),
    /// `codec = path::To::Codec`: a type implementing `RoomCodec`.
    Custom(Path),
}

/// Parses `#[live_room(prefix = "...", events = Type, max_members = N, codec = ..., membership = Type)]`.
///
/// Every unknown or repeated argument is reported, not only the first.
pub(crate) fn struct_args(errors: &mut Errors, args: TokenStream) -> StructArgs {
    let mut parsed = StructArgs::default();
    let parser = syn::meta::parser(|meta| {
        let path = &meta.path;
        if path.is_ident("prefix") {
            let prefix: LitStr = meta.value()?.parse()?;
            if parsed.prefix.replace(prefix).is_some() {
                errors.push(duplicate(&meta));
            }
        } else if path.is_ident("events") {
            let events: Type = meta.value()?.parse()?;
            if parsed.events.replace(events).is_some() {
                errors.push(duplicate(&meta));
            }
        } else if path.is_ident("max_members") {
            let max: Expr = meta.value()?.parse()?;
            if parsed.max_members.replace(max).is_some() {
                errors.push(duplicate(&meta));
            }
        } else if path.is_ident("membership") {
            let membership: Type = meta.value()?.parse()?;
            if parsed.membership.replace(membership).is_some() {
                errors.push(duplicate(&meta));
            }
        } else if path.is_ident("presence") {
            if parsed.presence.on {
                errors.push(duplicate(&meta));
            }
            parsed.presence.on = true;
            if meta.input.peek(syn::Token![=]) {
                let ty: Type = meta.value()?.parse()?;
                parsed.presence.meta = Some(ty);
            }
        } else if path.is_ident("presence_by") {
            let by: Path = meta.value()?.parse()?;
            if by.is_ident("connection") {
                parsed.presence.by_connection = true;
            } else if !by.is_ident("user") {
                errors.spanned(
                    &by,
                    "expected `presence_by = user` or `presence_by = connection`",
                );
            }
        } else if path.is_ident("codec") {
            let codec: Path = meta.value()?.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected `codec = json`, `codec = msgpack` or `codec = path::To::Codec` \
                     (a type implementing `live::room::RoomCodec`)",
                )
            })?;
            let codec = if codec.is_ident("json") {
                Codec::Json(codec)
            } else if codec.is_ident("msgpack") {
                Codec::Msgpack(codec)
            } else {
                Codec::Custom(codec)
            };
            if parsed.codec.replace(codec).is_some() {
                errors.push(duplicate(&meta));
            }
        } else {
            errors.push(unknown(&meta, "live_room", STRUCT_KEYS));
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

/// Rejects every argument of `#[live_room(...)]` on an impl block or an events enum.
pub(crate) fn no_args(errors: &mut Errors, args: TokenStream, on: &str) {
    let parser = syn::meta::parser(|meta| {
        let path = &meta.path;
        if [
            "prefix",
            "events",
            "max_members",
            "codec",
            "membership",
            "presence",
            "presence_by",
        ]
        .iter()
        .any(|key| path.is_ident(key))
        {
            errors.spanned(
                path,
                format!(
                    "`prefix`, `events`, `max_members`, `codec`, `membership`, `presence` and \
                     `presence_by` go on the room's state struct: \
                     `#[live_room(prefix = \"...\", events = EventEnum)] struct ...`; \
                     `#[live_room]` on {on} takes no arguments"
                ),
            );
        } else {
            errors.push(unknown(
                &meta,
                "live_room",
                &format!("no arguments on {on}"),
            ));
        }
        skip_value(&meta)
    });
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
}

/// What `#[event("name", flags...)]` says about a variant.
pub(crate) struct EventAttr {
    /// The wire name.
    pub(crate) wire: LitStr,
    /// `from_client`: a member's client may emit it (`ROOM_EMIT`).
    pub(crate) from_client: bool,
}

/// The flags `#[event("name", ...)]` takes, for error messages.
const EVENT_FLAGS: &str = "`from_client` (a member's client may emit the event)";

/// Parses `#[event("name")]` or `#[event("name", from_client)]`. Every unknown or repeated
/// flag is reported at its token.
pub(crate) fn event(errors: &mut Errors, attr: &Attribute) -> Option<EventAttr> {
    const EXPECTED: &str = "expected `#[event(\"name\")]` or `#[event(\"name\", from_client)]`, \
                            with the event's wire name as a string literal";
    let Meta::List(list) = &attr.meta else {
        errors.spanned(attr, EXPECTED);
        return None;
    };
    let (wire, flags) = match list.parse_args_with(name_and_flags) {
        Ok(parsed) => parsed,
        Err(_) if list.tokens.is_empty() => {
            errors.spanned(attr, EXPECTED);
            return None;
        }
        Err(error) => {
            errors.push(syn::Error::new(error.span(), EXPECTED));
            return None;
        }
    };
    let mut from_client = false;
    for flag in flags {
        if flag != "from_client" {
            errors.spanned(
                &flag,
                format!("unknown `#[event]` flag `{flag}`; expected {EVENT_FLAGS}"),
            );
        } else if from_client {
            errors.spanned(&flag, "duplicate `from_client` flag");
        } else {
            from_client = true;
        }
    }
    Some(EventAttr { wire, from_client })
}

/// `"name"` then any number of `, flag`.
fn name_and_flags(input: ParseStream<'_>) -> syn::Result<(LitStr, Vec<Ident>)> {
    let wire: LitStr = input.parse()?;
    let mut flags = Vec::new();
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        flags.push(input.call(Ident::parse_any)?);
    }
    Ok((wire, flags))
}

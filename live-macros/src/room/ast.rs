//! The room as the macro understands it, read from the user's state struct, impl block or
//! events enum.
//!
//! Reading also removes the macro's helper attribute (`#[event]`) from the item, so the item
//! can be emitted unchanged otherwise.

use super::attr::{self, Codec};
use crate::errors::Errors;
use crate::shared::meta::take;
use crate::shared::syntax::Output;
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::{Expr, Fields, Ident, ImplItem, ItemEnum, ItemImpl, ItemStruct, LitStr, Signature, Type};

/// `#[live_room(...)]` on the state struct: the data behind `RoomAttrs`.
pub(crate) struct Struct {
    /// The struct's name.
    pub(crate) ident: Ident,
    /// `prefix = "..."` (checked by `valid::check_struct_args`).
    pub(crate) prefix: Option<LitStr>,
    /// `events = Type`.
    pub(crate) events: Option<Type>,
    /// `max_members = N`.
    pub(crate) max_members: Option<Expr>,
    /// `codec = ...` (msgpack when absent).
    pub(crate) codec: Option<Codec>,
    /// `membership = Type` (`()` when absent).
    pub(crate) membership: Option<Type>,
    /// `presence` / `presence = Type` / `presence_by = connection`.
    pub(crate) presence: attr::PresenceArgs,
    /// The fields marked `#[serde(skip)]`: server-only, kept across a rebuild from JSON.
    pub(crate) server_only: Vec<Ident>,
}

impl Struct {
    /// Reads the struct's arguments.
    pub(crate) fn from_syn(errors: &mut Errors, args: TokenStream, item: &ItemStruct) -> Self {
        let args = attr::struct_args(errors, args);
        Self {
            ident: item.ident.clone(),
            prefix: args.prefix,
            events: args.events,
            max_members: args.max_members,
            codec: args.codec,
            membership: args.membership,
            presence: args.presence,
            server_only: server_only_fields(item),
        }
    }
}

/// The named fields with `#[serde(skip)]`.
fn server_only_fields(item: &ItemStruct) -> Vec<Ident> {
    item.fields
        .iter()
        .filter(|field| field.attrs.iter().any(is_serde_skip))
        .filter_map(|field| field.ident.clone())
        .collect()
}

/// Whether `attr` is `#[serde(..., skip, ...)]`.
fn is_serde_skip(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("serde") {
        return false;
    }
    let mut skip = false;
    // Other serde arguments (`rename = "..."`, …) are skipped over, not judged.
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("skip") {
            skip = true;
        } else if meta.input.peek(syn::Token![=]) {
            meta.value()?.parse::<Expr>()?;
        } else if meta.input.peek(syn::token::Paren) {
            let _content;
            syn::parenthesized!(_content in meta.input);
        }
        Ok(())
    });
    skip
}

/// `#[live_room]` on the events enum: the data behind `RoomEvent`.
pub(crate) struct Events {
    /// The enum's name.
    pub(crate) ident: Ident,
    /// Its variants, in declaration order.
    pub(crate) variants: Vec<Event>,
}

/// One variant of the events enum.
pub(crate) struct Event {
    /// The variant's name.
    pub(crate) ident: Ident,
    /// `#[event("...")]`'s wire name (`None`: missing or malformed, already reported).
    pub(crate) wire: Option<LitStr>,
    /// `#[event("...", from_client)]`: a member's client may emit it.
    pub(crate) from_client: bool,
    /// Whether the variant had an `#[event]` attribute at all.
    pub(crate) has_event_attr: bool,
    /// The variant's fields as written.
    pub(crate) fields: Fields,
}

impl Event {
    /// The payload type of a single-field tuple variant (`None` for a unit variant).
    pub(crate) fn payload(&self) -> Option<&Type> {
        match &self.fields {
            Fields::Unnamed(fields) => fields.unnamed.first().map(|field| &field.ty),
            Fields::Named(_) | Fields::Unit => None,
        }
    }
}

impl Events {
    /// Reads the enum, removing `#[event]` from its variants.
    pub(crate) fn from_syn(errors: &mut Errors, item: &mut ItemEnum) -> Self {
        let variants = item
            .variants
            .iter_mut()
            .map(|variant| {
                let attrs = take(&mut variant.attrs, "event");
                let parsed = attrs.split_first().and_then(|(first, duplicates)| {
                    for duplicate in duplicates {
                        errors.spanned(duplicate, "duplicate `#[event]` attribute");
                    }
                    attr::event(errors, first)
                });
                let from_client = parsed.as_ref().is_some_and(|event| event.from_client);
                Event {
                    ident: variant.ident.clone(),
                    wire: parsed.map(|event| event.wire),
                    from_client,
                    has_event_attr: !attrs.is_empty(),
                    fields: variant.fields.clone(),
                }
            })
            .collect();
        Self {
            ident: item.ident.clone(),
            variants,
        }
    }
}

/// `#[live_room]` on the impl block: the hooks behind `LiveRoom`.
pub(crate) struct Impl {
    /// The room type.
    pub(crate) self_ty: Type,
    /// Methods recognised as hooks by their name.
    pub(crate) hooks: Vec<Hook>,
}

impl Impl {
    /// Reads the impl block's hooks.
    pub(crate) fn from_syn(item: &ItemImpl) -> Self {
        let hooks = item
            .items
            .iter()
            .filter_map(|impl_item| match impl_item {
                ImplItem::Fn(method) => Some(&method.sig),
                _ => None,
            })
            .filter_map(|sig| {
                HookKind::from_name(&sig.ident).map(|kind| Hook {
                    kind,
                    output: Output::from_syn(&sig.output),
                    sig: sig.clone(),
                })
            })
            .collect();
        Self {
            self_ty: (*item.self_ty).clone(),
            hooks,
        }
    }
}

/// A room hook the runtime calls, recognised by method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookKind {
    /// `on_create`
    Create,
    /// `on_join`
    Join,
    /// `on_leave`
    Leave,
    /// `on_destroy`
    Destroy,
    /// `on_event`
    Event,
}

impl HookKind {
    fn from_name(ident: &Ident) -> Option<Self> {
        Some(match ident.unraw().to_string().as_str() {
            "on_create" => Self::Create,
            "on_join" => Self::Join,
            "on_leave" => Self::Leave,
            "on_destroy" => Self::Destroy,
            "on_event" => Self::Event,
            _ => return None,
        })
    }

    /// The signature users write, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Self::Create => "`fn on_create(&mut self, room_id: &str)`",
            Self::Join => {
                "`fn on_join(&mut self, join: &JoinInfo)`, returning `()`, the membership value or \
                 `Result<Membership, RoomError>`"
            }
            Self::Leave => {
                "`fn on_leave(&mut self, leave: &LeaveInfo)` or \
                 `fn on_leave(&mut self, leave: &LeaveInfo, membership: Membership)`"
            }
            Self::Event => {
                "`fn on_event(&mut self, event: &EventEnum)` or \
                 `fn on_event(&mut self, event: &EventEnum, sender: &EventSender)`"
            }
            Self::Destroy => {
                "`fn on_destroy(&mut self) -> bool` (`false` keeps the empty room) or \
                 `fn on_destroy(&mut self)`"
            }
        }
    }
}

/// A user-defined room hook.
pub(crate) struct Hook {
    /// Which hook.
    pub(crate) kind: HookKind,
    /// The method's signature.
    pub(crate) sig: Signature,
    /// Its return kind.
    pub(crate) output: Output,
}

#[cfg(test)]
mod tests {
    use super::{Events, HookKind, Impl, Struct};
    use crate::errors::Errors;
    use crate::room::attr::Codec;
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn reads_struct_arguments() {
        let mut errors = Errors::default();
        let item = parse_quote!(
            struct Chat {
                n: u32,
            }
        );
        let room = Struct::from_syn(
            &mut errors,
            quote!(
                prefix = "chat",
                events = crate::ChatEvent,
                max_members = 10,
                codec = json
            ),
            &item,
        );
        assert!(errors.into_compile_errors().is_none());
        assert_eq!(
            room.prefix.map(|prefix| prefix.value()).as_deref(),
            Some("chat")
        );
        assert!(room.events.is_some() && room.max_members.is_some());
        assert!(matches!(room.codec, Some(Codec::Json(_))));
    }

    #[test]
    fn reports_every_unknown_argument() {
        let mut errors = Errors::default();
        let item = parse_quote!(
            struct Chat {}
        );
        let _room = Struct::from_syn(
            &mut errors,
            quote!(size = 3, prefix = "a", colour(red), prefix = "b"),
            &item,
        );
        let errors = errors
            .into_compile_errors()
            .map(|errors| errors.to_string());
        let errors = errors.unwrap_or_default();
        assert_eq!(errors.matches("compile_error").count(), 3, "{errors}");
    }

    #[test]
    fn reads_events_and_strips_attributes() {
        let mut errors = Errors::default();
        let mut item = parse_quote! {
            enum ChatEvent {
                #[event("message:new")]
                #[doc = "kept"]
                MessageNew(Message),
                #[event("room:cleared")]
                Cleared,
                Missing,
                #[event("typing", from_client,)]
                Typing,
            }
        };
        let events = Events::from_syn(&mut errors, &mut item);
        assert!(errors.into_compile_errors().is_none());
        let from_client: Vec<bool> = events
            .variants
            .iter()
            .map(|event| event.from_client)
            .collect();
        assert_eq!(from_client, [false, false, false, true]);
        let wires: Vec<Option<String>> = events
            .variants
            .iter()
            .map(|event| event.wire.as_ref().map(syn::LitStr::value))
            .collect();
        assert_eq!(
            wires,
            [
                Some("message:new".to_owned()),
                Some("room:cleared".to_owned()),
                None,
                Some("typing".to_owned())
            ]
        );
        assert!(
            events
                .variants
                .first()
                .is_some_and(|event| event.payload().is_some())
        );
        let stripped = quote!(#item).to_string();
        assert!(!stripped.contains("event ("), "{stripped}");
        assert!(stripped.contains("kept"), "{stripped}");
    }

    #[test]
    fn reports_every_unknown_or_repeated_event_flag() {
        let mut errors = Errors::default();
        let mut item = parse_quote! {
            enum ChatEvent {
                #[event("a", from_client, from_server, from_client)]
                A,
                #[event("b", "c")]
                B,
            }
        };
        let events = Events::from_syn(&mut errors, &mut item);
        let errors = errors
            .into_compile_errors()
            .map(|errors| errors.to_string())
            .unwrap_or_default();
        assert_eq!(errors.matches("compile_error").count(), 3, "{errors}");
        assert!(errors.contains("from_server"), "{errors}");
        assert!(
            events
                .variants
                .first()
                .is_some_and(|event| event.from_client)
        );
    }

    #[test]
    fn recognises_hooks_by_name() {
        let item = parse_quote! {
            impl Chat {
                fn on_create(&mut self, room_id: &str) {}
                fn r#on_join(&mut self, join: &JoinInfo) -> Result<(), RoomError> { Ok(()) }
                fn helper(&self) {}
                fn on_destroy(&mut self) -> bool { true }
            }
        };
        let room = Impl::from_syn(&item);
        let kinds: Vec<HookKind> = room.hooks.iter().map(|hook| hook.kind).collect();
        assert_eq!(kinds, [HookKind::Create, HookKind::Join, HookKind::Destroy]);
    }
}

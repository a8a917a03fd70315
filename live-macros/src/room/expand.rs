//! Code generation for a validated room.

use super::ast::{self, Hook, HookKind};
use super::attr::Codec;
use crate::shared::syntax::Output;
use crate::shared::typescript;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// `impl RoomAttrs` for a `#[live_room(...)]` state struct.
pub(crate) fn room_attrs(room: &ast::Struct) -> TokenStream {
    let ast::Struct {
        ident,
        prefix,
        events,
        max_members,
        codec,
        membership,
        presence,
        server_only,
    } = room;
    let presence_meta = match &presence.meta {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let presence_on = presence.on;
    let by_connection = presence.by_connection;
    let membership = match membership {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let max_members = match max_members {
        Some(max) => {
            quote_spanned!(max.span()=> ::core::option::Option::Some::<usize>(#max))
        }
        None => quote!(::core::option::Option::None),
    };
    // Spanned at the user's path so a type that is not a codec is reported there.
    let codec = match codec {
        Some(Codec::Json(path)) => quote_spanned!(path.span()=> ::live::__private::JsonCodec),
        Some(Codec::Msgpack(path)) => {
            quote_spanned!(path.span()=> ::live::__private::MsgpackCodec)
        }
        Some(Codec::Custom(path)) => quote!(#path),
        None => quote!(::live::__private::MsgpackCodec),
    };
    let encode = quote_spanned!(codec.span()=> <#codec as ::live::room::RoomCodec>::encode);
    quote! {
        impl ::live::__private::RoomAttrs for #ident {
            const PREFIX: &'static str = #prefix;
            const MAX_MEMBERS: ::core::option::Option<usize> = #max_members;
            type Event = #events;
            type Membership = #membership;
            type Presence = #presence_meta;
            const PRESENCE: bool = #presence_on;
            const PRESENCE_BY_CONNECTION: bool = #by_connection;

            fn encode_payload(
                value: &::live::__private::serde_json::Value,
            ) -> ::std::vec::Vec<u8> {
                #encode(value)
            }

            #[allow(unused_variables)]
            fn keep_server_only(rebuilt: &mut Self, previous: &mut Self) {
                #(::core::mem::swap(&mut rebuilt.#server_only, &mut previous.#server_only);)*
            }
        }
    }
}

/// `impl RoomEvent` for a `#[live_room]` events enum.
pub(crate) fn room_event(events: &ast::Events) -> TokenStream {
    let ident = &events.ident;
    let variants = &events.variants;
    let wires: Vec<_> = variants.iter().map(|event| &event.wire).collect();
    let client_wires = variants
        .iter()
        .filter(|event| event.from_client)
        .map(|event| &event.wire);
    let names = variants.iter().zip(&wires).map(|(event, wire)| {
        let variant = &event.ident;
        match event.payload() {
            Some(_) => quote!(Self::#variant(..) => #wire),
            None => quote!(Self::#variant => #wire),
        }
    });
    let payloads = variants.iter().map(|event| {
        let variant = &event.ident;
        match event.payload() {
            Some(ty) => {
                // Spanned at the payload type so a non-`Serialize` type is reported there.
                let to_value = quote_spanned!(ty.span()=> ::live::__private::event_payload::<#ty>);
                quote!(Self::#variant(ref payload) => #to_value(payload))
            }
            None => quote! {
                Self::#variant => ::core::result::Result::Ok(::live::__private::serde_json::Value::Null)
            },
        }
    });
    let decoders = variants.iter().zip(&wires).map(|(event, wire)| {
        let variant = &event.ident;
        match event.payload() {
            Some(ty) => {
                let decode =
                    quote_spanned!(ty.span()=> ::live::__private::decode_event_payload::<#ty>);
                quote! {
                    #wire => ::core::result::Result::map(#decode(name, payload), Self::#variant)
                }
            }
            None => quote!(#wire => ::core::result::Result::Ok(Self::#variant)),
        }
    });
    let typescript = event_typescript(events);
    quote! {
        #typescript

        impl ::live::room::RoomEvent for #ident {
            const NAMES: &'static [&'static str] = &[#(#wires),*];
            const CLIENT_NAMES: &'static [&'static str] = &[#(#client_wires),*];

            fn name(&self) -> &'static str {
                match *self {
                    #(#names,)*
                }
            }

            fn payload(
                &self,
            ) -> ::core::result::Result<
                ::live::__private::serde_json::Value,
                ::live::__private::serde_json::Error,
            > {
                match *self {
                    #(#payloads,)*
                }
            }

            #[allow(unused_variables)]
            fn decode(
                name: &str,
                payload: ::live::__private::serde_json::Value,
            ) -> ::core::result::Result<Self, ::live::room::RoomError> {
                match name {
                    #(#decoders,)*
                    _ => ::core::result::Result::Err(::live::__private::unknown_event(name)),
                }
            }
        }
    }
}

/// With `live`'s feature `typescript`: `impl RoomEventsTypescript`, each event's wire name and
/// payload type (`null` for a unit variant, whose payload is `null` on the wire).
fn event_typescript(events: &ast::Events) -> TokenStream {
    if !typescript::ENABLED {
        return TokenStream::new();
    }
    let ident = &events.ident;
    let imports = typescript::probe_imports();
    let described = events.variants.iter().map(|event| {
        let wire = &event.wire;
        let payload = match event.payload() {
            Some(ty) => typescript::probe_type(ty),
            None => quote!(::live::typescript::TsType::null()),
        };
        let from_client = event.from_client.then(|| quote!(.from_client()));
        quote!(::live::typescript::EventTypes::new(#wire, #payload) #from_client)
    });
    quote! {
        impl ::live::__private::RoomEventsTypescript for #ident {
            fn typescript_events() -> ::std::vec::Vec<::live::typescript::EventTypes> {
                #imports
                ::std::vec![#(#described),*]
            }
        }
    }
}

/// `impl LiveRoom` and the inventory registration for a `#[live_room]` impl block.
pub(crate) fn live_room(room: &ast::Impl) -> TokenStream {
    let self_ty = &room.self_ty;
    let hooks = room.hooks.iter().map(hook);
    // Spanned at the type so a missing `#[live_room(...)]` on the struct is reported there.
    let attrs = quote_spanned!(self_ty.span()=> <#self_ty as ::live::__private::RoomAttrs>);
    let event = quote_spanned!(self_ty.span()=> type Event = #attrs::Event;);
    let membership = quote_spanned!(self_ty.span()=> type Membership = #attrs::Membership;);
    let presence = quote_spanned!(self_ty.span()=> type Presence = #attrs::Presence;);
    let observes = room.hooks.iter().any(|hook| hook.kind == HookKind::Event);
    let registration = registration(room);
    quote! {
        impl ::live::room::LiveRoom for #self_ty {
            const PREFIX: &'static str = #attrs::PREFIX;
            const MAX_MEMBERS: ::core::option::Option<usize> = #attrs::MAX_MEMBERS;
            const OBSERVES_EVENTS: bool = #observes;
            #event
            #membership
            #presence
            const PRESENCE: bool = #attrs::PRESENCE;
            const PRESENCE_BY_CONNECTION: bool = #attrs::PRESENCE_BY_CONNECTION;

            fn encode_payload(
                value: &::live::__private::serde_json::Value,
            ) -> ::std::vec::Vec<u8> {
                #attrs::encode_payload(value)
            }

            fn keep_server_only(&mut self, previous: &mut Self) {
                #attrs::keep_server_only(self, previous)
            }

            #(#hooks)*
        }

        #registration
    }
}

/// The registration; with `live`'s feature `typescript`, also the state's and the events'
/// TypeScript (`RoomTypescript`; a hand-written `RoomEvent` impl has no description, the probe
/// then yields `None`) and a registration carrying it.
fn registration(room: &ast::Impl) -> TokenStream {
    let self_ty = &room.self_ty;
    if !typescript::ENABLED {
        return quote! {
            ::live::__private::inventory::submit! {
                ::live::__private::RoomRegistration::new::<#self_ty>()
            }
        };
    }
    let imports = typescript::probe_imports();
    let state = typescript::probe(&quote!(Self));
    // Spanned at the type too, so a missing struct attribute is still reported once.
    let presence_type = quote_spanned!(self_ty.span()=> <Self as ::live::room::LiveRoom>::Presence);
    let presence = typescript::probe(&presence_type);
    let presence_on = quote_spanned!(self_ty.span()=> <Self as ::live::room::LiveRoom>::PRESENCE);
    // Spanned at the type, like `type Event` in `live_room`: without `#[live_room(...)]` on the
    // struct, the projection fails with the same error at the same place, reported once.
    let events = quote_spanned! {self_ty.span()=>
        (&&::live::__private::Probe::<<Self as ::live::room::LiveRoom>::Event>::new()).live_ts_events()
    };
    quote! {
        impl ::live::__private::RoomTypescript for #self_ty {
            fn typescript() -> ::live::typescript::RoomTypes {
                #imports
                let types = ::live::typescript::RoomTypes::new(#state, #events);
                if #presence_on {
                    types.with_presence(#presence)
                } else {
                    types
                }
            }
        }

        ::live::__private::inventory::submit! {
            ::live::__private::RoomRegistration::typed::<#self_ty>()
        }
    }
}

/// The trait method that forwards to the user's hook of the same name.
fn hook(hook: &Hook) -> TokenStream {
    let method = &hook.sig.ident;
    match hook.kind {
        HookKind::Create => quote! {
            fn on_create(&mut self, room_id: &str) {
                Self::#method(self, room_id)
            }
        },
        HookKind::Join => {
            // Spanned at the return type so a value that is not the membership type is
            // reported there.
            let body = match &hook.output {
                Output::Result { ty, .. } => {
                    let into = quote_spanned!(ty.span()=> ::core::convert::Into::into);
                    quote_spanned!(ty.span()=> ::core::result::Result::map_err(Self::#method(self, join), #into))
                }
                Output::Value(ty) => {
                    quote_spanned!(ty.span()=> ::core::result::Result::Ok(Self::#method(self, join)))
                }
                Output::Unit => quote! {
                    Self::#method(self, join);
                    ::core::result::Result::Ok(::core::default::Default::default())
                },
            };
            quote! {
                fn on_join(
                    &mut self,
                    join: &::live::room::JoinInfo,
                ) -> ::core::result::Result<
                    <Self as ::live::room::LiveRoom>::Membership,
                    ::live::room::RoomError,
                > {
                    #body
                }
            }
        }
        HookKind::Leave => {
            let call = if let Some(ty) = second_arg_type(hook) {
                // Spanned at the user's type so a type that is not the membership's is
                // reported there.
                let membership = quote_spanned!(ty.span()=> membership);
                quote!(Self::#method(self, leave, #membership))
            } else {
                quote! {
                    let _ = membership;
                    Self::#method(self, leave)
                }
            };
            quote! {
                fn on_leave(
                    &mut self,
                    leave: &::live::room::LeaveInfo,
                    membership: <Self as ::live::room::LiveRoom>::Membership,
                ) {
                    #call
                }
            }
        }
        HookKind::Event => {
            let call = if let Some(ty) = second_arg_type(hook) {
                let sender = quote_spanned!(ty.span()=> sender);
                quote!(Self::#method(self, event, #sender))
            } else {
                quote! {
                    let _ = sender;
                    Self::#method(self, event)
                }
            };
            quote! {
                fn on_event(
                    &mut self,
                    event: &<Self as ::live::room::LiveRoom>::Event,
                    sender: &::live::room::EventSender,
                ) {
                    #call
                }
            }
        }
        HookKind::Destroy => {
            let body = match &hook.output {
                Output::Unit => quote! {
                    Self::#method(self);
                    true
                },
                Output::Result { .. } | Output::Value(_) => quote!(Self::#method(self)),
            };
            quote! {
                fn on_destroy(&mut self) -> bool {
                    #body
                }
            }
        }
    }
}

/// The type of the hook's optional second argument (membership, sender), if it takes one.
fn second_arg_type(hook: &Hook) -> Option<&syn::Type> {
    crate::shared::syntax::typed_args(&hook.sig)
        .get(1)
        .map(|arg| &*arg.ty)
}

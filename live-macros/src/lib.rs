//! Procedural macros for Live. Use them through the `live` crate (`live::live_component`,
//! `live::live_room`).
//!
//! - [`macro@live_component`] turns a struct and its impl block into a component clients mount.
//! - [`macro@live_room`] turns a struct, its impl block and an events enum into a typed room
//!   that components join.
//! - [`macro@data`] marks a type the browser receives, for the TypeScript typings.
//!
//! Both report every problem they find at once, each at the offending token, and still emit
//! the annotated item so the rest of the crate keeps type-checking.
//!
//! Set `LIVE_MACROS_DEBUG=1` while compiling to print every expansion to stderr.

mod component;
mod data;
mod errors;
mod room;
mod shared;

use proc_macro::TokenStream;

/// Turns a struct and its impl block into a Live component.
///
/// On the **struct**, `#[live_component(...)]` records the registry data; every argument is
/// optional:
///
/// - `name = "Counter"`: the registry name clients mount (default: the struct's name);
/// - `singleton`: one shared instance per server instead of one per mount;
/// - `binary_delta`: changes of the fields whose type the BinaryStateCodec carries (integers,
///   floats, `bool`, `String`) go as binary `0x01` frames, the rest as JSON deltas
///   (`LiveComponent::BINARY_FIELDS`; docs/components.md, "Binary deltas");
/// - `auth(...)`: who may mount the component (checked at mount and rehydration), with
///   `required` (the caller must be authenticated), `roles = ["admin", "owner"]` (any one of
///   them), `permissions = ["board.write"]` (all of them) and `check = path::to::function`
///   (a `fn(&live::Identity) -> Result<(), String>` run last; `Err(reason)` denies);
/// - `rate_limit(max = 10, per_ms = 1000, per_action = true)`: how often one connection may
///   call each action that has no limit of its own: `max` calls (> 0) per window of
///   `per_ms` milliseconds (> 0), counted per action (`per_action = true`, the default) or
///   across all actions (`false`).
///
/// Fields marked `#[live(updatable)]` may be written by clients with `PROPERTY_UPDATE`. With
/// `live`'s feature `typescript` the struct also derives `live::TS` (see [`macro@data`]).
///
/// On the **impl block**, `#[live_component]` implements `live::LiveComponent`:
///
/// - methods marked `#[action]` become callable actions whose arguments are read from the
///   payload by name (a `#[payload]` argument receives the whole payload, a `&mut Ctx<Self>`
///   argument the call's context). `#[action(...)]` takes `name = "wireName"` (the name
///   clients call; default: the method's name) and the same `auth(...)` (checked with the
///   caller's identity on every call) and `rate_limit(...)` as the struct; actions declaring
///   either end up in `LiveComponent::ACTION_POLICIES`;
/// - methods named `on_mount`, `on_rehydrate` (after the component was recreated from a
///   signed state, before `on_mount`), `on_destroy`, `on_client_join` and `on_client_leave`
///   become lifecycle hooks. `on_mount` and `on_rehydrate` take `&mut self` (or `&self`) and
///   optionally `ctx: &mut Ctx<Self>`, may be `async`, and return `()` or `Result<(), E>`.
///
/// The component is registered so `LiveServer` finds it without further setup.
///
/// ```ignore
/// use live::prelude::*;
///
/// #[live_component]
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// pub struct Counter {
///     count: i64,
/// }
///
/// #[live_component]
/// impl Counter {
///     #[action]
///     fn add(&mut self, by: i64) -> i64 {
///         self.count += by;
///         self.count
///     }
/// }
///
/// fn is_staff(identity: &Identity) -> Result<(), String> {
///     match identity.user_id() {
///         Some(id) if id.starts_with("staff-") => Ok(()),
///         _ => Err("staff only".into()),
///     }
/// }
///
/// #[live_component(
///     name = "Admin",
///     singleton,
///     auth(required, roles = ["admin", "owner"], check = is_staff),
///     rate_limit(max = 10, per_ms = 1000)
/// )]
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// pub struct AdminPanel {
///     resets: u32,
/// }
///
/// #[live_component]
/// impl AdminPanel {
///     #[action(auth(permissions = ["board.write"]), rate_limit(max = 1, per_ms = 60_000))]
///     fn reset(&mut self) {
///         self.resets += 1;
///     }
///
///     async fn on_rehydrate(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
///         let _ = ctx;
///         Ok(())
///     }
/// }
/// ```
///
/// Every problem (unknown or repeated keys, roles that are not string literals, a zero
/// limit, a hook with the wrong signature, …) is reported at the offending token.
#[proc_macro_attribute]
pub fn live_component(args: TokenStream, item: TokenStream) -> TokenStream {
    debug(
        "live_component",
        component::expand(args.into(), item.into()),
    )
    .into()
}

/// Turns a struct, its impl block and an events enum into a typed Live room.
///
/// - On the **events enum**, `#[live_room]` implements `live::room::RoomEvent`. Every variant
///   carries `#[event("wire:name")]` (`#[event("wire:name", from_client)]` when a member's
///   client may emit it with `ROOM_EMIT`; a client's emit of any other event is refused) and
///   is either a unit variant (payload `null`) or a
///   single-field tuple variant whose field is the payload (serialized with serde, as JSON).
///   Names must be distinct and may not start with `$` (reserved for system events).
/// - On the **state struct**, `#[live_room(prefix = "chat", events = ChatEvent)]` records the
///   room type's data: `prefix` (required; room ids are `"<prefix>:<instance>"`, so it is
///   made of ASCII letters, digits, `_`, `.` and `-`), `events` (required; the events enum),
///   `max_members = N` (optional; no limit when absent) and `codec = msgpack | json |
///   path::To::Codec` (optional, msgpack by default: how binary frame payloads are encoded; a
///   custom codec implements `live::room::RoomCodec`) and `membership = Type` (optional, `()`
///   by default: a server-only `Default + Send` value kept per member). The struct needs
///   named fields: they are the room's serialized state; `#[serde(skip)]` fields are
///   server-only metadata, never sent. With `live`'s feature `typescript` it also derives
///   `live::TS` (see [`macro@data`]).
/// - On the **inherent impl block**, `#[live_room]` implements `live::room::LiveRoom` and
///   registers the room type so `LiveServer` knows its prefix. Methods named `on_create`,
///   `on_join`, `on_leave`, `on_event` and `on_destroy` become its hooks (all optional; write
///   `#[live_room] impl Name {}` for none):
///   `fn on_create(&mut self, room_id: &str)`,
///   `fn on_join(&mut self, join: &JoinInfo) -> Result<Membership, RoomError>` (or returning
///   the membership, or `()`),
///   `fn on_leave(&mut self, leave: &LeaveInfo, membership: Membership)` (the membership
///   argument is optional),
///   `fn on_event(&mut self, event: &EventEnum, sender: &EventSender)` (an observer of every
///   emit; `sender`, who emitted it as the server knows it, is optional) and
///   `fn on_destroy(&mut self) -> bool` (`false` keeps the empty room; returning `()` means
///   `true`).
///
/// ```ignore
/// use live::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[live::data]
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct ChatMessage {
///     pub from: String,
///     pub text: String,
/// }
///
/// #[live_room]
/// #[derive(Debug, Clone)]
/// pub enum ChatEvent {
///     #[event("message:new")]
///     MessageNew(ChatMessage),
///     #[event("room:cleared")]
///     Cleared,
/// }
///
/// #[live_room(prefix = "chat", events = ChatEvent, max_members = 100)]
/// #[derive(Debug, Default, Clone, Serialize, Deserialize)]
/// pub struct ChatRoom {
///     pub messages: Vec<ChatMessage>,
///     pub user_count: u32,
/// }
///
/// #[live_room]
/// impl ChatRoom {
///     fn on_join(&mut self, _join: &JoinInfo) -> Result<(), RoomError> {
///         self.user_count += 1;
///         Ok(())
///     }
///
///     fn on_leave(&mut self, _leave: &LeaveInfo) {
///         self.user_count -= 1;
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn live_room(args: TokenStream, item: TokenStream) -> TokenStream {
    debug("live_room", room::expand(args.into(), item.into())).into()
}

/// Marks a type the browser receives: an action's payload or result, an event's data, a type
/// inside a component's or room's state.
///
/// With `live`'s feature `typescript` it derives `live::TS` (with `live`'s ts-rs), so
/// `live-codegen` can describe the type; without it the type is left as written. Either way
/// `#[ts(...)]` attributes may be written on the type and its fields (they are dropped
/// without the feature). `#[live_component]` and `#[live_room]` do the same for their state
/// structs, so only the types they contain need this marker. It takes no arguments and goes on
/// a struct or an enum.
///
/// ```ignore
/// #[live::data]
/// #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// pub struct ChatMessage {
///     pub from: String,
///     pub sent_at: u64,
/// }
/// ```
#[proc_macro_attribute]
pub fn data(args: TokenStream, item: TokenStream) -> TokenStream {
    debug("data", data::expand(args.into(), item.into())).into()
}

/// Prints the expansion to stderr when `LIVE_MACROS_DEBUG=1`.
fn debug(macro_name: &str, expanded: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    if std::env::var_os("LIVE_MACROS_DEBUG").is_some_and(|value| value == "1") {
        eprintln!("#[{macro_name}] expansion:\n{expanded}\n");
    }
    expanded
}

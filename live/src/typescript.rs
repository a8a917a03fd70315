//! TypeScript descriptions of components and rooms (cargo feature `typescript`).
//!
//! With the feature on, `#[live_component]` and `#[live_room]` record next to each
//! registration how the client sees the component or room: the state type, every action's
//! argument and result type, every room event's payload type. `live-codegen` (run by
//! `cargo xtask gen-ts`) reads them through [`ComponentDescriptor::typescript`] and
//! [`RoomDescriptor::typescript`] and writes one `.ts` file.
//!
//! The TypeScript of a Rust type comes from [ts-rs](ts_rs), through [`TS`]. With this
//! feature, `#[live_component]` and `#[live_room]` derive it on the state structs, and
//! [`#[live::data]`](macro@crate::data) on every other type the browser receives (types inside a
//! state, action arguments and results, event payloads); without it they derive nothing, so
//! user crates need no feature of their own. ts-rs reads the `#[serde(...)]` attributes
//! (rename, rename_all, tag, content, untagged, skip, flatten, default), so the declaration
//! matches the JSON that is sent. A type without `TS` is described as `unknown` and reported
//! by `live-codegen`.
//!
//! ```ignore
//! #[live::data]
//! #[derive(Clone, serde::Serialize, serde::Deserialize)]
//! pub struct Step {
//!     by: i64,
//! }
//!
//! #[live_component]
//! #[derive(Default, serde::Serialize, serde::Deserialize)]
//! pub struct Counter {
//!     count: i64,
//!     history: Vec<Step>,
//! }
//! ```
//!
//! 64-bit integers are `number` ([`config`]): the wire encodes integers beyond 32 bits as
//! float64.
//!
//! [`ComponentDescriptor::typescript`]: crate::component::ComponentDescriptor::typescript
//! [`RoomDescriptor::typescript`]: crate::room::RoomDescriptor::typescript

pub use ts_rs;
pub use ts_rs::{Config, TS};

use std::any::TypeId;
use std::collections::HashSet;
use std::fmt;

/// The ts-rs settings of generated files: 64-bit integers (`i64`, `u64`, `i128`, `u128`) are
/// `number`, since they travel as float64.
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// A Rust type as the TypeScript client sees it.
#[derive(Clone)]
pub struct TsType(Repr);

#[derive(Clone)]
enum Repr {
    /// A type implementing [`TS`].
    Ts {
        rust_name: fn() -> &'static str,
        reference: fn(&Config) -> String,
        declare: fn(&Config, &mut Collector),
    },
    /// A TypeScript keyword: `void`, `null`, `unknown`.
    Keyword(&'static str),
    /// A Rust type that does not implement [`TS`].
    Missing(fn() -> &'static str),
    /// An object literal (an action's named arguments).
    Object(Vec<TsField>),
    /// `T | undefined`: a value the client may leave out.
    OrUndefined(Box<TsType>),
}

impl TsType {
    /// A type implementing [`TS`]: referenced by its TypeScript name, declared with every type
    /// it needs.
    pub fn of<T: TS + 'static + ?Sized>() -> Self {
        Self(Repr::Ts {
            rust_name: std::any::type_name::<T>,
            reference: T::name,
            declare: declare_root::<T>,
        })
    }

    /// A Rust type without a TypeScript description; rendered as `unknown`.
    pub fn missing<T: ?Sized>() -> Self {
        Self(Repr::Missing(std::any::type_name::<T>))
    }

    /// `void`: no argument, no result.
    pub fn void() -> Self {
        Self(Repr::Keyword("void"))
    }

    /// `null`: the payload of an event without data.
    pub fn null() -> Self {
        Self(Repr::Keyword("null"))
    }

    /// `unknown`: anything.
    pub fn unknown() -> Self {
        Self(Repr::Keyword("unknown"))
    }

    /// An object with these fields, in this order: `{ by: number; note?: string | null }`.
    pub fn object(fields: Vec<TsField>) -> Self {
        Self(Repr::Object(fields))
    }

    /// This type or `undefined` (a value the client may leave out).
    pub fn or_undefined(self) -> Self {
        Self(Repr::OrUndefined(Box::new(self)))
    }

    /// The type as written where it is used: `ChatMessage`, `number`, `{ by: number }`.
    pub fn render(&self, cfg: &Config) -> String {
        match &self.0 {
            Repr::Ts { reference, .. } => reference(cfg),
            Repr::Keyword(keyword) => (*keyword).to_owned(),
            Repr::Missing(_) => "unknown".to_owned(),
            Repr::Object(fields) if fields.is_empty() => "Record<string, never>".to_owned(),
            Repr::Object(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|field| {
                        let optional = if field.optional { "?" } else { "" };
                        format!(
                            "{}{optional}: {}",
                            property_key(field.name),
                            field.ty.render(cfg)
                        )
                    })
                    .collect();
                format!("{{ {} }}", fields.join("; "))
            }
            Repr::OrUndefined(inner) => format!("{} | undefined", inner.render(cfg)),
        }
    }

    /// The declarations of every named type this type needs (itself included when it has
    /// one), each once, in the order they were found.
    pub fn declarations(&self, cfg: &Config) -> Vec<TsDeclaration> {
        let mut collector = Collector::default();
        self.declare(cfg, &mut collector);
        collector.declarations
    }

    /// The Rust types in this type that do not implement [`TS`] (they render as `unknown`).
    pub fn missing_types(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        self.collect_missing(&mut missing);
        missing
    }

    fn declare(&self, cfg: &Config, collector: &mut Collector) {
        match &self.0 {
            Repr::Ts { declare, .. } => declare(cfg, collector),
            Repr::Object(fields) => {
                for field in fields {
                    field.ty.declare(cfg, collector);
                }
            }
            Repr::OrUndefined(inner) => inner.declare(cfg, collector),
            Repr::Keyword(_) | Repr::Missing(_) => {}
        }
    }

    fn collect_missing(&self, missing: &mut Vec<&'static str>) {
        match &self.0 {
            Repr::Missing(rust_name) => missing.push(rust_name()),
            Repr::Object(fields) => {
                for field in fields {
                    field.ty.collect_missing(missing);
                }
            }
            Repr::OrUndefined(inner) => inner.collect_missing(missing),
            Repr::Ts { .. } | Repr::Keyword(_) => {}
        }
    }
}

impl fmt::Debug for TsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Ts { rust_name, .. } => f.debug_tuple("TsType::of").field(&rust_name()).finish(),
            Repr::Keyword(keyword) => f.debug_tuple("TsType::keyword").field(keyword).finish(),
            Repr::Missing(rust_name) => f
                .debug_tuple("TsType::missing")
                .field(&rust_name())
                .finish(),
            Repr::Object(fields) => f.debug_tuple("TsType::object").field(fields).finish(),
            Repr::OrUndefined(inner) => f.debug_tuple("TsType::or_undefined").field(inner).finish(),
        }
    }
}

/// One field of an object type.
#[derive(Debug, Clone)]
pub struct TsField {
    name: &'static str,
    ty: TsType,
    optional: bool,
}

impl TsField {
    /// A field the client must send.
    pub fn required(name: &'static str, ty: TsType) -> Self {
        Self {
            name,
            ty,
            optional: false,
        }
    }

    /// A field the client may leave out (`name?: T`).
    pub fn optional(name: &'static str, ty: TsType) -> Self {
        Self {
            name,
            ty,
            optional: true,
        }
    }
}

/// A named TypeScript declaration, as ts-rs writes it (`export type ChatMessage = { ... };`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsDeclaration {
    name: String,
    rust_name: &'static str,
    code: String,
}

impl TsDeclaration {
    /// The declared name (`ChatMessage`), without generic parameters.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Rust type it was generated from (for error messages).
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The declaration: doc comment, then `export type Name = ...;`.
    pub fn code(&self) -> &str {
        &self.code
    }
}

/// Collects declarations, each Rust type once.
#[derive(Default)]
struct Collector {
    seen: HashSet<TypeId>,
    declarations: Vec<TsDeclaration>,
}

/// Walks `T` and what it contains as ts-rs does: the type itself, then its generic arguments.
fn declare_root<T: TS + 'static + ?Sized>(cfg: &Config, collector: &mut Collector) {
    let mut visitor = Visitor { cfg, collector };
    ts_rs::TypeVisitor::visit::<T>(&mut visitor);
    T::visit_generics(&mut visitor);
}

struct Visitor<'a> {
    cfg: &'a Config,
    collector: &'a mut Collector,
}

impl ts_rs::TypeVisitor for Visitor<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only types with a declaration of their own (derived ones) have an output path;
        // primitives, collections and wrappers do not.
        if T::output_path().is_none() || !self.collector.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let mut code = T::docs().unwrap_or_default();
        code.push_str("export ");
        code.push_str(&T::decl(self.cfg));
        self.collector.declarations.push(TsDeclaration {
            name: T::ident(self.cfg),
            rust_name: std::any::type_name::<T>(),
            code,
        });
        T::visit_dependencies(self);
    }
}

/// `name` as an object key: bare when it is an identifier, quoted otherwise.
pub fn property_key(name: &str) -> String {
    let mut chars = name.chars();
    let is_identifier = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$');
    if is_identifier {
        name.to_owned()
    } else {
        string_literal(name)
    }
}

/// `text` as a double-quoted TypeScript string literal.
pub fn string_literal(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for ch in text.chars() {
        match ch {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '\u{2028}' => quoted.push_str("\\u2028"),
            '\u{2029}' => quoted.push_str("\\u2029"),
            ch if ch.is_control() => quoted.push_str(&format!("\\u{:04x}", u32::from(ch))),
            ch => quoted.push(ch),
        }
    }
    quoted.push('"');
    quoted
}

/// A component as the TypeScript client sees it.
#[derive(Debug, Clone)]
pub struct ComponentTypes {
    state: TsType,
    actions: Vec<ActionTypes>,
}

impl ComponentTypes {
    /// A component with this state and these actions.
    pub fn new(state: TsType, actions: Vec<ActionTypes>) -> Self {
        Self { state, actions }
    }

    /// The state's type.
    pub fn state(&self) -> &TsType {
        &self.state
    }

    /// The callable actions, in declaration order.
    pub fn actions(&self) -> &[ActionTypes] {
        &self.actions
    }
}

/// One action: what the client sends and what the reply carries.
#[derive(Debug, Clone)]
pub struct ActionTypes {
    name: &'static str,
    args: TsType,
    result: TsType,
}

impl ActionTypes {
    /// Action `name` (its wire name) taking `args` and returning `result`.
    pub fn new(name: &'static str, args: TsType, result: TsType) -> Self {
        Self { name, args, result }
    }

    /// The wire name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The payload: `void` without arguments, an object of the named arguments, or the
    /// `#[payload]` argument's type.
    pub fn args(&self) -> &TsType {
        &self.args
    }

    /// The reply's result: `void` for `()` and `Result<(), E>`.
    pub fn result(&self) -> &TsType {
        &self.result
    }
}

/// A typed room as the TypeScript client sees it.
#[derive(Debug, Clone)]
pub struct RoomTypes {
    state: TsType,
    events: Option<Vec<EventTypes>>,
    presence: Option<TsType>,
}

impl RoomTypes {
    /// A room with this state and these events (`None`: the events enum has no TypeScript
    /// description, e.g. a hand-written `RoomEvent` impl).
    pub fn new(state: TsType, events: Option<Vec<EventTypes>>) -> Self {
        Self {
            state,
            events,
            presence: None,
        }
    }

    /// The same room, keeping a presence list whose entries carry `meta` of this type.
    pub fn with_presence(mut self, meta: TsType) -> Self {
        self.presence = Some(meta);
        self
    }

    /// The presence metadata's type (`None`: the room keeps no presence list).
    pub fn presence(&self) -> Option<&TsType> {
        self.presence.as_ref()
    }

    /// The state's type.
    pub fn state(&self) -> &TsType {
        &self.state
    }

    /// The events, in declaration order (`None`: not described).
    pub fn events(&self) -> Option<&[EventTypes]> {
        self.events.as_deref()
    }
}

/// One room event: its wire name and payload.
#[derive(Debug, Clone)]
pub struct EventTypes {
    name: &'static str,
    payload: TsType,
    from_client: bool,
}

impl EventTypes {
    /// Event `name` (its wire name) carrying `payload`.
    pub fn new(name: &'static str, payload: TsType) -> Self {
        Self {
            name,
            payload,
            from_client: false,
        }
    }

    /// Marks the event as one a member's client may emit (`#[event("name", from_client)]`).
    pub fn from_client(mut self) -> Self {
        self.from_client = true;
        self
    }

    /// Whether a member's client may emit it (`ROOM_EMIT`); the server refuses the others.
    pub fn is_from_client(&self) -> bool {
        self.from_client
    }

    /// The wire name (`message:new`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The payload's type (`null` for an event without data).
    pub fn payload(&self) -> &TsType {
        &self.payload
    }
}

/// What the code generated by `#[live_component]` and `#[live_room]` uses; re-exported
/// from `live::__private`. Not public API.
#[doc(hidden)]
pub mod macro_support {
    use super::{ComponentTypes, EventTypes, RoomTypes, TS, TsType};
    use std::marker::PhantomData;

    /// Implemented by `#[live_component]` on an impl block: the component's TypeScript.
    pub trait ComponentTypescript {
        /// The state and actions.
        fn typescript() -> ComponentTypes;
    }

    /// Implemented by `#[live_room]` on an events enum: each event's payload type.
    pub trait RoomEventsTypescript {
        /// The events, in declaration order.
        fn typescript_events() -> Vec<EventTypes>;
    }

    /// Implemented by `#[live_room]` on an impl block: the room's TypeScript.
    pub trait RoomTypescript {
        /// The state and events.
        fn typescript() -> RoomTypes;
    }

    /// Asks at compile time whether `T` implements [`TS`] (or the events enum
    /// [`RoomEventsTypescript`]), without requiring it: `(&&Probe::<T>::new()).live_ts_type()`
    /// picks the [`ProbeTs`] impl when it applies and [`ProbeMissing`] otherwise
    /// (autoref specialization; works because the generated code names concrete types).
    pub struct Probe<T: ?Sized>(PhantomData<T>);

    impl<T: ?Sized> Probe<T> {
        /// A probe for `T`.
        pub const fn new() -> Self {
            Self(PhantomData)
        }
    }

    impl<T: ?Sized> Default for Probe<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T: ?Sized> std::fmt::Debug for Probe<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(std::any::type_name::<Self>())
        }
    }

    /// The probe's choice when `T: TS`.
    pub trait ProbeTs {
        /// `T`'s TypeScript.
        fn live_ts_type(&self) -> TsType;
    }

    impl<T: TS + 'static + ?Sized> ProbeTs for &Probe<T> {
        fn live_ts_type(&self) -> TsType {
            TsType::of::<T>()
        }
    }

    /// The probe's fallback: `T` has no TypeScript description.
    pub trait ProbeMissing {
        /// `unknown`, with `T`'s name for the report.
        fn live_ts_type(&self) -> TsType;
    }

    impl<T: ?Sized> ProbeMissing for Probe<T> {
        fn live_ts_type(&self) -> TsType {
            TsType::missing::<T>()
        }
    }

    /// The probe's choice when the events enum was described by `#[live_room]`.
    pub trait ProbeEvents {
        /// The events.
        fn live_ts_events(&self) -> Option<Vec<EventTypes>>;
    }

    impl<E: RoomEventsTypescript + ?Sized> ProbeEvents for &Probe<E> {
        fn live_ts_events(&self) -> Option<Vec<EventTypes>> {
            Some(E::typescript_events())
        }
    }

    /// The probe's fallback for an events enum without a description.
    pub trait ProbeNoEvents {
        /// `None`.
        fn live_ts_events(&self) -> Option<Vec<EventTypes>>;
    }

    impl<E: ?Sized> ProbeNoEvents for Probe<E> {
        fn live_ts_events(&self) -> Option<Vec<EventTypes>> {
            None
        }
    }
}

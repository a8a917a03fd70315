//! Writing the TypeScript sections: one per component, one per room type, and the
//! registry that names them all.

use crate::collect::File;
use crate::error::Error;
use crate::text::{pascal_identifier, quoted_doc, string_literal};
use live::component::ComponentDescriptor;
use live::room::RoomDescriptor;
use live::typescript::{ComponentTypes, RoomTypes, TsType, property_key};
use std::fmt::Write as _;

/// `; uploads: { name: { accept: "a" | "b"; maxSize: n } }` for a component's `#[upload]`
/// methods (nothing without any): the client types `uploadName` from it.
fn uploads_type(uploads: &[live::upload::UploadSpec]) -> String {
    if uploads.is_empty() {
        return String::new();
    }
    let entries: Vec<String> = uploads
        .iter()
        .map(|upload| {
            let accept = if upload.accept.is_empty() {
                "string".to_owned()
            } else {
                let types: Vec<String> = upload.accept.iter().map(|t| string_literal(t)).collect();
                types.join(" | ")
            };
            let max = upload
                .max_size
                .map_or("null".to_owned(), |max| max.to_string());
            format!(
                "{}: {{ accept: {accept}; maxSize: {max} }}",
                property_key(upload.name)
            )
        })
        .collect();
    format!("; uploads: {{ {} }}", entries.join("; "))
}

impl File {
    /// The section of one component: name constant, state alias, actions interface.
    pub(crate) fn component(
        &mut self,
        cfg: &live::typescript::Config,
        component: &ComponentDescriptor,
    ) -> Result<String, Error> {
        let name = component.name();
        let owner = format!("component `{name}`");
        let base = pascal_identifier(name);
        let constant = self.value_name(format!("{base}Component"), &owner)?;
        let state_name = format!("{base}State");
        let actions_name = self.type_name(format!("{base}Actions"), &owner)?;
        let described = component.typescript().unwrap_or_else(|| {
            let actions = component
                .actions()
                .iter()
                .map(|action| {
                    live::typescript::ActionTypes::new(action, TsType::unknown(), TsType::unknown())
                })
                .collect();
            self.unknown.push(format!(
                "{owner}: everything (registered without `#[live_component]`)"
            ));
            ComponentTypes::new(TsType::unknown(), actions)
        });

        let mut out = String::new();
        let _ = writeln!(out, "/** The name of component {}. */", quoted_doc(name));
        let _ = writeln!(out, "export const {constant} = {};", string_literal(name));
        let doc = format!("The state of component {}.", quoted_doc(name));
        out.push_str(&self.state_alias(cfg, described.state(), &state_name, &owner, &doc)?);
        let _ = writeln!(
            out,
            "/** The actions of component {}: arguments and results. */",
            quoted_doc(name)
        );
        let mut actions: Vec<_> = described.actions().iter().collect();
        actions.sort_by_key(|action| action.name());
        if actions.is_empty() {
            let _ = writeln!(out, "export interface {actions_name} {{}}");
        } else {
            let _ = writeln!(out, "export interface {actions_name} {{");
            for action in actions {
                let place = format!("{owner}: action `{}`", action.name());
                let args = self.use_type(cfg, action.args(), &format!("{place} argument"))?;
                let result = self.use_type(cfg, action.result(), &format!("{place} result"))?;
                let _ = writeln!(
                    out,
                    "  {}: {{ args: {args}; result: {result} }};",
                    property_key(action.name())
                );
            }
            out.push_str("}\n");
        }
        let uploads = uploads_type(component.uploads());
        self.entries.push((
            "components",
            name.to_owned(),
            format!("{{ state: {state_name}; actions: {actions_name}{uploads} }}"),
        ));
        Ok(out)
    }

    /// The section of one room type: prefix constant, state alias, event map.
    pub(crate) fn room(
        &mut self,
        cfg: &live::typescript::Config,
        room: &RoomDescriptor,
    ) -> Result<String, Error> {
        let prefix = room.prefix();
        let owner = format!("room `{prefix}`");
        let base = pascal_identifier(prefix);
        let constant = self.value_name(format!("{base}RoomPrefix"), &owner)?;
        let state_name = format!("{base}RoomState");
        let events_name = self.type_name(format!("{base}RoomEvents"), &owner)?;
        let client_name = self.type_name(format!("{base}RoomClientEvents"), &owner)?;
        let by_macro = room.typescript();
        let from_macro = by_macro.is_some();
        let described = by_macro.unwrap_or_else(|| {
            self.unknown.push(format!(
                "{owner}: everything (registered without `#[live_room]`)"
            ));
            RoomTypes::new(TsType::unknown(), None)
        });

        let mut out = String::new();
        let _ = writeln!(
            out,
            "/** The id prefix of room type {}: ids are `{}:<instance>`. */",
            quoted_doc(prefix),
            prefix.replace('`', "'").replace("*/", "* /")
        );
        let _ = writeln!(out, "export const {constant} = {};", string_literal(prefix));
        let doc = format!("The state of room type {}.", quoted_doc(prefix));
        out.push_str(&self.state_alias(cfg, described.state(), &state_name, &owner, &doc)?);
        let _ = writeln!(
            out,
            "/** The events of room type {}: name → payload. */",
            quoted_doc(prefix)
        );
        match described.events() {
            Some(events) if !events.is_empty() => {
                let mut events: Vec<_> = events.iter().collect();
                events.sort_by_key(|event| event.name());
                let _ = writeln!(out, "export interface {events_name} {{");
                for event in events {
                    let place = format!("{owner}: event `{}` payload", event.name());
                    let payload = self.use_type(cfg, event.payload(), &place)?;
                    let _ = writeln!(out, "  {}: {payload};", property_key(event.name()));
                }
                out.push_str("}\n");
            }
            Some(_) => {
                let _ = writeln!(out, "export interface {events_name} {{}}");
            }
            None => {
                if from_macro {
                    self.unknown.push(format!(
                        "{owner}: events (the events enum has no `#[live_room]`)"
                    ));
                }
                let _ = writeln!(out, "export type {events_name} = Record<string, unknown>;");
            }
        }
        let _ = writeln!(
            out,
            "/** The events of room type {} a member's client may emit (`ROOM_EMIT`): those \
             declared `from_client`; the server refuses the others. */",
            quoted_doc(prefix)
        );
        let _ = writeln!(
            out,
            "export type {client_name} = {};",
            client_event_names(described.events())
        );
        let presence = match described.presence() {
            Some(meta) => {
                let place = format!("{owner}: presence metadata");
                format!("; presence: {}", self.use_type(cfg, meta, &place)?)
            }
            None => String::new(),
        };
        self.entries.push((
            "rooms",
            prefix.to_owned(),
            format!(
                "{{ state: {state_name}; events: {events_name}; clientEvents: {client_name}{presence} }}"
            ),
        ));
        Ok(out)
    }

    /// `LiveComponents`, `LiveRooms` and `LiveRegistry`.
    pub(crate) fn registry(&mut self) -> Result<String, Error> {
        let components = self.type_name("LiveComponents".to_owned(), "the registry")?;
        let rooms = self.type_name("LiveRooms".to_owned(), "the registry")?;
        let registry = self.type_name("LiveRegistry".to_owned(), "the registry")?;
        let mut out = String::new();
        for (kind, name, what) in [
            (
                "components",
                &components,
                "Every component: name → state and actions.",
            ),
            (
                "rooms",
                &rooms,
                "Every typed room: id prefix → state, events, the events a client may emit and \
                 (rooms with presence) the presence metadata.",
            ),
        ] {
            let _ = writeln!(out, "/** {what} */");
            let entries: Vec<_> = self
                .entries
                .iter()
                .filter(|entry| entry.0 == kind)
                .collect();
            if entries.is_empty() {
                let _ = writeln!(out, "export interface {name} {{}}");
            } else {
                let _ = writeln!(out, "export interface {name} {{");
                for (_, key, entry) in entries {
                    let _ = writeln!(out, "  {}: {entry};", property_key(key));
                }
                out.push_str("}\n");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "/** The server's registry, for the client packages: `new LiveConnection<LiveRegistry>(...)`. */"
        );
        let _ = writeln!(out, "export interface {registry} {{");
        let _ = writeln!(out, "  components: {components};");
        let _ = writeln!(out, "  rooms: {rooms};");
        out.push_str("}\n");
        Ok(out)
    }
}

impl File {
    /// `LiveBinaryDeltas`: each `binary_delta` component's fields (key, wire type) in the
    /// order of a binary delta's bits, for `@live/client`'s `binaryDeltas` option.
    pub(crate) fn binary_deltas(
        &mut self,
        components: &[&ComponentDescriptor],
    ) -> Result<String, Error> {
        let name = self.value_name("LiveBinaryDeltas".to_owned(), "the registry")?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "/** The fields of each `binary_delta` component, in the order of a binary delta's bits: \
             `new LiveConnection<LiveRegistry>({{ binaryDeltas: {name} }})`. */"
        );
        let binary: Vec<_> = components
            .iter()
            .filter(|component| !component.binary_fields().is_empty())
            .collect();
        if binary.is_empty() {
            let _ = writeln!(out, "export const {name} = {{}} as const;");
            return Ok(out);
        }
        let _ = writeln!(out, "export const {name} = {{");
        for component in binary {
            let fields: Vec<String> = component
                .binary_fields()
                .iter()
                .map(|field| {
                    format!(
                        "[{}, {}]",
                        string_literal(field.name()),
                        string_literal(field.wire().name())
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "  {}: [{}],",
                property_key(component.name()),
                fields.join(", ")
            );
        }
        out.push_str("} as const;\n");
        Ok(out)
    }
}

/// The TypeScript union of the event names a client may emit: `never` for none, `string`
/// when the events are not described.
fn client_event_names(events: Option<&[live::typescript::EventTypes]>) -> String {
    let Some(events) = events else {
        return "string".to_owned();
    };
    let mut names: Vec<_> = events
        .iter()
        .filter(|event| event.is_from_client())
        .map(|event| string_literal(event.name()))
        .collect();
    names.sort();
    if names.is_empty() {
        "never".to_owned()
    } else {
        names.join(" | ")
    }
}

//! The entry points: collect the sections of every component and room, then write the
//! file in its fixed order (header, types, components, rooms, registry, binary deltas).

use crate::collect::File;
use crate::error::Error;
use crate::options::{Generated, Options};
use crate::text::tidy;
use live::component::ComponentDescriptor;
use live::room::RoomDescriptor;
use std::fmt::Write as _;

/// The TypeScript of every registered component and room, with the default [`Options`]
/// (failing on types without a TypeScript description).
pub fn generate() -> Result<String, Error> {
    generate_with(&Options::default()).map(|generated| generated.typescript)
}

/// The TypeScript of every component and room registered in the linked crates.
pub fn generate_with(options: &Options) -> Result<Generated, Error> {
    generate_for(
        &ComponentDescriptor::registered(),
        &RoomDescriptor::registered(),
        options,
    )
}

/// The TypeScript of these components and rooms (in any order: the output is sorted).
pub fn generate_for(
    components: &[ComponentDescriptor],
    rooms: &[RoomDescriptor],
    options: &Options,
) -> Result<Generated, Error> {
    let cfg = live::typescript::config();
    let mut file = File::default();
    let mut components: Vec<&ComponentDescriptor> = components.iter().collect();
    components.sort_by_key(|component| component.name());
    let mut rooms: Vec<&RoomDescriptor> = rooms.iter().collect();
    rooms.sort_by_key(|room| room.prefix());

    let binary_deltas = file.binary_deltas(&components)?;
    let components: Vec<String> = components
        .into_iter()
        .map(|component| file.component(&cfg, component))
        .collect::<Result<_, _>>()?;
    let rooms: Vec<String> = rooms
        .into_iter()
        .map(|room| file.room(&cfg, room))
        .collect::<Result<_, _>>()?;
    let registry = file.registry()?;
    file.check_names()?;

    if !file.unknown.is_empty() && !options.allow_unknown {
        return Err(Error::Unknown(file.unknown));
    }

    let mut out = String::new();
    out.push_str(options.header.trim_end());
    out.push('\n');
    if !file.unknown.is_empty() {
        out.push_str("//\n// Typed `unknown` (no TypeScript description):\n");
        for place in &file.unknown {
            let _ = writeln!(out, "// - {place}");
        }
    }
    if !file.declarations.is_empty() {
        out.push_str("\n// Types\n");
        for declaration in file.declarations.values() {
            out.push('\n');
            out.push_str(&tidy(declaration.code()));
        }
    }
    for (title, sections) in [("Components", &components), ("Rooms", &rooms)] {
        if !sections.is_empty() {
            let _ = write!(out, "\n// {title}\n");
            for section in sections {
                out.push('\n');
                out.push_str(section);
            }
        }
    }
    out.push_str("\n// Registry\n\n");
    out.push_str(&registry);
    out.push_str("\n// Binary deltas\n\n");
    out.push_str(&binary_deltas);
    Ok(Generated {
        typescript: out,
        unknown: file.unknown,
    })
}

use super::LiveRoom;
use std::fmt;

/// A typed room type, without its type: what the registry and code generation need.
#[derive(Clone, Copy)]
pub struct RoomDescriptor {
    prefix: &'static str,
    events: &'static [&'static str],
    max_members: Option<usize>,
    #[cfg(feature = "typescript")]
    typescript: Option<fn() -> crate::typescript::RoomTypes>,
}

impl RoomDescriptor {
    /// The descriptor of room type `R`.
    pub fn of<R: LiveRoom>() -> Self {
        Self {
            prefix: R::PREFIX,
            events: <R::Event as super::RoomEvent>::NAMES,
            max_members: R::MAX_MEMBERS,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// Every room type registered with `#[live_room]` in the crates linked into this binary,
    /// sorted by prefix.
    pub fn registered() -> Vec<Self> {
        registered_rooms()
    }

    /// How the TypeScript client sees the room: its state and events (feature `typescript`;
    /// `None` for a room registered without `#[live_room]`).
    #[cfg(feature = "typescript")]
    pub fn typescript(&self) -> Option<crate::typescript::RoomTypes> {
        self.typescript.map(|describe| describe())
    }

    /// The id prefix.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The event wire names.
    pub fn events(&self) -> &'static [&'static str] {
        self.events
    }

    /// The member limit.
    pub fn max_members(&self) -> Option<usize> {
        self.max_members
    }
}

impl fmt::Debug for RoomDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoomDescriptor")
            .field("prefix", &self.prefix)
            .field("events", &self.events)
            .field("max_members", &self.max_members)
            .finish()
    }
}

/// One `#[live_room]` registration, collected through `inventory`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RoomRegistration {
    descriptor: fn() -> RoomDescriptor,
    #[cfg(feature = "typescript")]
    typescript: Option<fn() -> crate::typescript::RoomTypes>,
}

impl RoomRegistration {
    /// Registers room type `R`.
    pub const fn new<R: LiveRoom>() -> Self {
        Self {
            descriptor: RoomDescriptor::of::<R>,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// Registers room type `R` with its TypeScript description.
    #[cfg(feature = "typescript")]
    pub const fn typed<R: LiveRoom + crate::typescript::macro_support::RoomTypescript>() -> Self {
        Self {
            descriptor: RoomDescriptor::of::<R>,
            typescript: Some(R::typescript),
        }
    }

    fn descriptor(&self) -> RoomDescriptor {
        #[allow(unused_mut)]
        let mut descriptor = (self.descriptor)();
        #[cfg(feature = "typescript")]
        {
            descriptor.typescript = self.typescript;
        }
        descriptor
    }
}

inventory::collect!(RoomRegistration);

/// Every room registered with `#[live_room]` in the linked crates, sorted by prefix.
pub(crate) fn registered_rooms() -> Vec<RoomDescriptor> {
    let mut all: Vec<RoomDescriptor> = inventory::iter::<RoomRegistration>
        .into_iter()
        .map(RoomRegistration::descriptor)
        .collect();
    all.sort_by_key(|descriptor| descriptor.prefix);
    all
}

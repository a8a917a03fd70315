//! The component types a server can mount: each one's descriptor and how its actor starts,
//! registered by hand or by `#[live_component]` (collected through `inventory`).

use super::actor::{ActorTask, SpawnRequest, start_component};
use super::mailbox::ComponentHandle;
use crate::component::{ComponentDescriptor, LiveComponent};
use crate::security::AuthPolicy;

/// How a component type creates an instance: its handle and its actor, which the caller runs.
pub(crate) type StartFn = fn(SpawnRequest) -> Result<(ComponentHandle, ActorTask), String>;

/// A mountable component type: what it is, and how its actor starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ComponentType {
    /// What the component is.
    pub(crate) descriptor: ComponentDescriptor,
    /// Creates an instance.
    pub(crate) start: StartFn,
}

impl ComponentType {
    /// Component type `C`.
    pub(crate) fn of<C: LiveComponent>() -> Self {
        Self {
            descriptor: ComponentDescriptor::of::<C>(),
            start: start_component::<C>,
        }
    }

    /// The registry name.
    pub(crate) fn name(&self) -> &'static str {
        self.descriptor.name()
    }

    /// Whether one instance is shared by every viewer.
    pub(crate) fn is_singleton(&self) -> bool {
        self.descriptor.is_singleton()
    }

    /// Who may mount it.
    pub(crate) fn auth(&self) -> &AuthPolicy {
        self.descriptor.auth()
    }
}

/// One `#[live_component]` registration, collected through `inventory`.
#[doc(hidden)]
#[derive(Debug)]
pub struct ComponentRegistration {
    component: fn() -> ComponentType,
    #[cfg(feature = "typescript")]
    typescript: Option<fn() -> crate::typescript::ComponentTypes>,
}

impl ComponentRegistration {
    /// Registers component type `C`.
    pub const fn new<C: LiveComponent>() -> Self {
        Self {
            component: ComponentType::of::<C>,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// Registers component type `C` with its TypeScript description.
    #[cfg(feature = "typescript")]
    pub const fn typed<C: LiveComponent + crate::typescript::macro_support::ComponentTypescript>()
    -> Self {
        Self {
            component: ComponentType::of::<C>,
            typescript: Some(C::typescript),
        }
    }

    fn component(&self) -> ComponentType {
        #[allow(unused_mut)]
        let mut component = (self.component)();
        #[cfg(feature = "typescript")]
        {
            component.descriptor = component.descriptor.with_typescript(self.typescript);
        }
        component
    }
}

inventory::collect!(ComponentRegistration);

/// Every component registered with `#[live_component]` in the linked crates, sorted by name.
pub(crate) fn registered_components() -> Vec<ComponentType> {
    let mut all: Vec<ComponentType> = inventory::iter::<ComponentRegistration>
        .into_iter()
        .map(ComponentRegistration::component)
        .collect();
    all.sort_by_key(ComponentType::name);
    all
}

// Defined here, beside the registry it reads, so the component model needs no runtime.
impl ComponentDescriptor {
    /// Every component registered with `#[live_component]` in the crates linked into this
    /// binary, sorted by name. (A crate nothing refers to is not linked: name it, e.g.
    /// `use my_components as _;`.)
    pub fn registered() -> Vec<Self> {
        registered_components()
            .into_iter()
            .map(|component| component.descriptor)
            .collect()
    }
}

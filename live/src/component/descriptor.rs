use super::LiveComponent;
use crate::security::AuthPolicy;
use std::fmt;

/// Everything the runtime needs to know about one component type, without its type.
#[derive(Clone, Copy)]
pub struct ComponentDescriptor {
    name: &'static str,
    singleton: bool,
    actions: &'static [&'static str],
    updatable_fields: &'static [&'static str],
    auth: AuthPolicy,
    pub(crate) spawn: crate::runtime::SpawnFn,
    #[cfg(feature = "typescript")]
    typescript: Option<fn() -> crate::typescript::ComponentTypes>,
}

impl ComponentDescriptor {
    /// The descriptor of component type `C`.
    pub fn of<C: LiveComponent>() -> Self {
        Self {
            name: C::NAME,
            singleton: C::SINGLETON,
            actions: C::ACTIONS,
            updatable_fields: C::UPDATABLE_FIELDS,
            auth: C::AUTH,
            spawn: crate::runtime::spawn_component::<C>,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// Every component registered with `#[live_component]` in the crates linked into this
    /// binary, sorted by name. (A crate nothing refers to is not linked: name it, e.g.
    /// `use my_components as _;`.)
    pub fn registered() -> Vec<Self> {
        registered_components()
    }

    /// How the TypeScript client sees the component: its state and actions (feature
    /// `typescript`; `None` for a component registered without `#[live_component]`).
    #[cfg(feature = "typescript")]
    pub fn typescript(&self) -> Option<crate::typescript::ComponentTypes> {
        self.typescript.map(|describe| describe())
    }

    /// The registry name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether one instance is shared by every viewer.
    pub fn is_singleton(&self) -> bool {
        self.singleton
    }

    /// The callable actions' wire names.
    pub fn actions(&self) -> &'static [&'static str] {
        self.actions
    }

    /// Who may mount it.
    pub fn auth(&self) -> &AuthPolicy {
        &self.auth
    }

    /// Fields writable with `PROPERTY_UPDATE`.
    pub fn updatable_fields(&self) -> &'static [&'static str] {
        self.updatable_fields
    }
}

impl fmt::Debug for ComponentDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentDescriptor")
            .field("name", &self.name)
            .field("singleton", &self.singleton)
            .field("actions", &self.actions)
            .field("updatable_fields", &self.updatable_fields)
            .finish()
    }
}

/// One `#[live_component]` registration, collected through `inventory`.
#[doc(hidden)]
#[derive(Debug)]
pub struct ComponentRegistration {
    descriptor: fn() -> ComponentDescriptor,
    #[cfg(feature = "typescript")]
    typescript: Option<fn() -> crate::typescript::ComponentTypes>,
}

impl ComponentRegistration {
    /// Registers component type `C`.
    pub const fn new<C: LiveComponent>() -> Self {
        Self {
            descriptor: ComponentDescriptor::of::<C>,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// Registers component type `C` with its TypeScript description.
    #[cfg(feature = "typescript")]
    pub const fn typed<C: LiveComponent + crate::__private::ComponentTypescript>() -> Self {
        Self {
            descriptor: ComponentDescriptor::of::<C>,
            typescript: Some(C::typescript),
        }
    }

    fn descriptor(&self) -> ComponentDescriptor {
        #[allow(unused_mut)]
        let mut descriptor = (self.descriptor)();
        #[cfg(feature = "typescript")]
        {
            descriptor.typescript = self.typescript;
        }
        descriptor
    }
}

inventory::collect!(ComponentRegistration);

/// Every component registered with `#[live_component]` in the linked crates, sorted by name.
pub(crate) fn registered_components() -> Vec<ComponentDescriptor> {
    let mut all: Vec<ComponentDescriptor> = inventory::iter::<ComponentRegistration>
        .into_iter()
        .map(ComponentRegistration::descriptor)
        .collect();
    all.sort_by_key(|descriptor| descriptor.name);
    all
}

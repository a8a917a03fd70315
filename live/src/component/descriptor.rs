use super::LiveComponent;
use crate::security::AuthPolicy;
use crate::upload::UploadSpec;
use std::fmt;

/// What a component type is, without its type: its name, actions, writable fields and auth
/// policy. [`ComponentDescriptor::registered`] lists the `#[live_component]` ones.
#[derive(Clone, Copy)]
pub struct ComponentDescriptor {
    name: &'static str,
    singleton: bool,
    actions: &'static [&'static str],
    updatable_fields: &'static [&'static str],
    auth: AuthPolicy,
    binary_fields: &'static [super::BinaryField],
    uploads: &'static [UploadSpec],
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
            binary_fields: C::BINARY_FIELDS,
            uploads: C::UPLOADS,
            #[cfg(feature = "typescript")]
            typescript: None,
        }
    }

    /// How the TypeScript client sees the component: its state and actions (feature
    /// `typescript`; `None` for a component registered without `#[live_component]`).
    #[cfg(feature = "typescript")]
    pub fn typescript(&self) -> Option<crate::typescript::ComponentTypes> {
        self.typescript.map(|describe| describe())
    }

    /// The descriptor with its TypeScript description (set by the registration).
    #[cfg(feature = "typescript")]
    pub(crate) fn with_typescript(
        mut self,
        typescript: Option<fn() -> crate::typescript::ComponentTypes>,
    ) -> Self {
        self.typescript = typescript;
        self
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

    /// The fields sent as binary deltas (empty: none), in the order of the payload's bits.
    pub fn binary_fields(&self) -> &'static [super::BinaryField] {
        self.binary_fields
    }

    /// The `#[upload]` methods and what each accepts.
    pub fn uploads(&self) -> &'static [UploadSpec] {
        self.uploads
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
            .field("uploads", &self.uploads)
            .finish()
    }
}

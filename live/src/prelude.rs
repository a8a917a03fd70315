//! `use live::prelude::*;` brings in what a component definition needs.

pub use crate::component::{ActionError, Ctx, Identity, LiveComponent};
pub use crate::live_component;
pub use crate::server::LiveServer;

//! Collecting types: the [`File`] being built, the ts-rs declarations its sections use,
//! and the names it claims (conflicts are errors).

use crate::error::Error;
use crate::text::alias;
use live::typescript::{TsDeclaration, TsType};
use std::collections::BTreeMap;

/// What the file declares, collected while the sections are rendered.
#[derive(Default)]
pub(crate) struct File {
    /// ts-rs declarations by name.
    pub(crate) declarations: BTreeMap<String, TsDeclaration>,
    /// Type names the generator adds, with what they stand for.
    pub(crate) types: BTreeMap<String, String>,
    /// Constant names the generator adds, with what they stand for.
    pub(crate) values: BTreeMap<String, String>,
    /// Registry entries: (`components` | `rooms`, key, entry type).
    pub(crate) entries: Vec<(&'static str, String, String)>,
    /// Where types became `unknown`.
    pub(crate) unknown: Vec<String>,
}

impl File {
    /// Records the declarations `ty` needs and where it is missing; returns it rendered.
    pub(crate) fn use_type(
        &mut self,
        cfg: &live::typescript::Config,
        ty: &TsType,
        place: &str,
    ) -> Result<String, Error> {
        for declaration in ty.declarations(cfg) {
            match self.declarations.get(declaration.name()) {
                Some(known) if known.code() == declaration.code() => {}
                Some(known) => {
                    return Err(Error::Conflict {
                        name: declaration.name().to_owned(),
                        first: format!("`{}`", known.rust_name()),
                        second: format!("`{}`", declaration.rust_name()),
                    });
                }
                None => {
                    self.declarations
                        .insert(declaration.name().to_owned(), declaration);
                }
            }
        }
        for missing in ty.missing_types() {
            self.unknown.push(format!("{place} ({missing})"));
        }
        Ok(ty.render(cfg))
    }

    /// `export type <state_name> = <state>;` for a component's or a room's state, claiming
    /// the name unless the state type already has it.
    pub(crate) fn state_alias(
        &mut self,
        cfg: &live::typescript::Config,
        state: &TsType,
        state_name: &str,
        owner: &str,
        doc: &str,
    ) -> Result<String, Error> {
        let state = self.use_type(cfg, state, &format!("{owner}: state"))?;
        if state != state_name {
            self.type_name(state_name.to_owned(), owner)?;
        }
        Ok(alias(state_name, &state, doc))
    }

    /// Claims a generated type name.
    pub(crate) fn type_name(&mut self, name: String, owner: &str) -> Result<String, Error> {
        claim(&mut self.types, name, owner)
    }

    /// Claims a generated constant name.
    pub(crate) fn value_name(&mut self, name: String, owner: &str) -> Result<String, Error> {
        claim(&mut self.values, name, owner)
    }

    /// Fails when a generated type name is also a declared one.
    pub(crate) fn check_names(&self) -> Result<(), Error> {
        for (name, owner) in &self.types {
            if let Some(declaration) = self.declarations.get(name) {
                return Err(Error::Conflict {
                    name: name.clone(),
                    first: format!("`{}`", declaration.rust_name()),
                    second: owner.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Claims `name` in `names` for `owner`; a second claim is a conflict.
fn claim(names: &mut BTreeMap<String, String>, name: String, owner: &str) -> Result<String, Error> {
    if let Some(first) = names.get(&name) {
        return Err(Error::Conflict {
            name,
            first: first.clone(),
            second: owner.to_owned(),
        });
    }
    names.insert(name.clone(), owner.to_owned());
    Ok(name)
}

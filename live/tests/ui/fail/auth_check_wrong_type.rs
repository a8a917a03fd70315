use live::prelude::*;
use serde::{Deserialize, Serialize};

mod checks {
    pub fn by_name(name: &str) -> bool {
        !name.is_empty()
    }
}

#[live_component(auth(check = crate::checks::by_name))]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Board {
    pub notes: Vec<String>,
}

#[live_component]
impl Board {
    #[action(auth(check = Self::is_owner))]
    fn clear(&mut self) {
        self.notes.clear();
    }

    #[action(auth(check = checks::missing))]
    fn add(&mut self, note: String) {
        self.notes.push(note);
    }

    fn is_owner(identity: &Identity) -> bool {
        identity.is_authenticated()
    }
}

fn main() {}

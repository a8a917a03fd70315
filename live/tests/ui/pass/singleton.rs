//! A singleton with serde renames: `UPDATABLE_FIELDS` holds the JSON names.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(singleton)]
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedBoard {
    #[live(updatable)]
    pub board_title: String,
    #[live(updatable)]
    #[serde(rename = "NOTE")]
    pub sticky_note: String,
    #[serde(default)]
    #[live(updatable)]
    pub r#type: String,
    pub viewer_count: usize,
}

#[live_component]
impl SharedBoard {
    fn on_client_join(&mut self, _connection_id: &str, viewers: usize) {
        self.viewer_count = viewers;
    }

    fn on_client_leave(&mut self, _connection_id: &str, viewers: usize) {
        self.viewer_count = viewers;
    }
}

#[live_component(name = "Kebab", singleton)]
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "kebab-case", deserialize = "kebab-case"))]
pub struct KebabState {
    #[live(updatable)]
    pub two_words: u8,
}

#[live_component]
impl KebabState {}

fn main() {
    assert_eq!(<SharedBoard as LiveComponent>::NAME, "SharedBoard");
    assert!(<SharedBoard as LiveComponent>::SINGLETON);
    assert_eq!(
        <SharedBoard as LiveComponent>::UPDATABLE_FIELDS,
        ["boardTitle", "NOTE", "type"]
    );
    assert!(<SharedBoard as LiveComponent>::ACTIONS.is_empty());
    assert_eq!(<KebabState as LiveComponent>::NAME, "Kebab");
    assert_eq!(
        <KebabState as LiveComponent>::UPDATABLE_FIELDS,
        ["two-words"]
    );
}

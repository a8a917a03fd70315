use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    fn on_destroy(&mut self, x: i32) {
        self.count = x.into();
    }

    async fn on_client_join(&mut self, connection_id: String) {
        let _ = connection_id;
    }

    fn on_client_leave(&mut self, _connection_id: &str, _viewers: usize) -> bool {
        true
    }

    fn on_mount(self, ctx: &mut Ctx<Self>) -> Result<i64, ActionError> {
        let _ = ctx;
        Ok(self.count)
    }
}

fn main() {}

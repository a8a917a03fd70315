use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    fn on_rehydrate(&mut self, ctx: &mut Ctx<Self>, extra: u8) -> bool {
        let _ = (ctx, extra);
        true
    }
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Board {
    pub notes: Vec<String>,
}

#[live_component]
impl Board {
    async fn on_rehydrate(self, ctx: Ctx<Self>) -> Result<usize, ActionError> {
        let _ = ctx;
        Ok(self.notes.len())
    }
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Panel {
    pub open: bool,
}

#[live_component]
impl Panel {
    fn on_rehydrate<T>(count: T) {
        let _ = count;
    }
}

fn main() {}

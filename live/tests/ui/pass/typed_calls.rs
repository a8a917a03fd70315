//! `Counter::actions()`: one typed call per action, with the payload the dispatcher reads;
//! an argument type that is only `Deserialize` leaves the component compiling.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct OnlyIn {
    pub x: i64,
}

#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

#[live_component(name = "Counter")]
#[derive(Default, Serialize, Deserialize)]
struct Counter {
    count: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn add(&mut self, by: i64, note: Option<String>) -> Result<i64, ActionError> {
        let _ = note;
        self.count += by;
        Ok(self.count)
    }

    #[action(name = "setRange")]
    fn set_range(&mut self, #[payload] range: Range) -> Range {
        range
    }

    #[action]
    fn reset(&mut self, ctx: &mut Ctx<Self>) {
        let _ = ctx;
        self.count = 0;
    }

    #[action]
    fn name(&self) -> &'static str {
        "counter"
    }

    #[action]
    fn take(&mut self, only: OnlyIn) {
        self.count = only.x;
    }
}

fn main() {
    let add: live::ActionCall<Counter, i64> = Counter::actions().add(5, None);
    assert_eq!(add.action(), "add");
    assert_eq!(add.payload(), Ok(&serde_json::json!({"by": 5, "note": null})));
    let range: live::ActionCall<Counter, Range> =
        Counter::actions().set_range(Range { from: 1, to: 2 });
    assert_eq!(range.action(), "setRange");
    assert_eq!(range.payload(), Ok(&serde_json::json!({"from": 1, "to": 2})));
    let reset: live::ActionCall<Counter, ()> = Counter::actions().reset();
    assert_eq!(reset.payload(), Ok(&serde_json::json!({})));
    let _: live::ActionCall<Counter, serde_json::Value> = Counter::actions().name();
}

use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(name = "Counter")]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
    #[live(updatable)]
    pub label: String,
}

#[derive(Deserialize)]
pub struct SetValue {
    key: String,
    value: serde_json::Value,
}

#[live_component]
impl Counter {
    #[action]
    fn increment(&mut self) {
        self.count += 1;
    }

    #[action]
    fn add(&mut self, by: i64) -> i64 {
        self.count += by;
        self.count
    }

    #[action(name = "setValue")]
    fn set_value(&mut self, #[payload] p: SetValue) -> Result<(), ActionError> {
        self.label = format!("{}={}", p.key, p.value);
        Ok(())
    }

    #[action]
    async fn slow(&mut self, ms: u64, ctx: &mut Ctx<Self>) -> Result<u64, ActionError> {
        ctx.emit("tick", ms)?;
        Ok(ms)
    }

    #[action]
    fn peek(&self) -> i64 {
        self.count
    }

    fn on_mount(&mut self, ctx: &mut Ctx<Self>) {
        self.label = ctx.component_id().to_owned();
    }

    fn helper(&self) -> i64 {
        1
    }
}

fn main() {
    assert_eq!(<Counter as LiveComponent>::NAME, "Counter");
    assert!(!<Counter as LiveComponent>::SINGLETON);
    assert_eq!(<Counter as LiveComponent>::UPDATABLE_FIELDS, ["label"]);
    assert_eq!(
        <Counter as LiveComponent>::ACTIONS,
        ["increment", "add", "setValue", "slow", "peek"]
    );
    assert_eq!(Counter::default().helper(), 1);
}

//! Async actions, every argument kind, and every return kind.
use live::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Jobs {
    pub done: Vec<String>,
}

#[derive(Debug)]
pub struct JobError;

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("job failed")
    }
}

impl std::error::Error for JobError {}

#[derive(Deserialize)]
pub struct Batch {
    pub names: Vec<String>,
}

#[live_component]
impl Jobs {
    #[action]
    async fn run(
        &mut self,
        ctx: &mut Ctx<Self>,
        name: String,
        retries: Option<u32>,
    ) -> Result<usize, JobError> {
        let _ = (ctx.connection_id(), retries);
        self.done.push(name);
        Ok(self.done.len())
    }

    #[action]
    async fn run_batch(
        &mut self,
        #[payload] batch: Batch,
        ctx: &Ctx<Self>,
    ) -> Result<(), ActionError> {
        let _ = ctx.caller();
        self.done.extend(batch.names);
        Ok(())
    }

    #[action]
    async fn reset(&mut self) {
        self.done.clear();
    }

    #[action]
    fn replace(&mut self, mut state: Self) -> std::io::Result<()> {
        state.done.sort();
        *self = state;
        Ok(())
    }

    #[action]
    fn snapshot(&self) -> Jobs {
        Jobs {
            done: self.done.clone(),
        }
    }

    #[action(name = "type")]
    fn r#type(&self) -> &'static str {
        "jobs"
    }
}

fn main() {
    assert_eq!(
        <Jobs as LiveComponent>::ACTIONS,
        ["run", "run_batch", "reset", "replace", "snapshot", "type"]
    );
}

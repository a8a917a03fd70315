//! Every lifecycle hook, sync and async.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Room {
    pub log: Vec<String>,
}

#[live_component]
impl Room {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.emit("mounted", ())?;
        self.log.push("mount".into());
        Ok(())
    }

    fn on_destroy(&mut self) {
        self.log.push("destroy".into());
    }

    fn on_client_join(&mut self, connection_id: &str, viewers: usize) {
        self.log.push(format!("join {connection_id} {viewers}"));
    }

    fn on_client_leave(&mut self, connection_id: &str, viewers: usize) {
        self.log.push(format!("leave {connection_id} {viewers}"));
    }
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Plain {
    pub mounted: bool,
}

#[live_component]
impl Plain {
    fn on_mount(&mut self) -> Result<(), std::fmt::Error> {
        self.mounted = true;
        Ok(())
    }
}

fn main() {
    let mut room = Room::default();
    LiveComponent::on_destroy(&mut room);
    LiveComponent::on_client_join(&mut room, "c1", 2);
    LiveComponent::on_client_leave(&mut room, "c1", 1);
    assert_eq!(room.log, ["destroy", "join c1 2", "leave c1 1"]);
    assert!(<Plain as LiveComponent>::ACTIONS.is_empty());
}

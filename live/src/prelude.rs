//! `use live::prelude::*;` brings in what a component or room definition needs.

pub use crate::component::{
    ActionError, Ctx, Identity, LiveComponent, OnMessage, OnRoomEvent, PushError, TaskHandle,
    TimerHandle,
};
pub use crate::room::{
    EventSender, JoinInfo, LeaveInfo, LeaveReason, LiveRoom, RoomError, RoomEvent,
};
pub use crate::server::LiveServer;
pub use crate::upload::UploadedFile;
pub use crate::{live_component, live_room};

//! Typed rooms from app code: `handle.room::<ChatRoom>("general")`.

use super::PushError;
use super::host::{AppRoomOp, ErasedChange, PushHost};
use crate::protocol::refusal::Refusal;
use crate::room::{LiveRoom, PresenceEntry, RoomError, RoomEvent};
use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// App code's handle on the running instance `instance` of typed room `R` (id
/// `"<R::PREFIX>:<instance>"`), from [`LiveHandle::room`](super::LiveHandle::room).
///
/// App code does not create rooms: a room that is not running (nobody has joined it, or
/// the last member left and its grace ran out) is [`PushError::NoSuchRoom`].
pub struct AppRoomRef<R> {
    host: Arc<dyn PushHost>,
    room_id: String,
    _room: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for AppRoomRef<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRoomRef")
            .field("room_id", &self.room_id)
            .finish()
    }
}

impl<R> Clone for AppRoomRef<R> {
    fn clone(&self) -> Self {
        Self {
            host: Arc::clone(&self.host),
            room_id: self.room_id.clone(),
            _room: PhantomData,
        }
    }
}

impl<R: LiveRoom> AppRoomRef<R> {
    pub(super) fn new(host: Arc<dyn PushHost>, instance: &str) -> Self {
        Self {
            host,
            room_id: format!("{}:{instance}", R::PREFIX),
            _room: PhantomData,
        }
    }

    /// The full room id, `"<prefix>:<instance>"`.
    pub fn id(&self) -> &str {
        &self.room_id
    }

    /// Sends `event` to every member (their clients and typed handlers). Returns once the
    /// room has it queued.
    pub async fn emit(&self, event: R::Event) -> Result<(), PushError> {
        let data = event
            .payload()
            .map_err(|error| PushError::Room(RoomError::new(error.to_string())))?;
        let op = AppRoomOp::Emit {
            event: event.name().to_owned(),
            data,
        };
        self.run(op).await.map(|_| ())
    }

    /// The room's current state.
    pub async fn state(&self) -> Result<R, PushError> {
        typed(self.run(AppRoomOp::State).await?)
    }

    /// Changes the room's state; every member gets the delta. Refused (nothing applied) if
    /// the state would exceed the size limit.
    pub async fn update(
        &self,
        change: impl FnOnce(&mut R) + Send + 'static,
    ) -> Result<R, PushError> {
        let change: ErasedChange = Box::new(move |state| match state.downcast_mut::<R>() {
            Some(state) => {
                change(state);
                Ok(())
            }
            None => Err(RoomError::new(Refusal::RoomTypeMismatch.text())),
        });
        typed(self.run(AppRoomOp::Update(change)).await?)
    }

    /// Who is in the room, cluster-wide: one entry per user (or per connection), in
    /// `joinedAt` order (empty for a room without presence).
    pub async fn presence(&self) -> Result<Vec<PresenceEntry<R::Presence>>, PushError> {
        let entries = self
            .run(AppRoomOp::Presence)
            .await?
            .and_then(|entries| entries.downcast::<Vec<serde_json::Value>>().ok())
            .ok_or(PushError::NoSuchRoom)?;
        entries
            .into_iter()
            .map(|entry| {
                serde_json::from_value(entry)
                    .map_err(|error| PushError::Room(RoomError::new(error.to_string())))
            })
            .collect()
    }

    async fn run(&self, op: AppRoomOp) -> Result<Option<Box<dyn Any + Send>>, PushError> {
        self.host
            .room_op(self.room_id.clone(), TypeId::of::<R>(), op)
            .await
    }
}

fn typed<R: LiveRoom>(state: Option<Box<dyn Any + Send>>) -> Result<R, PushError> {
    state
        .and_then(|state| state.downcast::<R>().ok())
        .map(|state| *state)
        .ok_or(PushError::NoSuchRoom)
}

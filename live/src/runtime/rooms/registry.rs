//! The server's rooms: finds or creates a room by id, keeping typed and untyped rooms
//! apart.

use super::actor;
use super::command::{RoomCommand, RoomHandle};
use super::kinds;
use super::link::Signal;
use super::table::RoomTable;
use super::wire::{self, Forwarded, Outcome};
use crate::cluster::{
    MessageRequest, MessageResponse, RoomMessage, SingletonMessage, SingletonOwner,
};
use crate::protocol::refusal::Refusal;
use crate::room::{RoomDescriptor, RoomError, RoomType};
use serde_json::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

/// Every live room of one server.
pub(crate) struct Rooms {
    table: Arc<RoomTable>,
    typed_prefixes: RwLock<HashMap<&'static str, TypeId>>,
}

impl fmt::Debug for Rooms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rooms")
            .field("settings", &self.table.settings)
            .finish_non_exhaustive()
    }
}

impl Rooms {
    /// An empty registry; `typed` prefixes refuse client joins from the start.
    pub(crate) fn new(table: RoomTable, typed: &[RoomDescriptor]) -> Self {
        let prefixes = typed
            .iter()
            .map(|descriptor| (descriptor.prefix(), TypeId::of::<()>()))
            .collect();
        Self {
            table: Arc::new(table),
            typed_prefixes: RwLock::new(prefixes),
        }
    }

    /// Every running room with its member count (for the inspector).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) async fn member_counts(&self) -> Vec<(Arc<str>, usize)> {
        let table = self.table.lock().await;
        table
            .values()
            .map(|room| (Arc::clone(&room.id), room.member_count()))
            .collect()
    }

    /// Whether `room_id`'s prefix belongs to a typed room.
    pub(crate) fn is_typed_id(&self, room_id: &str) -> bool {
        let prefix = room_id.split(':').next().unwrap_or_default();
        room_id.contains(':')
            && self
                .typed_prefixes
                .read()
                .is_ok_and(|prefixes| prefixes.contains_key(prefix))
    }

    fn claim_prefix(&self, room: RoomType) -> Result<(), RoomError> {
        let mut prefixes = self
            .typed_prefixes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let wanted = room.id;
        match prefixes.get(room.prefix).copied() {
            Some(existing) if existing == wanted => Ok(()),
            // Registered by descriptor only (placeholder type): claim it.
            Some(existing) if existing == TypeId::of::<()>() => {
                prefixes.insert(room.prefix, wanted);
                Ok(())
            }
            Some(_) => Err(RoomError::new(
                Refusal::RoomPrefixTaken {
                    prefix: room.prefix,
                }
                .text(),
            )),
            None => {
                prefixes.insert(room.prefix, wanted);
                Ok(())
            }
        }
    }

    /// The typed room `room_id` of type `room`, created if needed.
    pub(crate) async fn typed(
        &self,
        room: RoomType,
        room_id: &str,
    ) -> Result<RoomHandle, RoomError> {
        self.claim_prefix(room)?;
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(room_id) {
            return if handle.typed == Some(room.id) {
                Ok(handle.clone())
            } else {
                let prefix = room.prefix;
                Err(RoomError::new(
                    Refusal::RoomWrongType { room_id, prefix }.text(),
                ))
            };
        }
        let handle = actor::spawn(
            room_id,
            kinds::Typed::new(room, room_id),
            Some(room.id),
            Arc::clone(&self.table),
        );
        table.insert(Arc::clone(&handle.id), handle.clone());
        Ok(handle)
    }

    /// The untyped room `room_id`, created with `initial_state` if needed.
    pub(crate) async fn untyped(
        &self,
        room_id: &str,
        initial_state: Option<Value>,
    ) -> Result<RoomHandle, RoomError> {
        if self.is_typed_id(room_id) {
            return Err(RoomError::new(Refusal::RoomServerJoinOnly.text()));
        }
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(room_id) {
            return if handle.typed.is_none() {
                Ok(handle.clone())
            } else {
                Err(RoomError::new(Refusal::RoomServerJoinOnly.text()))
            };
        }
        let handle = actor::spawn(
            room_id,
            kinds::Untyped::new(initial_state),
            None,
            Arc::clone(&self.table),
        );
        table.insert(Arc::clone(&handle.id), handle.clone());
        Ok(handle)
    }

    /// The running room `room_id`, if any.
    pub(crate) async fn get(&self, room_id: &str) -> Option<RoomHandle> {
        self.table.lock().await.get(room_id).cloned()
    }

    /// Hands a room owner's message (its outcome, or its release) to the local room, if it
    /// runs.
    pub(crate) async fn deliver_owner(&self, room_id: &str, message: SingletonMessage) {
        let Some(room) = self.get(room_id).await else {
            return;
        };
        let signal = match message {
            SingletonMessage::Event { owner, payload, .. } => {
                let Ok(outcome) = serde_json::from_value::<Outcome>(payload) else {
                    tracing::warn!(room = %room_id, "unreadable room outcome ignored");
                    return;
                };
                let owner = SingletonOwner::parse(&owner).map(|o| o.instance_id);
                Signal::Outcome {
                    owner: owner.unwrap_or_default(),
                    outcome,
                }
            }
            SingletonMessage::Gone { .. } => Signal::Gone,
            _ => return,
        };
        if !room.send(RoomCommand::Cluster(signal)).await {
            tracing::debug!(room = %room_id, "room stopped; owner message dropped");
        }
    }

    /// Serves a request another server forwarded to a room owned here.
    pub(crate) async fn serve_forwarded(&self, request: MessageRequest) -> MessageResponse {
        let id = request.request_id.clone();
        let Some(room_id) = wire::room_of(&request.component_name) else {
            return MessageResponse::failure(id, Refusal::OwnershipLost.text());
        };
        let Some(room) = self.get(room_id).await else {
            return MessageResponse::failure(id, Refusal::OwnershipLost.text());
        };
        let forwarded = match serde_json::from_value::<Forwarded>(request.payload) {
            Ok(forwarded) => forwarded,
            Err(error) => return MessageResponse::failure(id, error.to_string()),
        };
        let (reply, answer) = oneshot::channel();
        let signal = Signal::Forwarded {
            request: Box::new(forwarded),
            reply,
        };
        if !room.send(RoomCommand::Cluster(signal)).await {
            return MessageResponse::failure(id, Refusal::RoomShuttingDown.text());
        }
        match answer.await {
            Ok(Ok(())) => MessageResponse::delivered(id),
            Ok(Err(error)) => MessageResponse::failure(id, error),
            Err(_) => MessageResponse::failure(id, Refusal::RoomShuttingDown.text()),
        }
    }

    /// Hands a change made on another server of the cluster to the local room, if it runs.
    pub(crate) async fn deliver_remote(&self, room_id: &str, message: RoomMessage) {
        if let Some(room) = self.get(room_id).await
            && !room.try_send(RoomCommand::Remote(message))
        {
            tracing::warn!(room = %room_id, "room mailbox full; remote change dropped");
        }
    }
}

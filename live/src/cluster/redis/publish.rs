//! Rooms and topics on Redis: plain pub/sub on `<prefix>room:<id>` and
//! `<prefix>topic:<topic>`, each message in an envelope naming its sender.

use super::inner::{Inner, backend};
use crate::cluster::{ClusterError, RoomMessage, TopicMessage, validate_topic};
use redis::AsyncCommands;

impl Inner {
    pub(super) async fn publish_room(
        &self,
        room_id: &str,
        message: &RoomMessage,
    ) -> Result<(), ClusterError> {
        let text = self.envelope(message)?;
        let _: i64 = self
            .conn()
            .publish(self.key("room", room_id), text)
            .await
            .map_err(backend)?;
        Ok(())
    }

    pub(super) async fn publish_topic(&self, message: &TopicMessage) -> Result<(), ClusterError> {
        validate_topic(&message.topic)?;
        let text = self.envelope(message)?;
        let _: i64 = self
            .conn()
            .publish(self.key("topic", &message.topic), text)
            .await
            .map_err(backend)?;
        Ok(())
    }

    pub(super) async fn watch_topic(&self, topic: &str) -> Result<(), ClusterError> {
        validate_topic(topic)?;
        self.subscribe(self.key("topic", topic)).await
    }

    pub(super) async fn unwatch_topic(&self, topic: &str) -> Result<(), ClusterError> {
        validate_topic(topic)?;
        self.unsubscribe(self.key("topic", topic)).await
    }
}

//! What app handles and components' `ctx.server()` reach of a server: its singletons'
//! work mailboxes, its counts, its topics, its sessions' components and its rooms.

use super::actor::ComponentEnv;
use crate::component::push::{
    AppRoomOp, PushCluster, PushError, PushHost, ServerStats, Sessions, Topics,
};
use crate::support::BoxFuture;
use std::any::{Any, TypeId};
use std::sync::Arc;

impl PushHost for ComponentEnv {
    fn singleton_jobs(
        &self,
        name: &'static str,
    ) -> BoxFuture<'_, Option<Arc<dyn Any + Send + Sync>>> {
        Box::pin(async move {
            let table = self.singletons.lock().await;
            table.get(name).and_then(|handle| handle.jobs_arc())
        })
    }

    fn stats(&self) -> BoxFuture<'_, ServerStats> {
        Box::pin(self.server_stats())
    }

    fn topics(&self) -> &Topics {
        &self.topics
    }

    fn cluster(&self) -> Option<&PushCluster> {
        self.cluster.as_ref()
    }

    fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    fn room_op(
        &self,
        room_id: String,
        typed: TypeId,
        op: AppRoomOp,
    ) -> BoxFuture<'_, Result<Option<Box<dyn Any + Send>>, PushError>> {
        Box::pin(async move { self.rooms.app_op(&room_id, typed, op).await })
    }
}

//! Topics on one server: components subscribe to a named topic for messages of one type;
//! app code (or another component) publishes, and every subscriber's `on_message` gets a
//! copy on its own task.
//!
//! Cluster seam: this table is the local delivery only. Across servers a publish will also
//! go to the cluster adapter (`publish_topic`, with a serialized message) and a server will
//! watch a topic while it has local subscribers (`watch_topic` / `unwatch_topic`).

use super::jobs::{JobSender, Message, send_job};
use super::{OnMessage, PushError};
use crate::support::BoxFuture;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where a topic's messages of type `T` go: one subscribed component's work mailbox.
trait TopicSink<T>: Send + Sync {
    fn deliver(&self, message: T) -> BoxFuture<'_, Result<(), PushError>>;
    fn is_closed(&self) -> bool;
}

impl<C, T> TopicSink<T> for JobSender<C>
where
    C: OnMessage<T>,
    T: Send + 'static,
{
    fn deliver(&self, message: T) -> BoxFuture<'_, Result<(), PushError>> {
        Box::pin(send_job(self, Box::new(Message(message))))
    }

    fn is_closed(&self) -> bool {
        tokio::sync::mpsc::Sender::is_closed(self)
    }
}

/// One subscription: the component and its sink (an `Arc<dyn TopicSink<T>>`, with `T`
/// the type in the table's key).
struct Subscriber {
    component_id: Arc<str>,
    sink: Box<dyn Any + Send + Sync>,
}

/// The topic subscriptions of one server, by topic name and message type.
#[derive(Default)]
pub(crate) struct Topics {
    table: Mutex<HashMap<(String, TypeId), Vec<Subscriber>>>,
}

impl fmt::Debug for Topics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topics")
            .field("topics", &self.lock().len())
            .finish()
    }
}

impl Topics {
    fn lock(&self) -> MutexGuard<'_, HashMap<(String, TypeId), Vec<Subscriber>>> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes component `component_id` (once; again replaces) to `topic`'s messages of
    /// type `T`. Subscriptions of destroyed components are dropped here and at publish.
    pub(crate) fn subscribe<C, T>(&self, topic: &str, component_id: Arc<str>, jobs: JobSender<C>)
    where
        C: OnMessage<T>,
        T: Send + 'static,
    {
        let sink: Arc<dyn TopicSink<T>> = Arc::new(jobs);
        let mut table = self.lock();
        let subscribers = table
            .entry((topic.to_owned(), TypeId::of::<T>()))
            .or_default();
        subscribers.retain(|s| s.component_id != component_id && live::<T>(s));
        subscribers.push(Subscriber {
            component_id,
            sink: Box::new(sink),
        });
    }

    /// Ends component `component_id`'s subscription to `topic`'s messages of type `T`.
    pub(crate) fn unsubscribe<T: 'static>(&self, topic: &str, component_id: &str) {
        let key = (topic.to_owned(), TypeId::of::<T>());
        let mut table = self.lock();
        if let Some(subscribers) = table.get_mut(&key) {
            subscribers.retain(|s| &*s.component_id != component_id);
            if subscribers.is_empty() {
                table.remove(&key);
            }
        }
    }

    /// Ends every subscription of component `component_id` (it is being destroyed).
    pub(crate) fn unsubscribe_all(&self, component_id: &str) {
        self.lock().retain(|_, subscribers| {
            subscribers.retain(|s| &*s.component_id != component_id);
            !subscribers.is_empty()
        });
    }

    /// Queues a copy of `message` for every live subscriber of `topic` (type `T`), waiting
    /// while a subscriber's mailbox is full; returns how many got it.
    pub(crate) async fn publish<T: Clone + Send + 'static>(
        &self,
        topic: &str,
        message: T,
    ) -> usize {
        let sinks = self.sinks::<T>(topic);
        let mut delivered = 0;
        for sink in sinks {
            if sink.deliver(message.clone()).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }

    /// The live sinks of `topic` (type `T`), pruning the dead ones.
    fn sinks<T: Send + 'static>(&self, topic: &str) -> Vec<Arc<dyn TopicSink<T>>> {
        let key = (topic.to_owned(), TypeId::of::<T>());
        let mut table = self.lock();
        let Some(subscribers) = table.get_mut(&key) else {
            return Vec::new();
        };
        subscribers.retain(live::<T>);
        let sinks = subscribers
            .iter()
            .filter_map(|s| s.sink.downcast_ref::<Arc<dyn TopicSink<T>>>())
            .cloned()
            .collect();
        if subscribers.is_empty() {
            table.remove(&key);
        }
        sinks
    }

    /// Subscriptions to `topic` (any type).
    pub(crate) fn count(&self, topic: &str) -> usize {
        self.lock()
            .iter()
            .filter(|((name, _), _)| name == topic)
            .map(|(_, subscribers)| subscribers.len())
            .sum()
    }
}

/// Whether a subscriber (of a `T` topic) still has a running component.
fn live<T: Send + 'static>(subscriber: &Subscriber) -> bool {
    subscriber
        .sink
        .downcast_ref::<Arc<dyn TopicSink<T>>>()
        .is_some_and(|sink| !sink.is_closed())
}

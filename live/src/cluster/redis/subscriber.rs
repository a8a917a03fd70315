//! The subscriber connection's task.

use super::inner::Inner;
use crate::cluster::Inbound;
use crate::support::lock;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// The subscriber connection: (re)connects, (re)subscribes, reads, pings.
pub(super) async fn subscriber(inner: Arc<Inner>) {
    let mut stop = inner.stop.subscribe();
    let ping_every = inner
        .config
        .heartbeat_interval
        .clamp(Duration::from_millis(200), Duration::from_secs(2));
    let timeout = inner.config.operation_timeout;
    let mut connected_before = false;
    let mut backoff = Duration::from_millis(50);
    let mut warned = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let connected = async {
            let pubsub = tokio::time::timeout(timeout, inner.subscriber.get_async_pubsub())
                .await
                .map_err(|_| "connect timed out".to_owned())?
                .map_err(|error| error.to_string())?;
            let (sink, stream) = pubsub.split();
            *lock(&inner.sink) = Some(sink.clone());
            let channels: Vec<String> = lock(&inner.channels).iter().cloned().collect();
            let mut subscribing = sink.clone();
            tokio::time::timeout(timeout, subscribing.subscribe(&channels))
                .await
                .map_err(|_| "subscribe timed out".to_owned())?
                .map_err(|error| error.to_string())?;
            Ok::<_, String>((sink, stream))
        }
        .await;
        let (sink, mut stream) = match connected {
            Ok(connected) => connected,
            Err(error) => {
                *lock(&inner.sink) = None;
                if !warned {
                    tracing::warn!(%error, "redis subscriber unavailable; retrying");
                    warned = true;
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        backoff = Duration::from_millis(50);
        if warned || connected_before {
            tracing::info!("redis subscriber connected");
        }
        warned = false;
        if connected_before {
            inner.deliver(Inbound::Reconnected);
        }
        connected_before = true;
        let mut ping = tokio::time::interval(ping_every);
        ping.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => {
                        inner.on_message(message.get_channel_name(), message.get_payload_bytes());
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    let mut pinging = sink.clone();
                    let alive = tokio::time::timeout(timeout, pinging.ping::<redis::Value>()).await;
                    if !matches!(alive, Ok(Ok(_))) {
                        break;
                    }
                }
                _ = stop.changed() => return,
            }
        }
        *lock(&inner.sink) = None;
        tracing::warn!("redis subscriber connection lost; reconnecting");
    }
}

//! [`RedisCluster`]: the cluster adapter on Redis (feature `redis`, redis-rs 1.x).
//!
//! Commands go through a reconnecting
//! [`ConnectionManager`](::redis::aio::ConnectionManager); pub/sub runs on a separate
//! subscriber connection owned by a background task that reconnects with backoff,
//! resubscribes every channel, pings to detect dead connections, and tells the runtime it
//! reconnected (so singletons re-check their claim and reload the mirror).

mod adapter;
mod config;
mod forward;
mod inner;
mod publish;
mod scripts;
mod singleton;
mod subscriber;
mod waiting;

pub use adapter::RedisCluster;
pub use config::RedisClusterConfig;

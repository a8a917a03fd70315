//! The runtime side of uploads: what the server shares (settings, store, quota) and each
//! connection's uploads in progress. The connection's handlers are in
//! `runtime/connection/uploads.rs`.

mod active;
mod start;

pub(crate) use active::{ActiveUpload, Uploads, cancel};
pub(crate) use start::{field, read_start};

use crate::upload::quota::Quota;
use crate::upload::{LocalDirStore, UploadConfig, UploadStore};
use std::sync::Arc;

/// What every connection's uploads share.
#[derive(Debug)]
pub(crate) struct UploadHub {
    /// The limits.
    pub(crate) config: UploadConfig,
    /// Where bytes go.
    pub(crate) store: Arc<dyn UploadStore>,
    /// Bytes started per user (else connection) per window.
    pub(crate) quota: Quota,
    /// The default store, which the servers serve at its URL path (`None`: a custom store).
    #[cfg_attr(
        not(any(feature = "standalone", feature = "axum", feature = "actix")),
        allow(dead_code)
    )]
    pub(crate) local: Option<LocalDirStore>,
}

impl UploadHub {
    /// The shared state for `config`, storing in `store` (default: a [`LocalDirStore`] in
    /// `config.dir`).
    pub(crate) fn new(config: &UploadConfig, store: Option<Arc<dyn UploadStore>>) -> Self {
        let local = store
            .is_none()
            .then(|| LocalDirStore::new(&config.dir, &config.url_path));
        let store = match (store, &local) {
            (Some(store), _) => store,
            (None, Some(local)) => Arc::new(local.clone()) as Arc<dyn UploadStore>,
            (None, None) => Arc::new(LocalDirStore::new(&config.dir, &config.url_path)),
        };
        Self {
            local,
            quota: Quota::new(config.quota_bytes, config.quota_window),
            config: config.clone(),
            store,
        }
    }
}

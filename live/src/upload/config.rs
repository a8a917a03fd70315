//! [`UploadConfig`]: the server-wide upload limits, with the reference's defaults.

use std::path::PathBuf;
use std::time::Duration;

/// Upload settings (`LiveConfig::uploads`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadConfig {
    /// Largest file in bytes (default 50 MiB); an `#[upload(max_size = ...)]` may lower it.
    pub max_file_bytes: u64,
    /// Bytes one user (else one connection) may start uploading per
    /// [`quota_window`](Self::quota_window) (default 500 MiB).
    pub quota_bytes: u64,
    /// The quota's window (default 24 h).
    pub quota_window: Duration,
    /// An upload that receives nothing for this long is cancelled and its bytes deleted
    /// (default 60 s, the reference's 2 × 30 s).
    pub idle_timeout: Duration,
    /// Uploads one connection may have in progress at once (default 4).
    pub max_concurrent: usize,
    /// MIME types accepted at all (default: the reference's list); a component's `accept`
    /// narrows it further.
    pub allowed_types: Vec<String>,
    /// Where the default store ([`LocalDirStore`](super::LocalDirStore)) keeps files
    /// (default `./uploads`).
    pub dir: PathBuf,
    /// The URL path the servers serve stored files under (default `/uploads/`; must start
    /// and end with `/`).
    pub url_path: String,
}

/// The reference server's MIME allow-list.
const DEFAULT_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "application/pdf",
    "text/plain",
    "text/csv",
    "text/markdown",
    "application/json",
    "application/zip",
    "application/gzip",
];

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 50 * 1024 * 1024,
            quota_bytes: 500 * 1024 * 1024,
            quota_window: Duration::from_secs(24 * 60 * 60),
            idle_timeout: Duration::from_secs(60),
            max_concurrent: 4,
            allowed_types: DEFAULT_TYPES.iter().map(|&mime| mime.to_owned()).collect(),
            dir: PathBuf::from("uploads"),
            url_path: "/uploads/".to_owned(),
        }
    }
}

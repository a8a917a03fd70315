//! File uploads (reference §15, docs/uploads.md): what a component declares
//! ([`UploadSpec`], written by `#[upload]`), what it receives ([`UploadedFile`]), the
//! server's rules ([`UploadConfig`], file names, types, magic bytes, the quota) and where the
//! bytes go ([`UploadStore`], by default [`LocalDirStore`]).
//!
//! The wire and the per-connection bookkeeping live in `protocol::upload` and
//! `runtime::uploads`.

mod config;
mod file;
pub(crate) mod magic;
pub(crate) mod quota;
pub(crate) mod rules;
mod store;

pub use config::UploadConfig;
pub use file::{UploadSpec, UploadedFile};
pub use store::{LocalDirStore, NewUpload, StoredFile, UploadStore, UploadWriter};
/// Stored file names and their content types, for the servers' upload route.
#[cfg(any(feature = "standalone", feature = "axum", feature = "actix"))]
pub(crate) mod store_names {
    pub(crate) use super::store::{content_type_of, is_stored_name};
}

/// The hard cap of one chunk and of a declared `chunkSize` (`MAX_UPLOAD_CHUNK_SIZE`, 1 MiB).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

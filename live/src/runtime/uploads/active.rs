//! One connection's uploads in progress: the chunk rules, streaming to the store, and the
//! idle purge.

use crate::protocol::refusal::Refusal;
use crate::upload::quota::Quota;
use crate::upload::{MAX_CHUNK_BYTES, UploadSpec, UploadWriter, magic};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An upload being received. Dropping it drops the writer, which discards the bytes.
#[derive(Debug)]
pub(crate) struct ActiveUpload {
    /// The component it is for.
    pub(crate) component_id: Arc<str>,
    /// The `#[upload]` method.
    pub(crate) spec: &'static UploadSpec,
    /// The checked basename.
    pub(crate) filename: String,
    /// The declared MIME type.
    pub(crate) content_type: String,
    /// The declared size.
    pub(crate) file_size: u64,
    /// `ceil(fileSize / chunkSize)` of the start request (reported, not enforced).
    pub(crate) total_chunks: u64,
    /// The index the next chunk must have.
    pub(crate) next_index: u64,
    /// Bytes stored so far.
    pub(crate) received: u64,
    /// The first bytes, for the magic-byte check.
    pub(crate) head: Vec<u8>,
    /// Where the bytes go.
    pub(crate) writer: Box<dyn UploadWriter>,
    /// Whose quota it counts against.
    pub(crate) quota_key: String,
    /// When the last chunk (or the start) arrived.
    pub(crate) last_seen: Instant,
}

impl ActiveUpload {
    /// Checks a chunk: index order, the 1 MiB cap, and the running total against `fileSize`.
    pub(crate) fn check_chunk(&self, index: u64, len: usize) -> Result<(), String> {
        if index != self.next_index {
            let refusal = Refusal::UploadChunkOutOfOrder {
                expected: self.next_index,
                got: index,
            };
            return Err(refusal.text());
        }
        if len > MAX_CHUNK_BYTES {
            let max = MAX_CHUNK_BYTES;
            return Err(Refusal::UploadChunkTooLarge { max }.text());
        }
        let total = self.received.saturating_add(len as u64);
        if total > self.file_size {
            let file_size = self.file_size;
            return Err(Refusal::UploadPastFileSize { file_size }.text());
        }
        Ok(())
    }

    /// Streams a checked chunk to the store.
    pub(crate) async fn write(&mut self, data: &[u8]) -> Result<(), String> {
        if let Err(error) = self.writer.write(data).await {
            tracing::warn!(%error, "upload write failed");
            return Err(Refusal::UploadStorageFailed.text());
        }
        let missing = magic::HEAD_BYTES.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(data.get(..missing.min(data.len())).unwrap_or_default());
        self.received = self.received.saturating_add(data.len() as u64);
        self.next_index = self.next_index.saturating_add(1);
        self.last_seen = Instant::now();
        Ok(())
    }

    /// Whether the upload may complete: every byte there, and the magic bytes fit the type.
    pub(crate) fn check_complete(&self) -> Result<(), String> {
        if self.received != self.file_size {
            let refusal = Refusal::UploadIncomplete {
                received: self.received,
                file_size: self.file_size,
            };
            return Err(refusal.text());
        }
        if !magic::matches(&self.content_type, &self.head) {
            let mime = &self.content_type;
            return Err(Refusal::UploadContentMismatch { mime }.text());
        }
        Ok(())
    }
}

/// A connection's uploads by id.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    /// A B-tree: empty, it is 24 bytes and no hasher (held by every connection).
    active: BTreeMap<String, ActiveUpload>,
}

impl Uploads {
    /// How many are in progress.
    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }

    /// Whether `id` is in progress.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.active.contains_key(id)
    }

    /// Adds an upload.
    pub(crate) fn insert(&mut self, id: String, upload: ActiveUpload) {
        self.active.insert(id, upload);
    }

    /// The upload `id`.
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut ActiveUpload> {
        self.active.get_mut(id)
    }

    /// Takes the upload `id` out.
    pub(crate) fn remove(&mut self, id: &str) -> Option<ActiveUpload> {
        self.active.remove(id)
    }

    /// When the stalest upload goes idle for `idle` (`None`: nothing in progress).
    pub(crate) fn deadline(&self, idle: Duration) -> Option<Instant> {
        self.active
            .values()
            .map(|upload| upload.last_seen + idle)
            .min()
    }

    /// Cancels every upload idle for `idle` at `now`; returns how many.
    pub(crate) fn purge(&mut self, now: Instant, idle: Duration, quota: &Quota) -> usize {
        let stale: Vec<String> = self
            .active
            .iter()
            .filter(|(_, upload)| now.saturating_duration_since(upload.last_seen) >= idle)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &stale {
            if let Some(upload) = self.active.remove(id) {
                cancel(upload, quota);
            }
        }
        stale.len()
    }

    /// Cancels every upload (the connection closed).
    pub(crate) fn cancel_all(&mut self, quota: &Quota) {
        for (_, upload) in std::mem::take(&mut self.active) {
            cancel(upload, quota);
        }
    }
}

/// Drops an unfinished upload (its writer discards the bytes) and gives back its quota.
pub(crate) fn cancel(upload: ActiveUpload, quota: &Quota) {
    quota.release(&upload.quota_key, upload.file_size);
    drop(upload);
}

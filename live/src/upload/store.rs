//! Where upload bytes go: the [`UploadStore`] trait and its local-directory default.

use super::rules::safe_extension;
use crate::support::BoxFuture;
use rand::Rng;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// What the server knows of an upload when it starts storing it (every rule has passed).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewUpload {
    /// The client's file name (a checked basename).
    pub filename: String,
    /// The declared MIME type.
    pub content_type: String,
    /// The declared size in bytes.
    pub size: u64,
}

/// A stored file, as the store describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The store's key (an object key, or the local file name).
    pub key: String,
    /// The file on local disk, if the store keeps it there.
    pub path: Option<PathBuf>,
    /// Where clients can fetch it, if anywhere.
    pub url: Option<String>,
}

/// Storage for uploads. The server streams each chunk to a writer as it arrives, so no
/// upload is ever held in memory whole. See docs/uploads.md for an S3-compatible store.
pub trait UploadStore: Send + Sync + fmt::Debug + 'static {
    /// Starts storing a new upload.
    fn create<'a>(
        &'a self,
        upload: &'a NewUpload,
    ) -> BoxFuture<'a, io::Result<Box<dyn UploadWriter>>>;

    /// Deletes a finished file (the component's upload method refused it).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;
}

/// One upload being stored. Dropping it unfinished must discard what was written.
pub trait UploadWriter: Send + fmt::Debug {
    /// Appends the next chunk.
    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;

    /// Makes the file permanent.
    fn finish(self: Box<Self>) -> BoxFuture<'static, io::Result<StoredFile>>;
}

/// The default store: files in one directory under random names (`<32 hex><.ext>`), written
/// to a hidden `.partial/` subdirectory first and moved in when complete. The servers serve
/// the directory at `UploadConfig::url_path`.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    dir: PathBuf,
    url_path: String,
}

impl LocalDirStore {
    /// A store in `dir` whose files are served under `url_path` (`/uploads/`).
    pub fn new(dir: impl Into<PathBuf>, url_path: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            url_path: url_path.into(),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL path its files are served under.
    pub fn url_path(&self) -> &str {
        &self.url_path
    }

    /// Where unfinished uploads are written.
    pub fn partial_dir(&self) -> PathBuf {
        self.dir.join(".partial")
    }
}

/// 32 random hex characters.
fn random_name() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl UploadStore for LocalDirStore {
    fn create<'a>(
        &'a self,
        upload: &'a NewUpload,
    ) -> BoxFuture<'a, io::Result<Box<dyn UploadWriter>>> {
        Box::pin(async move {
            let partial_dir = self.partial_dir();
            tokio::fs::create_dir_all(&partial_dir).await?;
            let name = match safe_extension(&upload.filename) {
                Some(extension) => format!("{}.{extension}", random_name()),
                None => random_name(),
            };
            let partial = partial_dir.join(format!("{name}.part"));
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial)
                .await?;
            let writer = LocalWriter {
                file: Some(file),
                partial: Some(partial),
                target: self.dir.join(&name),
                url: format!("{}{name}", self.url_path),
                name,
            };
            Ok(Box::new(writer) as Box<dyn UploadWriter>)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            if !is_stored_name(key) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a stored name",
                ));
            }
            tokio::fs::remove_file(self.dir.join(key)).await
        })
    }
}

/// A local upload in progress; its partial file is removed unless it finished.
struct LocalWriter {
    file: Option<tokio::fs::File>,
    partial: Option<PathBuf>,
    target: PathBuf,
    name: String,
    url: String,
}

impl fmt::Debug for LocalWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalWriter")
            .field("partial", &self.partial)
            .field("target", &self.target)
            .finish()
    }
}

impl UploadWriter for LocalWriter {
    fn write<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match &mut self.file {
                Some(file) => file.write_all(bytes).await,
                None => Err(io::Error::other("upload already finished")),
            }
        })
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, io::Result<StoredFile>> {
        Box::pin(async move {
            let mut file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("finished"))?;
            file.flush().await?;
            drop(file);
            let partial = self
                .partial
                .take()
                .ok_or_else(|| io::Error::other("finished"))?;
            if let Err(error) = tokio::fs::rename(&partial, &self.target).await {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(error);
            }
            Ok(StoredFile {
                key: self.name.clone(),
                path: Some(self.target.clone()),
                url: Some(self.url.clone()),
            })
        })
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        drop(self.file.take());
        if let Some(partial) = self.partial.take() {
            // Synchronous on purpose: the bytes must be gone when the upload is.
            if let Err(error) = std::fs::remove_file(&partial) {
                tracing::warn!(%error, path = %partial.display(), "could not remove a partial upload");
            }
        }
    }
}

/// Whether `name` could be one of the local store's file names: one plain segment of ASCII
/// letters, digits and dots that does not start with a dot (so never `..` or `.partial`).
pub(crate) fn is_stored_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// The `Content-Type` a stored file is served with, and whether it may be shown inline
/// (raster images only; everything else is served as an attachment).
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
pub(crate) fn content_type_of(name: &str) -> (&'static str, bool) {
    match safe_extension(name).as_deref() {
        Some("png") => ("image/png", true),
        Some("jpg" | "jpeg") => ("image/jpeg", true),
        Some("gif") => ("image/gif", true),
        Some("webp") => ("image/webp", true),
        Some("svg") => ("image/svg+xml", false),
        Some("pdf") => ("application/pdf", false),
        Some("txt") => ("text/plain; charset=utf-8", false),
        Some("csv") => ("text/csv; charset=utf-8", false),
        Some("md") => ("text/markdown; charset=utf-8", false),
        Some("json") => ("application/json", false),
        Some("zip") => ("application/zip", false),
        Some("gz") => ("application/gzip", false),
        _ => ("application/octet-stream", false),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_upload_is_moved_in_when_finished_and_removed_when_dropped() {
        let dir = std::env::temp_dir().join(format!("live-store-{}", random_name()));
        let store = LocalDirStore::new(&dir, "/uploads/");
        let upload = NewUpload {
            filename: "a.PNG".into(),
            content_type: "image/png".into(),
            size: 3,
        };
        let mut writer = store.create(&upload).await.expect("create");
        writer.write(b"abc").await.expect("write");
        let stored = writer.finish().await.expect("finish");
        assert!(stored.key.ends_with(".png"), "{}", stored.key);
        assert_eq!(
            stored.url.as_deref(),
            Some(format!("/uploads/{}", stored.key).as_str())
        );
        assert_eq!(std::fs::read(dir.join(&stored.key)).expect("read"), b"abc");

        let abandoned = store.create(&upload).await.expect("create");
        assert_eq!(
            std::fs::read_dir(store.partial_dir()).expect("dir").count(),
            1
        );
        drop(abandoned);
        assert_eq!(
            std::fs::read_dir(store.partial_dir()).expect("dir").count(),
            0
        );
        store.delete(&stored.key).await.expect("delete");
        assert!(store.delete("../x").await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stored_names_and_types() {
        assert!(is_stored_name("0a1b.png"));
        for bad in ["", ".partial", "../a", "a/b", "a\\b", "..", "a%2e"] {
            assert!(!is_stored_name(bad), "{bad}");
        }
        assert_eq!(content_type_of("x.JPG"), ("image/jpeg", true));
        assert_eq!(content_type_of("x.svg"), ("image/svg+xml", false));
        assert_eq!(content_type_of("x"), ("application/octet-stream", false));
    }
}

//! What a component declares ([`UploadSpec`]) and what its upload method receives
//! ([`UploadedFile`]).

use std::path::{Path, PathBuf};

/// One `#[upload]` method of a component: its name and what it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadSpec {
    /// The method's name, which a client may send as `uploadName`.
    pub name: &'static str,
    /// Accepted MIME types (`image/png`, or `image/*`); empty: any the server allows.
    pub accept: &'static [&'static str],
    /// Largest accepted file in bytes (`None`: the server's maximum).
    pub max_size: Option<u64>,
}

impl UploadSpec {
    /// Whether `mime` is one of [`accept`](Self::accept) (always, when it is empty).
    pub fn accepts(&self, mime: &str) -> bool {
        self.accept.is_empty()
            || self
                .accept
                .iter()
                .any(|accepted| match accepted.strip_suffix("/*") {
                    Some(family) => mime
                        .split_once('/')
                        .is_some_and(|(major, _)| major.eq_ignore_ascii_case(family)),
                    None => accepted.eq_ignore_ascii_case(mime),
                })
    }
}

/// A finished, checked upload, handed to the component's `#[upload]` method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    name: String,
    content_type: String,
    size: u64,
    key: String,
    path: Option<PathBuf>,
    url: Option<String>,
}

impl UploadedFile {
    /// A file as the server hands it over: for tests of an `#[upload]` method, or a custom
    /// runtime. `name` and `content_type` are taken as given (the server checks them first).
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        size: u64,
        stored: super::StoredFile,
    ) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            size,
            key: stored.key,
            path: stored.path,
            url: stored.url,
        }
    }

    /// The client's file name (a checked basename; never use it as a path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared MIME type (its magic bytes were checked for the types that have them).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The store's key for the file (for the local store, its file name).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Where the file is on disk, if the store keeps it on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Where the server serves the file, if the store serves it.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Opens the file for reading (local stores only).
    pub async fn open(&self) -> std::io::Result<tokio::fs::File> {
        match &self.path {
            Some(path) => tokio::fs::File::open(path).await,
            None => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this upload store keeps no local file",
            )),
        }
    }
}

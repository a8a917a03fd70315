//! Uploads under test: components that accept files, a server storing them in a fresh
//! temporary directory, and what the tests read back (stored and partial files, RSS).

use live::prelude::*;
use live::upload::UploadConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Accepts images (≤ 30 MiB) and documents; refuses files named `refuse*`.
#[live_component(name = "Uploader")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Uploader {
    /// `name url size` of every accepted file.
    pub files: Vec<String>,
}

#[live_component]
impl Uploader {
    #[upload(accept = ["image/png", "image/jpeg", "image/gif", "image/webp"], max_size = "30MiB")]
    async fn image(&mut self, file: UploadedFile) -> Result<(), ActionError> {
        if file.name().starts_with("refuse") {
            return Err(ActionError::new("refused by the component"));
        }
        let url = file.url().unwrap_or_default();
        self.files
            .push(format!("{} {url} {}", file.name(), file.size()));
        Ok(())
    }

    #[upload(accept = ["application/pdf", "text/plain"])]
    fn document(&mut self, file: UploadedFile, ctx: &mut Ctx<Self>) {
        let _ = ctx;
        self.files.push(format!("doc {}", file.name()));
    }
}

/// A component without uploads.
#[live_component(name = "Plain")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Plain {
    /// Unused.
    pub n: i64,
}

#[live_component]
impl Plain {
    #[action]
    fn noop(&mut self) {}
}

/// A fresh, empty directory under the system temp dir.
pub fn fresh_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("live-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Upload settings for tests: the defaults, with files in `dir`.
pub fn config(dir: &Path) -> UploadConfig {
    let mut config = UploadConfig::default();
    config.dir = dir.to_owned();
    config
}

/// A server with [`Uploader`] and [`Plain`] and `uploads`, without the frame rate limit (a
/// 20 MiB upload in 64 KiB chunks is 320 frames).
pub fn server(uploads: UploadConfig) -> LiveServer {
    match LiveServer::builder()
        .without_registered_components()
        .component::<Uploader>()
        .component::<Plain>()
        .rate_limit(None)
        .uploads(uploads)
        .build()
    {
        Ok(server) => server,
        Err(error) => panic!("upload test server: {error}"),
    }
}

/// Files in `dir` (stored) and in `dir/.partial` (in progress), by name.
pub fn files(dir: &Path) -> (Vec<String>, Vec<String>) {
    let names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|entry| entry.path().is_file())
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    (names(dir), names(&dir.join(".partial")))
}

/// This process's resident set size in KiB (`VmRSS` of /proc/self/status).
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A PNG signature followed by `len - 8` filler bytes.
pub fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len.max(8), 0x5a);
    bytes
}

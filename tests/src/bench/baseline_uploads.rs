//! The baseline's uploads: `FILE_UPLOAD_START` opens a file, each binary chunk is appended
//! and answered with `FILE_UPLOAD_PROGRESS`, `FILE_UPLOAD_COMPLETE` flushes it. No rule is
//! checked: it is the cost of moving the bytes to disk.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// One connection's uploads by id: the file and the bytes written.
#[derive(Debug, Default)]
pub struct Uploads {
    open: HashMap<String, (tokio::fs::File, PathBuf, u64, u64)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    component_id: String,
    #[serde(default)]
    upload_id: String,
    #[serde(default)]
    file_size: u64,
    #[serde(default)]
    chunk_index: u64,
    #[serde(default)]
    total_chunks: u64,
    #[serde(default)]
    request_id: String,
}

impl Uploads {
    /// Handles an upload text frame; `None` if it is not one.
    pub async fn text(&mut self, text: &str) -> Option<String> {
        let fields: Fields = serde_json::from_str(text).ok()?;
        let Fields {
            component_id: c,
            upload_id: u,
            request_id: r,
            ..
        } = &fields;
        match fields.kind.as_str() {
            "FILE_UPLOAD_START" => {
                let path = std::env::temp_dir()
                    .join(format!("live-bench-baseline-{}-{u}", std::process::id()));
                let file = tokio::fs::File::create(&path).await.ok()?;
                self.open
                    .insert(u.clone(), (file, path, 0, fields.file_size));
                Some(format!(
                    r#"{{"type":"FILE_UPLOAD_START_RESPONSE","componentId":"{c}","uploadId":"{u}","success":true,"requestId":"{r}"}}"#
                ))
            }
            "FILE_UPLOAD_COMPLETE" => {
                let (mut file, path, _, _) = self.open.remove(u)?;
                let _ = file.flush().await;
                drop(file);
                let _ = tokio::fs::remove_file(&path).await;
                Some(format!(
                    r#"{{"type":"FILE_UPLOAD_COMPLETE","componentId":"{c}","uploadId":"{u}","success":true,"filename":"bench.bin","fileUrl":"/uploads/x","timestamp":0,"requestId":"{r}"}}"#
                ))
            }
            _ => None,
        }
    }

    /// Handles a binary chunk frame `[headerLen: u32 LE][header JSON][bytes]`.
    pub async fn binary(&mut self, frame: &[u8]) -> Option<String> {
        let (length, rest) = frame.split_first_chunk::<4>()?;
        let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
        let header = rest.get(..length)?;
        let bytes = rest.get(length..)?;
        let fields: Fields = serde_json::from_slice(header).ok()?;
        let (file, _, written, size) = self.open.get_mut(&fields.upload_id)?;
        file.write_all(bytes).await.ok()?;
        *written += bytes.len() as u64;
        let progress = (*written * 100).checked_div(*size).unwrap_or(100);
        Some(format!(
            r#"{{"type":"FILE_UPLOAD_PROGRESS","componentId":"{}","uploadId":"{}","chunkIndex":{},"totalChunks":{},"bytesUploaded":{},"totalBytes":{},"progress":{progress},"timestamp":0,"requestId":"{}"}}"#,
            fields.component_id,
            fields.upload_id,
            fields.chunk_index,
            fields.total_chunks,
            written,
            size,
            fields.request_id
        ))
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        for (_, (_, path, _, _)) in self.open.drain() {
            let _ = std::fs::remove_file(path);
        }
    }
}

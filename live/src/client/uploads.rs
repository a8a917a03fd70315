//! Uploads (§15): the whole exchange (`FILE_UPLOAD_START`, one chunk at a time, each
//! answered before the next, `FILE_UPLOAD_COMPLETE`), and the single requests for tests.

use super::connection::LiveClient;
use super::error::ClientError;
use super::requests::{Outgoing, expect_success};
use crate::protocol::kinds::ClientKind;
use crate::protocol::upload::encode_binary_chunk;
use base64::Engine;
use serde_json::{Value, json};

/// How [`LiveClient::upload`] sends a file.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Bytes per chunk (default 64 KiB).
    pub chunk_size: usize,
    /// Binary chunk frames (default) or JSON with base64 data.
    pub binary: bool,
    /// Which `#[upload]` method (`uploadName`); `None` lets the server pick.
    pub upload_name: Option<String>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            chunk_size: 64 * 1024,
            binary: true,
            upload_name: None,
        }
    }
}

/// A finished upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    /// Where the server serves the file, if it does.
    pub file_url: Option<String>,
    /// The whole `FILE_UPLOAD_COMPLETE` reply.
    pub reply: Value,
}

impl LiveClient {
    /// Uploads `data` as `filename` of type `file_type` to component `component_id`, and
    /// waits for the component to accept it. `on_progress` gets each progress reply's
    /// `bytesUploaded`.
    pub async fn upload(
        &self,
        component_id: &str,
        filename: &str,
        file_type: &str,
        data: &[u8],
        options: &UploadOptions,
        mut on_progress: impl FnMut(u64),
    ) -> Result<Uploaded, ClientError> {
        let upload_id = format!("{}-{}", self.connection_id(), self.next_request_id());
        let chunk_size = options.chunk_size.max(1);
        let mut start = json!({
            "type": ClientKind::FileUploadStart,
            "componentId": component_id,
            "uploadId": upload_id,
            "filename": filename,
            "fileType": file_type,
            "fileSize": data.len(),
            "chunkSize": chunk_size,
        });
        if let (Some(name), Some(object)) = (&options.upload_name, start.as_object_mut()) {
            object.insert("uploadName".into(), json!(name));
        }
        expect_success(self.request(start).await?)?;
        let total = data.len().div_ceil(chunk_size);
        for (index, chunk) in data.chunks(chunk_size).enumerate() {
            let reply = self
                .upload_chunk(
                    component_id,
                    &upload_id,
                    index,
                    total,
                    chunk,
                    options.binary,
                )
                .await?;
            let reply = expect_success(reply)?;
            if let Some(bytes) = reply.get("bytesUploaded").and_then(Value::as_u64) {
                on_progress(bytes);
            }
        }
        let complete = json!({
            "type": ClientKind::FileUploadComplete,
            "componentId": component_id,
            "uploadId": upload_id,
        });
        let reply = expect_success(self.request(complete).await?)?;
        let file_url = reply
            .get("fileUrl")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Uploaded { file_url, reply })
    }

    /// Sends one `FILE_UPLOAD_CHUNK` (binary frame or JSON with base64) and returns the
    /// reply, success or not.
    pub async fn upload_chunk(
        &self,
        component_id: &str,
        upload_id: &str,
        index: usize,
        total: usize,
        data: &[u8],
        binary: bool,
    ) -> Result<Value, ClientError> {
        let header = json!({
            "type": ClientKind::FileUploadChunk,
            "componentId": component_id,
            "uploadId": upload_id,
            "chunkIndex": index,
            "totalChunks": total,
        });
        if binary {
            self.request_binary(header, data).await
        } else {
            let mut message = header;
            if let Some(object) = message.as_object_mut() {
                let encoded = base64::engine::general_purpose::STANDARD.encode(data);
                object.insert("data".into(), json!(encoded));
            }
            self.request(message).await
        }
    }

    /// Sends a binary chunk frame `[headerLen:u32 LE][header][data]`, with a fresh
    /// `requestId` added to `header`, and returns the frame that echoes it.
    pub async fn request_binary(
        &self,
        mut header: Value,
        data: &[u8],
    ) -> Result<Value, ClientError> {
        let request_id = self.next_request_id();
        let object = header
            .as_object_mut()
            .ok_or_else(|| ClientError::Protocol("a chunk header must be a JSON object".into()))?;
        object.insert("requestId".into(), json!(request_id));
        let frame = encode_binary_chunk(&header, data);
        self.exchange(request_id, Outgoing::Binary(frame)).await
    }
}

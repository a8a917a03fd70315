//! `FILE_UPLOAD_START` / `_CHUNK` / `_COMPLETE` (§15): each rule answered with its refusal,
//! and nothing of a refused upload left behind.

use super::Connection;
use crate::protocol::js::safe_unsigned;
use crate::protocol::refusal::Refusal;
use crate::protocol::upload::{self, Completion, Progress};
use crate::runtime::mailbox::{Call, Caller, Mail, UploadCall};
use crate::runtime::uploads::{ActiveUpload, cancel, field, read_start};
use crate::upload::rules::check_upload_id;
use crate::upload::{MAX_CHUNK_BYTES, NewUpload, UploadedFile};
use base64::Engine;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// A chunk's bytes as they came.
#[derive(Debug, Clone, Copy)]
pub(super) enum ChunkData<'a> {
    /// The JSON variant's `data` field (base64), if any.
    Base64(Option<&'a Value>),
    /// The binary variant's tail.
    Raw(&'a [u8]),
}

/// The longest base64 text a chunk of at most 1 MiB can take.
const MAX_BASE64_CHARS: usize = MAX_CHUNK_BYTES.div_ceil(3) * 4;

fn upload_id(fields: &Map<String, Value>) -> Option<&str> {
    field(fields, "uploadId").and_then(Value::as_str)
}

impl Connection {
    /// `FILE_UPLOAD_START`: replies `FILE_UPLOAD_START_RESPONSE`.
    pub(super) async fn upload_start(
        &mut self,
        fields: &Map<String, Value>,
        component_id: Option<&str>,
        request_id: Option<&str>,
    ) {
        let id = upload_id(fields);
        let result = self.begin_upload(fields, component_id, id).await;
        let error = result.err();
        let reply = upload::start_response(component_id, id, error.as_deref(), request_id);
        self.outbox.push_text(reply);
    }

    async fn begin_upload(
        &mut self,
        fields: &Map<String, Value>,
        component_id: Option<&str>,
        upload_id: Option<&str>,
    ) -> Result<(), String> {
        let upload_id = upload_id.unwrap_or_default();
        check_upload_id(upload_id).map_err(|refusal| refusal.text())?;
        let (component_id, handle) = component_id
            .and_then(|id| self.components.get_key_value(id))
            .ok_or_else(|| Refusal::UploadComponentNotFound.text())?;
        let component_id = Arc::clone(component_id);
        let (component, specs) = handle.uploads();
        if specs.is_empty() {
            return Err(Refusal::UploadsNotAccepted { component }.text());
        }
        if self.uploads.contains(upload_id) {
            return Err(Refusal::UploadIdInUse { upload_id }.text());
        }
        let hub = Arc::clone(&self.hub);
        let config = &hub.uploads.config;
        if self.uploads.len() >= config.max_concurrent {
            let max = config.max_concurrent;
            return Err(Refusal::UploadConcurrencyLimit { max }.text());
        }
        let start = read_start(fields, component, specs, config)?;
        let quota_key = match self.identity.user_id() {
            Some(user) => format!("user:{user}"),
            None => format!("connection:{}", self.id),
        };
        let quota = &hub.uploads.quota;
        if !quota.reserve(&quota_key, start.file_size, Instant::now()) {
            let limit = quota.limit();
            return Err(Refusal::UploadQuotaExceeded { quota: limit }.text());
        }
        let new = NewUpload {
            filename: start.filename.to_owned(),
            content_type: start.content_type.to_owned(),
            size: start.file_size,
        };
        let writer = match hub.uploads.store.create(&new).await {
            Ok(writer) => writer,
            Err(error) => {
                tracing::warn!(%error, "upload store could not start a file");
                quota.release(&quota_key, start.file_size);
                return Err(Refusal::UploadStorageFailed.text());
            }
        };
        let upload = ActiveUpload {
            component_id,
            spec: start.spec,
            filename: new.filename,
            content_type: new.content_type,
            file_size: start.file_size,
            total_chunks: start.file_size.div_ceil(start.chunk_size),
            next_index: 0,
            received: 0,
            head: Vec::new(),
            writer,
            quota_key,
            last_seen: Instant::now(),
        };
        self.uploads.insert(upload_id.to_owned(), upload);
        Ok(())
    }

    /// `FILE_UPLOAD_CHUNK` (either variant): stored and answered `FILE_UPLOAD_PROGRESS`; a
    /// refused chunk cancels its upload and is answered `ERROR`.
    pub(super) async fn upload_chunk(
        &mut self,
        fields: &Map<String, Value>,
        data: ChunkData<'_>,
        request_id: Option<&str>,
    ) {
        let Some(id) = upload_id(fields) else {
            let error = Refusal::UploadIdInvalid.text();
            self.reply_error(None, &error, request_id);
            return;
        };
        match self.store_chunk(id, fields, data, request_id).await {
            Ok(frame) => {
                self.outbox.push_text(frame);
            }
            Err(error) => {
                if let Some(upload) = self.uploads.remove(id) {
                    cancel(upload, &self.hub.uploads.quota);
                }
                self.reply_error(None, &error, request_id);
            }
        }
    }

    async fn store_chunk(
        &mut self,
        id: &str,
        fields: &Map<String, Value>,
        data: ChunkData<'_>,
        request_id: Option<&str>,
    ) -> Result<bytes::Bytes, String> {
        let Some(active) = self.uploads.get_mut(id) else {
            return Err(Refusal::UploadNotFound { upload_id: id }.text());
        };
        let index = field(fields, "chunkIndex")
            .and_then(Value::as_f64)
            .and_then(safe_unsigned)
            .ok_or_else(|| Refusal::UploadChunkIndexInvalid.text())?;
        let decoded;
        let bytes: &[u8] = match data {
            ChunkData::Raw(bytes) => bytes,
            ChunkData::Base64(value) => {
                let text = value
                    .and_then(Value::as_str)
                    .ok_or_else(|| Refusal::UploadChunkDataInvalid.text())?;
                if text.len() > MAX_BASE64_CHARS {
                    let max = MAX_CHUNK_BYTES;
                    return Err(Refusal::UploadChunkTooLarge { max }.text());
                }
                decoded = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| Refusal::UploadChunkDataInvalid.text())?;
                &decoded
            }
        };
        active.check_chunk(index, bytes.len())?;
        active.write(bytes).await?;
        let progress = Progress {
            component_id: &active.component_id,
            upload_id: id,
            chunk_index: index,
            total_chunks: active.total_chunks,
            bytes_uploaded: active.received,
            total_bytes: active.file_size,
        };
        Ok(upload::progress(&progress, request_id))
    }

    /// `FILE_UPLOAD_COMPLETE`: the checked file goes to the component's `#[upload]` method,
    /// whose actor answers; a refusal here is answered at once and deletes the bytes.
    pub(super) async fn upload_complete(
        &mut self,
        fields: &Map<String, Value>,
        request_id: Option<&str>,
    ) {
        let id = upload_id(fields);
        if let Err(error) = self.finish_upload(id, request_id).await {
            let failed = Completion::Failed { error: &error };
            self.outbox
                .push_text(upload::complete(id, failed, request_id));
        }
    }

    async fn finish_upload(
        &mut self,
        id: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<(), String> {
        let id = id.unwrap_or_default();
        let active = self
            .uploads
            .remove(id)
            .ok_or_else(|| Refusal::UploadNotFound { upload_id: id }.text())?;
        let hub = Arc::clone(&self.hub);
        if let Err(error) = active.check_complete() {
            cancel(active, &hub.uploads.quota);
            return Err(error);
        }
        let ActiveUpload {
            component_id,
            spec,
            filename,
            content_type,
            file_size,
            writer,
            ..
        } = active;
        let stored = writer.finish().await.map_err(|error| {
            tracing::warn!(%error, "upload store could not finish a file");
            Refusal::UploadStorageFailed.text()
        })?;
        let file = UploadedFile::new(filename, content_type, file_size, stored);
        let call = Call::Upload(Box::new(UploadCall {
            caller: Caller {
                connection_id: Arc::clone(&self.id),
                identity: self.identity.clone(),
            },
            upload: spec.name,
            file,
            upload_id: id.to_owned(),
            request_id: request_id.map(str::to_owned),
            store: Arc::clone(&hub.uploads.store),
        }));
        let handle = self.components.get(&component_id).cloned();
        let refused = match handle {
            Some(handle) => handle.call(call).await.err().and_then(Mail::into_call),
            None => Some(Box::new(call)),
        };
        if let Some(Call::Upload(call)) = refused.map(|call| *call) {
            self.components.remove(&component_id);
            let _ = hub.uploads.store.delete(call.file.key()).await;
            return Err(Refusal::UploadComponentNotFound.text());
        }
        Ok(())
    }

    /// When the stalest upload goes idle (`None`: no upload in progress).
    pub(crate) fn upload_deadline(&self) -> Option<Instant> {
        self.uploads.deadline(self.hub.uploads.config.idle_timeout)
    }

    /// Cancels the uploads that went idle (their bytes are deleted).
    pub(crate) fn purge_stale_uploads(&mut self) {
        let idle = self.hub.uploads.config.idle_timeout;
        let purged = self
            .uploads
            .purge(Instant::now(), idle, &self.hub.uploads.quota);
        if purged > 0 {
            tracing::debug!(connection = %self.id, purged, "stale uploads purged");
        }
    }
}

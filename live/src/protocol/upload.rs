//! The upload wire (§15): decoding the binary chunk frame and encoding the three replies.

use super::kinds::{ClientKind, ServerKind};
use super::outbound::encode;
use crate::support::now_ms;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

/// The largest header a binary chunk frame may carry; the header holds five short fields.
pub(crate) const MAX_CHUNK_HEADER_BYTES: usize = 16 * 1024;

/// Why a binary frame is not an upload chunk (the text follows `Invalid upload chunk frame: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkFrameError {
    /// Fewer than the 4 bytes of the header length.
    TooShort,
    /// The header length runs past the frame, or past [`MAX_CHUNK_HEADER_BYTES`].
    HeaderLength,
    /// The header is not a JSON object.
    HeaderNotJson,
    /// The header's `type` is not `FILE_UPLOAD_CHUNK`.
    NotAChunk,
}

impl ChunkFrameError {
    /// The detail text.
    pub(crate) fn detail(self) -> &'static str {
        match self {
            Self::TooShort => "shorter than its 4-byte header length",
            Self::HeaderLength => "header length out of range",
            Self::HeaderNotJson => "header is not a JSON object",
            Self::NotAChunk => "header type is not FILE_UPLOAD_CHUNK",
        }
    }
}

/// A decoded binary chunk: the header's fields and the raw bytes after it.
#[derive(Debug, PartialEq)]
pub(crate) struct BinaryChunk<'a> {
    /// Every field of the header JSON.
    pub(crate) header: Map<String, Value>,
    /// The chunk's bytes (may be empty).
    pub(crate) data: &'a [u8],
}

/// Decodes `[headerLen:u32 LE][header JSON][bytes]`. Never allocates more than the frame.
pub(crate) fn decode_binary_chunk(frame: &[u8]) -> Result<BinaryChunk<'_>, ChunkFrameError> {
    let (length, rest) = frame
        .split_first_chunk::<4>()
        .ok_or(ChunkFrameError::TooShort)?;
    let length = usize::try_from(u32::from_le_bytes(*length))
        .ok()
        .filter(|length| (1..=MAX_CHUNK_HEADER_BYTES).contains(length))
        .ok_or(ChunkFrameError::HeaderLength)?;
    if length > rest.len() {
        return Err(ChunkFrameError::HeaderLength);
    }
    let (header, data) = rest.split_at(length);
    let header: Map<String, Value> =
        serde_json::from_slice(header).map_err(|_| ChunkFrameError::HeaderNotJson)?;
    if header.get("type").and_then(Value::as_str) != Some(ClientKind::FileUploadChunk.as_str()) {
        return Err(ChunkFrameError::NotAChunk);
    }
    Ok(BinaryChunk { header, data })
}

/// Encodes a binary chunk frame (the Rust client's and the tests' side).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn encode_binary_chunk(header: &Value, data: &[u8]) -> Vec<u8> {
    let header = serde_json::to_vec(header).unwrap_or_default();
    let length = u32::try_from(header.len()).unwrap_or(u32::MAX);
    let mut frame = Vec::with_capacity(4 + header.len() + data.len());
    frame.extend_from_slice(&length.to_le_bytes());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(data);
    frame
}

/// `FILE_UPLOAD_START_RESPONSE {type, componentId, uploadId, success, error?, requestId}`.
pub(crate) fn start_response(
    component_id: Option<&str>,
    upload_id: Option<&str>,
    error: Option<&str>,
    request_id: Option<&str>,
) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Start<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        component_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        upload_id: Option<&'a str>,
        success: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    }
    encode(&Start {
        kind: ServerKind::FileUploadStartResponse,
        component_id,
        upload_id,
        success: error.is_none(),
        error,
        request_id,
    })
}

/// What a `FILE_UPLOAD_PROGRESS` reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress<'a> {
    /// The upload's component.
    pub(crate) component_id: &'a str,
    /// The upload.
    pub(crate) upload_id: &'a str,
    /// The chunk just stored.
    pub(crate) chunk_index: u64,
    /// `ceil(fileSize / chunkSize)` of the start request (fewer with adaptive chunking).
    pub(crate) total_chunks: u64,
    /// Bytes stored so far.
    pub(crate) bytes_uploaded: u64,
    /// The declared `fileSize`.
    pub(crate) total_bytes: u64,
}

/// `FILE_UPLOAD_PROGRESS {type, componentId, uploadId, chunkIndex, totalChunks,
/// bytesUploaded, totalBytes, progress, timestamp, requestId}`; `progress` is the percentage
/// of bytes stored, a whole number 0–100.
pub(crate) fn progress(progress: &Progress<'_>, request_id: Option<&str>) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        component_id: &'a str,
        upload_id: &'a str,
        chunk_index: u64,
        total_chunks: u64,
        bytes_uploaded: u64,
        total_bytes: u64,
        progress: u64,
        timestamp: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    }
    let percent = progress
        .bytes_uploaded
        .saturating_mul(100)
        .checked_div(progress.total_bytes)
        .unwrap_or(100)
        .min(100);
    encode(&Frame {
        kind: ServerKind::FileUploadProgress,
        component_id: progress.component_id,
        upload_id: progress.upload_id,
        chunk_index: progress.chunk_index,
        total_chunks: progress.total_chunks,
        bytes_uploaded: progress.bytes_uploaded,
        total_bytes: progress.total_bytes,
        progress: percent,
        timestamp: now_ms(),
        request_id,
    })
}

/// How an upload ended, for `FILE_UPLOAD_COMPLETE`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Completion<'a> {
    /// Stored and accepted by the component.
    Done {
        /// The component.
        component_id: &'a str,
        /// The client's file name.
        filename: &'a str,
        /// Where the store serves it, if it does.
        file_url: Option<&'a str>,
    },
    /// Refused; `componentId` is sent as `""` (as the reference does).
    Failed {
        /// Why.
        error: &'a str,
    },
}

/// `FILE_UPLOAD_COMPLETE {type, componentId, uploadId, success, filename?, fileUrl?, error?,
/// timestamp, requestId}`.
pub(crate) fn complete(
    upload_id: Option<&str>,
    completion: Completion<'_>,
    request_id: Option<&str>,
) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        component_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        upload_id: Option<&'a str>,
        success: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        filename: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_url: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        timestamp: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    }
    let mut frame = Frame {
        kind: ServerKind::FileUploadComplete,
        component_id: "",
        upload_id,
        success: false,
        filename: None,
        file_url: None,
        error: None,
        timestamp: now_ms(),
        request_id,
    };
    match completion {
        Completion::Done {
            component_id,
            filename,
            file_url,
        } => {
            frame.component_id = component_id;
            frame.success = true;
            frame.filename = Some(filename);
            frame.file_url = file_url;
        }
        Completion::Failed { error } => frame.error = Some(error),
    }
    encode(&frame)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_chunks_decode_and_round_trip() {
        let header = json!({"type": "FILE_UPLOAD_CHUNK", "uploadId": "u", "chunkIndex": 0});
        let frame = encode_binary_chunk(&header, b"abc");
        let chunk = decode_binary_chunk(&frame).expect("decodes");
        assert_eq!(chunk.data, b"abc");
        assert_eq!(Value::Object(chunk.header), header);
        let empty = encode_binary_chunk(&header, b"");
        assert_eq!(decode_binary_chunk(&empty).map(|c| c.data.len()), Ok(0));
    }

    #[test]
    fn malformed_binary_chunks_are_refused_without_allocating() {
        use ChunkFrameError as E;
        assert_eq!(decode_binary_chunk(b"\x01\x00"), Err(E::TooShort));
        assert_eq!(
            decode_binary_chunk(&[0, 0, 0, 0, b'{']),
            Err(E::HeaderLength)
        );
        let mut huge = vec![0xff, 0xff, 0xff, 0xff];
        huge.extend_from_slice(b"{}abcd");
        assert_eq!(decode_binary_chunk(&huge), Err(E::HeaderLength));
        let mut half = vec![0, 0, 0, 0x80];
        half.extend_from_slice(b"{}abcd");
        assert_eq!(decode_binary_chunk(&half), Err(E::HeaderLength));
        assert_eq!(
            decode_binary_chunk(&[3, 0, 0, 0, b'{', b'x', b'}']),
            Err(E::HeaderNotJson)
        );
        let other = encode_binary_chunk(&json!({"type": "CALL_ACTION"}), b"");
        assert_eq!(decode_binary_chunk(&other), Err(E::NotAChunk));
    }

    #[test]
    fn replies_have_the_reference_shapes() {
        let start = start_response(Some("c"), Some("u"), None, Some("r"));
        assert_eq!(
            start.as_ref(),
            br#"{"type":"FILE_UPLOAD_START_RESPONSE","componentId":"c","uploadId":"u","success":true,"requestId":"r"}"#
        );
        let failed: Value = serde_json::from_slice(&complete(
            Some("u"),
            Completion::Failed { error: "no" },
            None,
        ))
        .expect("json");
        assert_eq!(failed["componentId"], "");
        assert_eq!(failed["success"], false);
        assert_eq!(failed["error"], "no");
        let progress: Value = serde_json::from_slice(&progress(
            &Progress {
                component_id: "c",
                upload_id: "u",
                chunk_index: 1,
                total_chunks: 4,
                bytes_uploaded: 3,
                total_bytes: 4,
            },
            Some("r"),
        ))
        .expect("json");
        assert_eq!(progress["progress"], 75);
        assert_eq!(progress["bytesUploaded"], 3);
    }
}

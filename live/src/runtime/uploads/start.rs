//! Reading and checking a `FILE_UPLOAD_START` against the server's rules and the component's
//! `#[upload]` declarations.

use crate::protocol::js::safe_unsigned;
use crate::protocol::refusal::Refusal;
use crate::upload::rules::{check_filename, type_allowed};
use crate::upload::{MAX_CHUNK_BYTES, UploadConfig, UploadSpec};
use serde_json::{Map, Value};

/// A start request that passed every stateless rule.
#[derive(Debug)]
pub(crate) struct StartRequest<'a> {
    /// The checked basename.
    pub(crate) filename: &'a str,
    /// The declared, allowed MIME type.
    pub(crate) content_type: &'a str,
    /// The declared size (1..=max).
    pub(crate) file_size: u64,
    /// The declared initial chunk size (1..=1 MiB).
    pub(crate) chunk_size: u64,
    /// The `#[upload]` method it is for.
    pub(crate) spec: &'static UploadSpec,
}

/// A field at the top level (the reference client's place), else in `payload` (the
/// reference server's place for `uploadId`).
pub(crate) fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields
        .get(name)
        .or_else(|| fields.get("payload")?.get(name))
}

fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    field(fields, name).and_then(Value::as_str)
}

/// Reads `filename`, `fileType`, `fileSize`, `chunkSize` and the target (`uploadName`, else
/// the only upload, else the only one accepting the type) of component `component`.
pub(crate) fn read_start<'a>(
    fields: &'a Map<String, Value>,
    component: &str,
    specs: &'static [UploadSpec],
    config: &UploadConfig,
) -> Result<StartRequest<'a>, String> {
    let filename = text(fields, "filename").unwrap_or_default();
    check_filename(filename).map_err(|refusal| refusal.text())?;
    let content_type = text(fields, "fileType").unwrap_or_default();
    let not_allowed = || Refusal::UploadTypeNotAllowed { mime: content_type }.text();
    if !type_allowed(&config.allowed_types, content_type) {
        return Err(not_allowed());
    }
    let spec = target(fields, component, specs, content_type)?;
    if !spec.accepts(content_type) {
        return Err(not_allowed());
    }
    let max = spec
        .max_size
        .map_or(config.max_file_bytes, |max| max.min(config.max_file_bytes));
    let file_size = field(fields, "fileSize")
        .and_then(Value::as_f64)
        .and_then(safe_unsigned)
        .filter(|size| (1..=max).contains(size))
        .ok_or_else(|| Refusal::UploadFileSizeInvalid { max }.text())?;
    let chunk_size = field(fields, "chunkSize")
        .and_then(Value::as_f64)
        .and_then(safe_unsigned)
        .filter(|size| (1..=MAX_CHUNK_BYTES as u64).contains(size))
        .ok_or_else(|| {
            Refusal::UploadChunkSizeInvalid {
                max: MAX_CHUNK_BYTES,
            }
            .text()
        })?;
    Ok(StartRequest {
        filename,
        content_type,
        file_size,
        chunk_size,
        spec,
    })
}

/// Which `#[upload]` method the start request is for.
fn target(
    fields: &Map<String, Value>,
    component: &str,
    specs: &'static [UploadSpec],
    content_type: &str,
) -> Result<&'static UploadSpec, String> {
    if let Some(name) = text(fields, "uploadName") {
        return specs
            .iter()
            .find(|spec| spec.name == name)
            .ok_or_else(|| Refusal::UploadNameUnknown { name, component }.text());
    }
    if let [only] = specs {
        return Ok(only);
    }
    let mut accepting = specs.iter().filter(|spec| spec.accepts(content_type));
    match (accepting.next(), accepting.next()) {
        (Some(spec), None) => Ok(spec),
        _ => {
            let names: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
            Err(Refusal::UploadNameRequired {
                component,
                names: &names,
            }
            .text())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    static SPECS: &[UploadSpec] = &[
        UploadSpec {
            name: "avatar",
            accept: &["image/png"],
            max_size: Some(10),
        },
        UploadSpec {
            name: "doc",
            accept: &["application/pdf"],
            max_size: None,
        },
    ];

    fn start(fields: Value) -> Result<&'static str, String> {
        let Value::Object(fields) = fields else {
            return Err("not an object".into());
        };
        let fields: &'static Map<String, Value> = Box::leak(Box::new(fields));
        read_start(fields, "C", SPECS, &UploadConfig::default()).map(|start| start.spec.name)
    }

    #[test]
    fn the_target_is_named_or_found_by_type() {
        let base = |extra: Value| {
            let mut fields = json!({"filename": "a.png", "fileType": "image/png", "fileSize": 5, "chunkSize": 4});
            if let (Some(fields), Value::Object(extra)) = (fields.as_object_mut(), extra) {
                fields.extend(extra);
            }
            fields
        };
        assert_eq!(start(base(json!({}))), Ok("avatar"));
        assert_eq!(
            start(base(json!({"payload": {"uploadName": "avatar"}}))),
            Ok("avatar")
        );
        assert_eq!(
            start(base(json!({"uploadName": "nope"}))),
            Err("Component 'C' has no upload named 'nope'".into())
        );
        assert_eq!(
            start(base(json!({"uploadName": "doc"}))),
            Err("File type 'image/png' is not allowed".into())
        );
        assert_eq!(
            start(base(json!({"fileSize": 11}))),
            Err("Invalid fileSize: must be a positive integer of at most 10 bytes".into())
        );
        assert_eq!(
            start(base(json!({"fileType": "text/plain", "filename": "a.txt"}))),
            Err("Component 'C' has several uploads; name one in uploadName: avatar, doc".into())
        );
        assert!(start(base(json!({"chunkSize": 1_048_577}))).is_err());
        assert!(start(base(json!({"chunkSize": 0}))).is_err());
        assert!(start(base(json!({"fileSize": 1.5}))).is_err());
    }
}

//! The signed state as it travels (§9.1): its shape check and its JSON form.

use super::js::js_number;
use serde_json::{Map, Value};

/// The signed-state envelope a client stores and sends back, after the §9.2 shape check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignedStateWire {
    /// Serialized (maybe compressed/encrypted) state.
    pub(crate) data: String,
    /// Signature over the other fields.
    pub(crate) signature: String,
    /// Signing time, ms since the epoch.
    pub(crate) timestamp: f64,
    /// Monotonic per-component version.
    pub(crate) version: f64,
    /// Component id at signing time.
    pub(crate) component_id: String,
    /// Replay nonce, when nonces are enabled.
    pub(crate) nonce: Option<String>,
    /// Whether `data` is gzip+base64.
    pub(crate) compressed: Option<bool>,
    /// Whether `data` is encrypted.
    pub(crate) encrypted: Option<bool>,
}

impl SignedStateWire {
    /// Applies the §9.2 shape check; `None` when the value does not pass it.
    /// Unknown extra fields are ignored (and not kept), like upstream.
    pub(crate) fn from_json(value: &Value) -> Option<Self> {
        let Value::Object(map) = value else {
            return None;
        };
        Some(Self {
            data: map.get("data")?.as_str()?.to_owned(),
            signature: map.get("signature")?.as_str()?.to_owned(),
            timestamp: map.get("timestamp")?.as_f64()?,
            version: map.get("version")?.as_f64()?,
            component_id: map.get("componentId")?.as_str()?.to_owned(),
            nonce: optional(map.get("nonce"), |v| v.as_str().map(str::to_owned))?,
            compressed: optional(map.get("compressed"), Value::as_bool)?,
            encrypted: optional(map.get("encrypted"), Value::as_bool)?,
        })
    }

    /// The wire object: camelCase `componentId`, absent options omitted, integral
    /// numbers written without a fraction (as `JSON.stringify` does).
    pub(crate) fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("data".to_owned(), Value::String(self.data.clone()));
        map.insert(
            "signature".to_owned(),
            Value::String(self.signature.clone()),
        );
        map.insert("timestamp".to_owned(), js_number(self.timestamp));
        map.insert("version".to_owned(), js_number(self.version));
        map.insert(
            "componentId".to_owned(),
            Value::String(self.component_id.clone()),
        );
        if let Some(nonce) = &self.nonce {
            map.insert("nonce".to_owned(), Value::String(nonce.clone()));
        }
        if let Some(compressed) = self.compressed {
            map.insert("compressed".to_owned(), Value::Bool(compressed));
        }
        if let Some(encrypted) = self.encrypted {
            map.insert("encrypted".to_owned(), Value::Bool(encrypted));
        }
        Value::Object(map)
    }
}

/// Reads an optional field: `Some(None)` when absent, `Some(Some(_))` when `read`
/// accepts it, `None` when present with the wrong type (JSON `null` included).
fn optional<T>(value: Option<&Value>, read: impl FnOnce(&Value) -> Option<T>) -> Option<Option<T>> {
    match value {
        None => Some(None),
        Some(value) => read(value).map(Some),
    }
}

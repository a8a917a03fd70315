//! The hottest path of [`parse_text_frame`](super::parse_text_frame): a `CALL_ACTION` as
//! clients write it (`JSON.stringify` output: no whitespace, no escapes in the envelope's
//! strings), read in one pass over its bytes.
//!
//! It takes a strict subset of what [`parse_call_frame`](super::call_frame) takes and
//! gives the same envelope for it (a test compares the two on a corpus). Anything outside
//! the subset (whitespace between tokens, an escape or control byte in a string, an
//! unknown or repeated key, a wrong type) returns `None` and goes down that path instead.

use serde_json::{Map, Value};

use super::message::{ClientMessage, Envelope};
use super::sanitize::sanitize;
use crate::protocol::kinds::ClientKind;

/// The envelope fields of a `CALL_ACTION` that Live uses, as read.
#[derive(Default)]
struct Fields<'a> {
    kind: Option<&'a str>,
    component_id: Option<&'a str>,
    action: Option<&'a str>,
    payload: Option<&'a str>,
    request_id: Option<&'a str>,
    expect_response: Option<bool>,
    timestamp: Option<&'a str>,
}

/// The keys an envelope may carry. A repeated key, or any other, leaves the frame to the
/// serde path (which refuses a repeated field).
#[derive(Clone, Copy)]
enum Key {
    Type,
    ComponentId,
    Action,
    Payload,
    RequestId,
    ExpectResponse,
    ResponseId,
    Timestamp,
    UserId,
    Room,
}

impl Key {
    fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "type" => Self::Type,
            "componentId" => Self::ComponentId,
            "action" => Self::Action,
            "payload" => Self::Payload,
            "requestId" => Self::RequestId,
            "expectResponse" => Self::ExpectResponse,
            "responseId" => Self::ResponseId,
            "timestamp" => Self::Timestamp,
            "userId" => Self::UserId,
            "room" => Self::Room,
            _ => return None,
        })
    }

    /// Its bit in the set of keys seen.
    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The envelope of `text` if it is a `CALL_ACTION` in the subset this reads; `None`
/// otherwise. The caller has checked the size and depth limits.
pub(super) fn scan_call_frame(text: &str) -> Option<Envelope> {
    let fields = scan_fields(text)?;
    if fields.kind? != ClientKind::CallAction.as_str() {
        return None;
    }
    if let Some(timestamp) = fields.timestamp {
        // As the serde path reads it: a JSON number that fits an `f64`.
        serde_json::from_str::<f64>(timestamp).ok()?;
    }
    let mut payload = match fields.payload {
        None => Value::Null,
        Some("{}") => Value::Object(Map::new()),
        Some(json) => serde_json::from_str(json).ok()?,
    };
    sanitize(&mut payload, 0);
    Some(Envelope {
        component_id: Some(fields.component_id?.to_owned()),
        request_id: fields.request_id.map(str::to_owned),
        expect_response: fields.expect_response.unwrap_or(false),
        message: ClientMessage::CallAction {
            action: fields.action?.to_owned(),
            payload,
        },
    })
}

/// Reads `{"key":value,...}` with no whitespace between tokens, each [`Key`] at most
/// once; the strings Live does not use are only checked to be strings.
fn scan_fields(text: &str) -> Option<Fields<'_>> {
    let mut scan = Scanner { text, at: 0 };
    let mut fields = Fields::default();
    let mut seen = 0u16;
    scan.expect(b'{')?;
    loop {
        let key = Key::parse(scan.plain_string()?)?;
        if seen & key.bit() != 0 {
            return None;
        }
        seen |= key.bit();
        scan.expect(b':')?;
        match key {
            Key::Type => fields.kind = Some(scan.plain_string()?),
            Key::ComponentId => fields.component_id = Some(scan.plain_string()?),
            Key::Action => fields.action = Some(scan.plain_string()?),
            Key::RequestId => fields.request_id = Some(scan.plain_string()?),
            Key::Payload => fields.payload = Some(scan.value()?),
            Key::Timestamp => fields.timestamp = Some(scan.number()?),
            Key::ExpectResponse => fields.expect_response = Some(scan.boolean()?),
            Key::ResponseId | Key::UserId | Key::Room => {
                scan.plain_string()?;
            }
        }
        match scan.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    scan.at_end().then_some(fields)
}

/// A position in the frame's text.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn at_end(&self) -> bool {
        self.at == self.text.len()
    }

    /// A string without escapes or control bytes, as the text between its quotes.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let rest = self.text.as_bytes().get(self.at..)?;
        let length = rest
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        if rest.get(length) != Some(&b'"') {
            return None;
        }
        let value = self.text.get(self.at..self.at + length)?;
        self.at += length + 1;
        Some(value)
    }

    fn boolean(&mut self) -> Option<bool> {
        let rest = self.text.get(self.at..)?;
        let (value, length) = if rest.starts_with("true") {
            (true, 4)
        } else if rest.starts_with("false") {
            (false, 5)
        } else {
            return None;
        };
        self.at += length;
        Some(value)
    }

    /// A number's text (checked by the caller).
    fn number(&mut self) -> Option<&'a str> {
        let rest = self.text.as_bytes().get(self.at..)?;
        let length = rest
            .iter()
            .position(|byte| !matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(rest.len());
        let value = self.text.get(self.at..self.at + length)?;
        self.at += length;
        (length > 0).then_some(value)
    }

    /// Any JSON value's text, up to the `,` or `}` that ends it at this level (parsed, and
    /// so checked, by the caller). Brackets are counted outside strings; inside one, an
    /// escaped byte is skipped.
    fn value(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut depth = 0usize;
        let mut in_string = false;
        while let Some(&byte) = bytes.get(self.at) {
            if in_string {
                match byte {
                    b'\\' => self.at += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
            } else {
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth == 0 => break,
                    b'}' | b']' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            self.at += 1;
        }
        let value = self.text.get(start..self.at)?;
        (!value.is_empty() && !in_string && depth == 0).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::call_frame::parse_call_frame;
    use super::*;

    /// Frames in the subset: each gives exactly what the serde path gives.
    const TAKEN: &[&str] = &[
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"increment","payload":{},"requestId":"r1","expectResponse":true}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","payload":{"n":1},"requestId":"r1","expectResponse":true}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add"}"#,
        r#"{"action":"add","componentId":"c1","type":"CALL_ACTION","expectResponse":false}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","payload":null,"timestamp":1795816513549}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"","payload":[1,{"__proto__":1,"a":"}]\"{"}],"timestamp":-1.5e3,"userId":"u","room":"x","responseId":"s"}"#,
        r#"{"type":"CALL_ACTION","componentId":"é😀","action":"a","payload":"text, with } and ]"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c","action":"a","payload":{"constructor":{"x":1},"ok": true}}"#,
        r#"{"type":"CALL_ACTION","componentId":"c","action":"a","payload":-0.5}"#,
    ];

    /// Frames outside the subset (the serde path or the general one reads them).
    const LEFT: &[&str] = &[
        r#"{ "type":"CALL_ACTION","componentId":"c1","action":"add"}"#,
        r#"{"type": "CALL_ACTION","componentId":"c1","action":"add"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c\"1","action":"add"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a\n"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","extra":1}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","componentId":"c2","action":"a"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","payload":{},"payload":{}}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","requestId":null}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":7}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","expectResponse":"yes"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","timestamp":"now"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","timestamp":1e999}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","timestamp":1.}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","payload":{"a":}}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","payload":{"a":1}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","payload":tru}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1"}"#,
        r#"{"type":"CALL_ACTION","action":"a"}"#,
        r#"{"componentId":"c1","action":"a"}"#,
        r#"{"type":"PING","componentId":"c1","action":"a"}"#,
        r#"{"type":"call_action","componentId":"c1","action":"a"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a"} "#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a"}x"#,
        r#"[{"type":"CALL_ACTION","componentId":"c1","action":"a"}]"#,
        r#"{}"#,
        r#"{"#,
        "",
    ];

    #[test]
    fn takes_client_calls_as_the_serde_path_reads_them() {
        for text in TAKEN {
            let scanned = scan_call_frame(text).unwrap_or_else(|| panic!("not taken: {text}"));
            let parsed = parse_call_frame(text).unwrap_or_else(|| panic!("serde: {text}"));
            assert_eq!(scanned, parsed, "{text}");
        }
    }

    #[test]
    fn leaves_the_rest_to_the_serde_path() {
        for text in LEFT {
            assert!(scan_call_frame(text).is_none(), "taken: {text}");
        }
    }

    /// Every prefix and every one-byte change of a taken frame: taken only if the serde
    /// path takes it too, and then read the same.
    #[test]
    fn never_reads_a_frame_differently_from_the_serde_path() {
        let mut checked = 0;
        for text in TAKEN {
            let mut variants: Vec<String> = (0..text.len())
                .filter_map(|end| text.get(..end).map(str::to_owned))
                .collect();
            for index in 0..text.len() {
                for byte in [b' ', b'"', b'\\', b',', b'}', b'{', b'1', b'x', b':'] {
                    let mut bytes = text.as_bytes().to_vec();
                    if let Some(slot) = bytes.get_mut(index) {
                        *slot = byte;
                    }
                    if let Ok(variant) = String::from_utf8(bytes) {
                        variants.push(variant);
                    }
                }
            }
            for variant in variants {
                if let Some(scanned) = scan_call_frame(&variant) {
                    assert_eq!(Some(scanned), parse_call_frame(&variant), "{variant}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "only {checked} variants were taken");
    }
}

//! Writing outbound frames: the fixed parts of a frame's JSON written as they are, strings
//! escaped only when they hold a byte that needs it, and every frame built in a reused
//! buffer, then copied out once at its exact size.
//!
//! The exact size matters: a `Bytes` made from a `Vec` with room to spare allocates a
//! second time for its shared header, and a growing `Vec` reallocates on the way.

use bytes::Bytes;
use serde::Serialize;
use std::cell::Cell;

/// A buffer that grew past this is not kept for the next frame.
const LARGEST_KEPT: usize = 64 * 1024;

thread_local! {
    /// The buffer frames are built in; taken while a frame is built, so a frame built
    /// inside another (a `Serialize` impl that encodes) gets an empty one of its own.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A frame being written.
pub(crate) struct FrameWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl FrameWriter<'_> {
    /// Appends JSON text as it is (the caller's own keys and punctuation).
    pub(crate) fn raw(&mut self, json: &str) {
        self.out.extend_from_slice(json.as_bytes());
    }

    /// Appends `text` as a JSON string, escaped exactly as `serde_json` escapes it.
    pub(crate) fn string(&mut self, text: &str) {
        // Without a branch per byte, into a byte, so the check runs on whole vectors.
        let needs_escaping = text.bytes().fold(0u8, |found, byte| {
            found | u8::from(byte < 0x20 || byte == b'"' || byte == b'\\')
        }) != 0;
        if needs_escaping {
            // Writing a `str` into a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut *self.out, text);
        } else {
            self.out.reserve(text.len() + 2);
            self.out.push(b'"');
            self.out.extend_from_slice(text.as_bytes());
            self.out.push(b'"');
        }
    }

    /// Appends any serializable value as JSON.
    pub(crate) fn value(&mut self, value: &impl Serialize) -> serde_json::Result<()> {
        serde_json::to_writer(&mut *self.out, value)
    }
}

/// Builds one frame with `write`; its bytes at their exact size.
pub(crate) fn write_frame(
    write: impl FnOnce(&mut FrameWriter<'_>) -> serde_json::Result<()>,
) -> serde_json::Result<Bytes> {
    let mut buffer = SCRATCH.take();
    buffer.clear();
    let written = write(&mut FrameWriter { out: &mut buffer });
    let frame = written.map(|()| Bytes::copy_from_slice(&buffer));
    if buffer.capacity() <= LARGEST_KEPT {
        SCRATCH.set(buffer);
    }
    frame
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let texts = [
            "",
            "plain",
            "quote \" and \\ backslash",
            "control \n\t\u{1} \u{1f}",
            "del \u{7f}, slash /, é, 😀",
        ];
        for text in texts {
            let frame = write_frame(|out| {
                out.string(text);
                Ok(())
            })
            .unwrap();
            assert_eq!(frame, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn a_frame_is_copied_out_at_its_exact_size_and_the_buffer_reused() {
        let first = write_frame(|out| {
            out.raw("{\"a\":");
            out.value(&vec![1, 2, 3])?;
            out.raw("}");
            Ok(())
        })
        .unwrap();
        assert_eq!(first, &b"{\"a\":[1,2,3]}"[..]);
        let second = write_frame(|out| {
            out.string("b");
            Ok(())
        })
        .unwrap();
        assert_eq!(second, &b"\"b\""[..], "nothing left from the first frame");
    }

    #[test]
    fn a_frame_built_inside_another_gets_its_own_buffer() {
        let outer = write_frame(|out| {
            out.raw("[");
            let inner = write_frame(|inner| {
                inner.raw("1");
                Ok(())
            })
            .unwrap();
            out.raw(std::str::from_utf8(&inner).unwrap());
            out.raw("]");
            Ok(())
        })
        .unwrap();
        assert_eq!(outer, &b"[1]"[..]);
    }
}

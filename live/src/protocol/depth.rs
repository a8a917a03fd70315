//! The pre-parse JSON nesting check (protocol reference §3 step 4).
//!
//! A frame such as `[[[[…` ten thousand levels deep is cheap to send and expensive
//! to parse, so the bracket depth is measured on the raw text before parsing.

/// Tells whether the bracket nesting of `text` ever goes deeper than `max_depth`.
///
/// Bytes inside JSON string literals are skipped (a backslash escapes the next
/// byte), `{`/`[` count +1 and `}`/`]` −1, and the scan stops as soon as the running
/// depth exceeds `max_depth`. Depth equal to `max_depth` is allowed; the envelope
/// object itself is level 1, so `{}` has depth 1.
///
/// Scanning bytes instead of UTF-16 units gives the same answer: every byte the
/// scan looks at is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
/// character.
///
/// Never panics. On malformed text the result only decides which error the frame
/// gets (both are refusals): an unterminated string hides the rest of the text, and
/// a stray closer at depth 0 leaves the depth at 0. The TypeScript server lets its
/// counter go negative there, so `]]{{…` may be "Invalid JSON" for it and "too deep"
/// here; such text is never valid JSON (a closer outside a string at depth 0).
pub(crate) fn nesting_exceeds(text: &str, max_depth: usize) -> bool {
    // Every level opens with a bracket: with no more brackets in the whole text than
    // `max_depth`, strings included, the scan cannot find more (most frames have two or
    // three). Counted in byte-sized counters over chunks that cannot overflow them, which
    // the compiler turns into 16 bytes a step (a `usize` count stayed a byte a step).
    let openers: usize = text
        .as_bytes()
        .chunks(usize::from(u8::MAX))
        .map(|chunk| {
            let count = chunk.iter().fold(0u8, |count, &byte| {
                count + u8::from(byte == b'{' || byte == b'[')
            });
            usize::from(count)
        })
        .sum();
    if openers <= max_depth {
        return false;
    }
    let mut depth: usize = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in text.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth = depth.saturating_add(1);
                if depth > max_depth {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::nesting_exceeds;
    use proptest::prelude::*;

    /// `levels` nested arrays around a number: `[[1]]` for 2.
    fn nested_arrays(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    /// An envelope object whose payload nests objects so the total depth is `levels`.
    fn nested_envelope(levels: usize) -> String {
        let inner = levels.saturating_sub(1);
        format!(
            "{{\"type\":\"X\",\"payload\":{}1{}}}",
            "{\"a\":".repeat(inner),
            "}".repeat(inner)
        )
    }

    #[test]
    fn depth_exactly_max_is_allowed() {
        assert!(!nesting_exceeds(&nested_arrays(32), 32));
        assert!(!nesting_exceeds(&nested_envelope(32), 32));
    }

    #[test]
    fn depth_one_over_max_is_refused() {
        assert!(nesting_exceeds(&nested_arrays(33), 32));
        assert!(nesting_exceeds(&nested_envelope(33), 32));
    }

    #[test]
    fn envelope_object_is_level_one() {
        assert!(!nesting_exceeds("{}", 1));
        assert!(nesting_exceeds("{}", 0));
        assert!(!nesting_exceeds("", 0));
        assert!(!nesting_exceeds("42", 0));
    }

    #[test]
    fn the_bracket_count_spans_many_chunks() {
        // 300 levels: more brackets than one byte-sized counter holds, split across
        // chunks; the limit just above and just below the count.
        assert!(!nesting_exceeds(&nested_arrays(300), 300));
        assert!(nesting_exceeds(&nested_arrays(300), 299));
        // 255 openers in the first chunk, all in a string, then one real level.
        let text = format!("[\"{}\"]", "[".repeat(254));
        assert!(!nesting_exceeds(&text, 1));
        assert!(nesting_exceeds(&format!("[{text}]"), 1));
    }

    #[test]
    fn siblings_do_not_add_up() {
        let text = format!("[{}]", vec![nested_arrays(31); 50].join(","));
        assert!(!nesting_exceeds(&text, 32));
    }

    #[test]
    fn brackets_inside_strings_are_ignored() {
        let text = format!("{{\"a\":\"{}\"}}", "[{".repeat(100));
        assert!(!nesting_exceeds(&text, 1));
        let key = format!("{{\"{}\":1}}", "]]][[[{{{".repeat(100));
        assert!(!nesting_exceeds(&key, 1));
    }

    #[test]
    fn escaped_quotes_keep_the_string_open() {
        // The string is `\"[[[` — the escaped quote does not close it.
        assert!(!nesting_exceeds(r#"{"a":"\"[[[[["}"#, 1));
        // An escaped backslash does close it before the quote: brackets after count.
        assert!(nesting_exceeds(r#"{"a":"\\",[[[1]]]}"#, 3));
        assert!(!nesting_exceeds(r#"{"a":"\\",[[[1]]]}"#, 4));
    }

    #[test]
    fn unicode_around_brackets() {
        assert!(!nesting_exceeds("{\"é😀[\":[\"ü\"]}", 2));
        assert!(nesting_exceeds("{\"é😀\":[[\"ü\"]]}", 2));
    }

    #[test]
    fn malformed_input_never_panics() {
        assert!(!nesting_exceeds("\"unterminated [[[[[[", 0));
        assert!(!nesting_exceeds("\\", 0));
        assert!(!nesting_exceeds("\"\\", 0));
        assert!(!nesting_exceeds("]]]]}}}}", 0));
        // Stray closers do not earn credit for later openers.
        assert!(nesting_exceeds("]]]]][[", 1));
        assert!(nesting_exceeds(&"[".repeat(1_000_000), 32));
        assert!(!nesting_exceeds(&"[".repeat(1_000), usize::MAX));
    }

    proptest! {
        #[test]
        fn never_panics_on_random_text(text in ".{0,300}", max in 0usize..40) {
            let _ = nesting_exceeds(&text, max);
        }

        #[test]
        fn never_panics_on_bracket_soup(text in "[\\[\\]{}\"\\\\a ]{0,300}", max in 0usize..40) {
            let _ = nesting_exceeds(&text, max);
        }

        #[test]
        fn agrees_with_nested_arrays(levels in 0usize..80, max in 0usize..80) {
            prop_assert_eq!(nesting_exceeds(&nested_arrays(levels), max), levels > max);
        }
    }
}

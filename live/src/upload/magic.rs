//! Magic bytes: a file declared as one of the types that have a signature must start with it.

/// How many leading bytes [`matches`] needs.
pub(crate) const HEAD_BYTES: usize = 12;

/// Whether `head` (the file's first bytes) fits `mime`; types without a signature always fit.
pub(crate) fn matches(mime: &str, head: &[u8]) -> bool {
    let starts = |magic: &[u8]| head.starts_with(magic);
    match mime.to_ascii_lowercase().as_str() {
        "image/jpeg" => starts(&[0xff, 0xd8, 0xff]),
        "image/png" => starts(b"\x89PNG\r\n\x1a\n"),
        "image/gif" => starts(b"GIF87a") || starts(b"GIF89a"),
        "image/webp" => starts(b"RIFF") && head.get(8..12) == Some(b"WEBP".as_slice()),
        "application/pdf" => starts(b"%PDF-"),
        "application/zip" => starts(b"PK\x03\x04") || starts(b"PK\x05\x06"),
        "application/gzip" => starts(&[0x1f, 0x8b]),
        _ => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::matches;

    #[test]
    fn signatures_are_checked_for_the_types_that_have_them() {
        assert!(matches("image/png", b"\x89PNG\r\n\x1a\nrest"));
        assert!(!matches("image/png", b"GIF89a"));
        assert!(matches("IMAGE/JPEG", &[0xff, 0xd8, 0xff, 0xe0]));
        assert!(matches("image/webp", b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(!matches("image/webp", b"RIFF\0\0\0\0WAVE"));
        assert!(matches("image/gif", b"GIF87a"));
        assert!(matches("application/pdf", b"%PDF-1.7"));
        assert!(matches("application/zip", b"PK\x03\x04"));
        assert!(matches("application/gzip", &[0x1f, 0x8b, 8]));
        assert!(!matches("application/gzip", b""));
        assert!(matches("text/plain", b""));
    }
}

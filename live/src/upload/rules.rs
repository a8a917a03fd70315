//! The start request's rules that need no state: upload id, file name, extension and type.

use crate::protocol::refusal::Refusal;

/// The longest upload id (characters).
const MAX_UPLOAD_ID_CHARS: usize = 128;
/// The longest file name (bytes).
const MAX_FILENAME_BYTES: usize = 255;

/// Extensions refused anywhere in a name (`a.exe`, `a.exe.png`), as the reference does.
const BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "bat", "cmd", "com", "msi", "scr", "pif", "sh", "bash", "zsh", "csh", "ps1", "psm1",
    "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "dll", "sys", "drv", "so", "dylib",
];

/// An upload id of 1–128 characters.
pub(crate) fn check_upload_id(id: &str) -> Result<(), Refusal<'static>> {
    let chars = id.chars().count();
    if (1..=MAX_UPLOAD_ID_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(Refusal::UploadIdInvalid)
    }
}

/// A plain basename: 1–255 bytes, no path parts, no NUL or control characters, and no
/// blocked extension (also not as the inner one of a double extension).
pub(crate) fn check_filename(name: &str) -> Result<(), Refusal<'_>> {
    let reason = if name.is_empty() {
        Some("empty")
    } else if name.len() > MAX_FILENAME_BYTES {
        Some("longer than 255 bytes")
    } else if name.contains(['/', '\\']) || name == "." || name == ".." {
        Some("path separators are not allowed")
    } else if name.chars().any(char::is_control) {
        Some("control characters are not allowed")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(Refusal::UploadFilenameInvalid { reason });
    }
    let blocked = name.split('.').skip(1).find(|extension| {
        BLOCKED_EXTENSIONS
            .iter()
            .any(|blocked| blocked.eq_ignore_ascii_case(extension))
    });
    match blocked {
        Some(extension) => Err(Refusal::UploadExtensionBlocked { extension }),
        None => Ok(()),
    }
}

/// Whether `mime` is on the server's allow-list (case-insensitive).
pub(crate) fn type_allowed(allowed: &[String], mime: &str) -> bool {
    allowed
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(mime))
}

/// The name's last extension, lowercased, if it is 1–10 ASCII letters or digits (what a
/// stored file's name keeps of it).
pub(crate) fn safe_extension(name: &str) -> Option<String> {
    let (_, extension) = name.rsplit_once('.')?;
    let safe =
        (1..=10).contains(&extension.len()) && extension.bytes().all(|b| b.is_ascii_alphanumeric());
    safe.then(|| extension.to_ascii_lowercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain_basenames_without_blocked_extensions() {
        assert_eq!(check_filename("photo.png"), Ok(()));
        assert_eq!(check_filename("archive.tar.gz"), Ok(()));
        for bad in ["", "../a.png", "a\\b.png", "a\0.png", "a\n.png", ".."] {
            assert!(
                matches!(
                    check_filename(bad),
                    Err(Refusal::UploadFilenameInvalid { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(check_filename(&"a".repeat(256)).is_err());
        assert_eq!(
            check_filename("run.EXE"),
            Err(Refusal::UploadExtensionBlocked { extension: "EXE" })
        );
        assert_eq!(
            check_filename("cat.js.png"),
            Err(Refusal::UploadExtensionBlocked { extension: "js" })
        );
    }

    #[test]
    fn ids_types_and_extensions() {
        assert!(check_upload_id("").is_err());
        assert!(check_upload_id(&"x".repeat(129)).is_err());
        assert!(check_upload_id(&"é".repeat(128)).is_ok());
        assert!(type_allowed(&["image/png".to_owned()], "IMAGE/PNG"));
        assert!(!type_allowed(&["image/png".to_owned()], "image/svg+xml"));
        assert_eq!(safe_extension("a.PNG").as_deref(), Some("png"));
        assert_eq!(safe_extension("a.p/ng"), None);
        assert_eq!(safe_extension("noext"), None);
    }
}

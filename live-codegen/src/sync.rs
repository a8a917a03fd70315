//! Writing the generated file, or checking that it is up to date.

use crate::error::Error;
use std::path::Path;

/// Writes `contents` to `path` (creating its directory), or with `check` verifies that the
/// file already holds exactly that ([`Error::Stale`] otherwise; line endings are ignored).
/// Returns whether the file was (or, when checking, would be) changed; `false` when checking
/// succeeded.
pub fn sync_file(path: &Path, contents: &str, check: bool) -> Result<bool, Error> {
    let io = |error| Error::Io {
        path: path.to_owned(),
        error,
    };
    let current = match std::fs::read_to_string(path) {
        Ok(current) => Some(current),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(io(error)),
    };
    let normalize = |text: &str| text.replace("\r\n", "\n");
    let fresh = current
        .as_deref()
        .is_some_and(|current| normalize(current) == normalize(contents));
    if fresh {
        return Ok(false);
    }
    if check {
        return Err(Error::Stale {
            path: path.to_owned(),
            missing: current.is_none(),
        });
    }
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, contents).map_err(io)?;
    Ok(true)
}

//! [`Error`]: why generation or syncing failed.

use std::fmt;
use std::path::PathBuf;

/// Why generation (or the staleness check) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Types without a TypeScript description: mark them `#[live::data]` (see `live::typescript`).
    Unknown(Vec<String>),
    /// Two different things would have the same TypeScript name.
    Conflict {
        /// The TypeScript name.
        name: String,
        /// What has it first.
        first: String,
        /// What wants it too.
        second: String,
    },
    /// The committed file differs from what the code generates.
    Stale {
        /// The file.
        path: PathBuf,
        /// Whether it exists at all.
        missing: bool,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(places) => {
                writeln!(
                    f,
                    "these types have no TypeScript description (mark them `#[live::data]`, \
                     see the `live::typescript` docs):"
                )?;
                for place in places {
                    writeln!(f, "  - {place}")?;
                }
                Ok(())
            }
            Self::Conflict {
                name,
                first,
                second,
            } => write!(
                f,
                "two things would be named `{name}` in TypeScript: {first} and {second} \
                 (rename one, e.g. with `#[ts(rename = \"...\")]` or the component's `name`)"
            ),
            Self::Stale {
                path,
                missing: true,
            } => {
                write!(f, "{} does not exist", path.display())
            }
            Self::Stale {
                path,
                missing: false,
            } => write!(
                f,
                "{} is stale: it differs from what the Rust code generates",
                path.display()
            ),
            Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

//! Types without a TypeScript description: generation fails and names them, unless
//! `allow_unknown` types them `unknown` and lists them in the file.

use live::prelude::*;
use live_codegen::{Error, Options};
use serde::{Deserialize, Serialize};

/// A payload type without `#[live::data]`: no `TS`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Opaque {
    /// Something.
    pub value: u8,
}

/// The state struct is described (`#[live_component]` derives `TS`); its actions use
/// [`Opaque`].
#[live_component(name = "Plain")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Plain {
    /// Something.
    pub value: u8,
}

#[live_component]
impl Plain {
    /// A described argument, an undescribed result.
    #[action]
    fn get(&self, index: u32) -> Opaque {
        let _ = index;
        Opaque { value: self.value }
    }

    /// An undescribed argument.
    #[action]
    fn set(&mut self, #[payload] opaque: Opaque) {
        self.value = opaque.value;
    }
}

#[test]
fn strict_generation_names_every_undescribed_type() {
    let error = match live_codegen::generate() {
        Ok(typescript) => panic!("generation should fail:\n{typescript}"),
        Err(error) => error,
    };
    let Error::Unknown(places) = &error else {
        panic!("unexpected error: {error}");
    };
    assert_eq!(
        places,
        &[
            "component `Plain`: action `get` result (unknown::Opaque)".to_owned(),
            "component `Plain`: action `set` argument (unknown::Opaque)".to_owned(),
        ]
    );
    let message = error.to_string();
    assert!(message.contains("`#[live::data]`"), "{message}");
}

#[test]
fn allow_unknown_types_them_unknown() {
    let generated = live_codegen::generate_with(&Options::default().allow_unknown(true))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(generated.unknown.len(), 2);
    let typescript = &generated.typescript;
    assert!(
        typescript.contains("// Typed `unknown` (no TypeScript description):\n// - component `Plain`: action `get` result (unknown::Opaque)\n"),
        "{typescript}"
    );
    assert!(
        typescript.contains("export type PlainState = Plain;\n"),
        "{typescript}"
    );
    assert!(
        typescript.contains("  set: { args: unknown; result: void };\n"),
        "{typescript}"
    );
    assert!(
        typescript.contains("  get: { args: { index: number }; result: unknown };\n"),
        "{typescript}"
    );
}

#[test]
fn check_reports_stale_and_missing_files() {
    let dir = std::env::temp_dir().join(format!("live-codegen-test-{}", std::process::id()));
    let path = dir.join("nested").join("live.ts");
    let missing = live_codegen::sync_file(&path, "a\n", true);
    assert!(
        matches!(missing, Err(Error::Stale { missing: true, .. })),
        "{missing:?}"
    );
    assert!(matches!(
        live_codegen::sync_file(&path, "a\n", false),
        Ok(true)
    ));
    assert!(matches!(
        live_codegen::sync_file(&path, "a\n", false),
        Ok(false)
    ));
    assert!(matches!(
        live_codegen::sync_file(&path, "a\r\n", true),
        Ok(false)
    ));
    let stale = live_codegen::sync_file(&path, "b\n", true);
    assert!(
        matches!(stale, Err(Error::Stale { missing: false, .. })),
        "{stale:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

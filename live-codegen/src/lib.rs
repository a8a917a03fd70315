//! TypeScript client typings for Live servers.
//!
//! `live-codegen` walks the components and rooms registered with `#[live_component]` and
//! `#[live_room]` in the linked crates and writes **one** TypeScript file: every type they
//! use (declared by [ts-rs](live::typescript::ts_rs), so serde's attributes shape it as the
//! JSON that is sent), and per component its state, actions and name, per room its state and
//! events, and the `LiveRegistry` type the `@live/client` packages take, so that a typo in
//! an action name or a wrong argument is a compile error in the browser code:
//!
//! ```ts
//! import type { LiveRegistry } from './generated/live.js'
//! const live = new LiveConnection<LiveRegistry>({ url })
//! const counter = live.mount('Counter')
//! await counter.call('add', { by: 2 }) // checked: name, argument and result type
//! ```
//!
//! The crates holding the components must be built with `live`'s feature `typescript` (this
//! crate turns it on) and must be linked into the binary that generates: name them, e.g.
//! `use my_app as _;` or call one of their functions. A small binary in your workspace does
//! the rest:
//!
//! ```no_run
//! use my_app as _; // links the crate whose components are generated
//! # mod my_app {}
//!
//! fn main() -> Result<(), live_codegen::Error> {
//!     let check = std::env::args().any(|arg| arg == "--check");
//!     let typescript = live_codegen::generate()?;
//!     live_codegen::sync_file("web/src/live.ts".as_ref(), &typescript, check)?;
//!     Ok(())
//! }
//! ```
//!
//! Output is deterministic: everything is sorted by name, so the file can be committed and
//! checked for staleness in CI ([`sync_file`] with `check`).

mod collect;
mod error;
mod generate;
mod options;
mod sections;
mod sync;
mod text;

pub use error::Error;
pub use generate::{generate, generate_for, generate_with};
pub use options::{Generated, HEADER, Options};
pub use sync::sync_file;

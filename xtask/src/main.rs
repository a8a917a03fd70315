//! Project tasks. Run `cargo xtask help`.
//!
//! - `cargo xtask test`: everything CI checks (format, lints, every test).
//! - `cargo xtask demo`: builds and runs the demo server.

use std::env;
use std::process::{Command, ExitCode};
use std::time::Instant;

const HELP: &str = "\
cargo xtask <task>

tasks:
  test    format check, clippy (-D warnings), the live feature matrix (cargo check),
          every Rust test (unit, UI, integration)
  demo    run the demo server (cargo run --release -p demo)
  help    this text
";

fn main() -> ExitCode {
    let task = env::args().nth(1).unwrap_or_else(|| "help".to_owned());
    let result = match task.as_str() {
        "test" => test(),
        "demo" => run("run the demo", cargo(&["run", "--release", "-p", "demo"])),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A `cargo` command using the same cargo that runs xtask.
fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(args);
    command
}

/// Runs a step, printing its name and duration; fails if it fails.
fn run(step: &str, mut command: Command) -> Result<(), String> {
    println!("==> {step}");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|error| format!("{step}: could not start: {error}"))?;
    println!("<== {step}: {:.1}s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

/// Everything CI checks, in order of speed.
fn test() -> Result<(), String> {
    run("format check", cargo(&["fmt", "--all", "--", "--check"]))?;
    run(
        "clippy",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    feature_matrix()?;
    run("tests", cargo(&["test", "--workspace", "--all-features"]))?;
    Ok(())
}

/// The `live` feature sets that must compile on their own: no transport at all, each
/// adapter alone, the client alone, the default (standalone) and everything.
const FEATURE_MATRIX: &[&[&str]] = &[
    &["--no-default-features"],
    &["--no-default-features", "--features", "axum"],
    &["--no-default-features", "--features", "actix"],
    &["--no-default-features", "--features", "client"],
    &[],
    &["--all-features"],
];

/// `cargo check -p live` for every entry of [`FEATURE_MATRIX`] (check, not build: fast).
fn feature_matrix() -> Result<(), String> {
    for features in FEATURE_MATRIX {
        let mut args = vec!["check", "-p", "live"];
        args.extend_from_slice(features);
        let shown = if features.is_empty() {
            "default features".to_owned()
        } else {
            features.join(" ")
        };
        run(&format!("feature matrix: live {shown}"), cargo(&args))?;
    }
    Ok(())
}

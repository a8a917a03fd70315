//! Project tasks. Run `cargo xtask help`.
//!
//! - `cargo xtask test`: everything CI checks (format, lints, every test).
//! - `cargo xtask demo`: builds and runs the demo server.
//! - `cargo xtask gen-ts [--out DIR] [--check]`: the demo's TypeScript typings.
//! - `cargo xtask bench [--quick] [--json PATH]`: the benchmark suite (docs/performance.md).

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const HELP: &str = "\
cargo xtask <task>

tasks:
  test    format check, clippy (-D warnings), the live feature matrix (cargo check),
          every Rust test (unit, UI, integration)
  demo    run the demo server (cargo run --release -p demo)
  gen-ts [--out DIR] [--check]
          write the TypeScript typings of the demo's components and rooms to
          DIR/demo.ts (default clients/generated/demo.ts); with --check, fail if
          the committed file is stale instead
  fuzz [--seconds N]
          run every cargo-fuzz target in live/fuzz for N seconds each (default 60)
  page    rebuild the demo page (examples/demo/page/index.html) from clients/demo-page
  bench [--quick] [--json PATH] [--only NAME,...]
          the benchmark suite (the production profile: release + LTO): Live against a bare
          tokio-tungstenite baseline on 127.0.0.1 (a few minutes; --quick: under
          a minute, small scale); prints a table, --json writes the figures
  help    this text
";

fn main() -> ExitCode {
    let task = env::args().nth(1).unwrap_or_else(|| "help".to_owned());
    let result = match task.as_str() {
        "test" => test(),
        "demo" => run("run the demo", cargo(&["run", "--release", "-p", "demo"])),
        "fuzz" => seconds_arg().and_then(fuzz),
        "gen-ts" => gen_ts_args().and_then(|(out, check)| gen_ts(&out, check)),
        "page" => build_page(None),
        "bench" => bench(),
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

/// `cargo run --profile production -p live-tests --bin live_bench -- <arguments>`: the
/// load generator starts each server as its own child process, both built as a production
/// server should be (see docs/performance.md).
fn bench() -> Result<(), String> {
    let mut args = vec![
        "run",
        "--profile",
        "production",
        "-p",
        "live-tests",
        "--bin",
        "live_bench",
        "--",
    ];
    let passed: Vec<String> = env::args().skip(2).collect();
    args.extend(passed.iter().map(String::as_str));
    run("bench", cargo(&args))
}

/// Everything CI checks, in order of speed.
fn test() -> Result<(), String> {
    run("format check", cargo(&["fmt", "--all", "--", "--check"]))?;
    println!("==> gen-ts --check");
    gen_ts(&default_ts_dir(), true)?;
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
    // The demo binary's own tests (tests/tests/demo_binary.rs) run the binary built here.
    let demo = server_binary("demo")?;
    let mut tests = cargo(&["test", "--workspace", "--all-features"]);
    tests.env("LIVE_DEMO_BIN", &demo);
    run("tests", tests)?;
    without_network()?;
    clients()?;
    fuzz(FUZZ_SECONDS_IN_TESTS)?;
    Ok(())
}

/// The component tests of the examples again, in a network namespace without interfaces
/// (`unshare -rn`): `live::testing` must need no socket, so they pass there too.
fn without_network() -> Result<(), String> {
    let step = "component tests without a network (unshare -rn)";
    let usable = Command::new("unshare")
        .args(["-rn", "true"])
        .status()
        .is_ok_and(|status| status.success());
    if !usable {
        return skip_or_fail(step, "`unshare -rn` is not available here");
    }
    let cargo_path = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new("unshare");
    command.args(["-rn", &cargo_path, "test", "--offline", "--all-features"]);
    command.args(["-p", "demo"]);
    run(step, command)?;
    let mut todo = Command::new("unshare");
    todo.args([
        "-rn",
        &cargo_path,
        "test",
        "--offline",
        "--all-features",
        "-p",
        "example-todo",
    ]);
    run("the todo example without a network (unshare -rn)", todo)
}

/// The workspace root (xtask lives in `<root>/xtask`).
fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_owned()
}

/// Where `gen-ts` writes by default: `clients/generated`.
fn default_ts_dir() -> PathBuf {
    workspace_root().join("clients").join("generated")
}

/// The generated file's name inside the output directory.
const TS_FILE: &str = "demo.ts";

/// `[--out DIR] [--check]` from the command line.
fn gen_ts_args() -> Result<(PathBuf, bool), String> {
    let mut out = default_ts_dir();
    let mut check = false;
    let mut args = env::args().skip(2);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => {
                out = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("--out takes a directory\n\n{HELP}"))?;
            }
            other => return Err(format!("unexpected argument {other:?}\n\n{HELP}")),
        }
    }
    Ok((out, check))
}

/// Generates the demo's TypeScript typings into `dir/demo.ts`, or with `check` fails when
/// the file there is not exactly what would be generated.
fn gen_ts(dir: &Path, check: bool) -> Result<(), String> {
    // The registry only holds what is linked: name the demo crate so its components are.
    std::hint::black_box(demo::server as fn() -> _);
    let typescript = live_codegen::generate().map_err(|error| format!("gen-ts: {error}"))?;
    let path = dir.join(TS_FILE);
    let shown = path
        .strip_prefix(workspace_root())
        .unwrap_or(&path)
        .display()
        .to_string();
    match live_codegen::sync_file(&path, &typescript, check) {
        Ok(true) => println!("gen-ts: wrote {shown}"),
        Ok(false) if check => println!("gen-ts: {shown} is up to date"),
        Ok(false) => println!("gen-ts: {shown} unchanged"),
        Err(live_codegen::Error::Stale { missing, .. }) => {
            let problem = if missing {
                "does not exist"
            } else {
                "is stale: the demo's components or rooms changed"
            };
            return Err(format!(
                "gen-ts --check: {shown} {problem}.\n\
                 Run `cargo xtask gen-ts` and commit {shown}."
            ));
        }
        Err(error) => return Err(format!("gen-ts: {error}")),
    }
    Ok(())
}

/// The fuzz targets in `live/fuzz/fuzz_targets`.
const FUZZ_TARGETS: &[&str] = &[
    "inbound_text",
    "room_frame",
    "msgpack",
    "signed_state",
    "binary_delta",
    "upload_chunk",
];

/// How long `cargo xtask test` fuzzes each target: a smoke run, not a campaign.
const FUZZ_SECONDS_IN_TESTS: u64 = 10;

/// `--seconds N` from the command line (default 60).
fn seconds_arg() -> Result<u64, String> {
    let args: Vec<String> = env::args().skip(2).collect();
    match args.as_slice() {
        [] => Ok(60),
        [flag, value] if flag == "--seconds" => value
            .parse()
            .map_err(|_| format!("--seconds takes a whole number, not {value:?}")),
        other => Err(format!("unexpected arguments {other:?}\n\n{HELP}")),
    }
}

/// Runs every fuzz target for `seconds` with cargo-fuzz (stable toolchain: nightly-only
/// flags are unlocked with `RUSTC_BOOTSTRAP=1`; no sanitizer, the crate has no unsafe code).
/// Without cargo-fuzz it fails under `CI=true` and skips with a reason otherwise.
fn fuzz(seconds: u64) -> Result<(), String> {
    let installed = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        let message = "cargo-fuzz is not installed (cargo install cargo-fuzz --locked)";
        if env::var("CI").is_ok_and(|ci| ci == "true") {
            return Err(message.to_owned());
        }
        println!("==> fuzz: skipped: {message}");
        return Ok(());
    }
    // One build for every target (each run below then only starts its binary).
    let mut build = cargo(&["fuzz", "build", "--sanitizer", "none"]);
    build.current_dir("live").env("RUSTC_BOOTSTRAP", "1");
    run("fuzz: build the targets", build)?;
    for target in FUZZ_TARGETS {
        let mut command = cargo(&["fuzz", "run", "--sanitizer", "none", target, "--"]);
        command
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=2048")
            .current_dir("live")
            .env("RUSTC_BOOTSTRAP", "1");
        run(&format!("fuzz {target} ({seconds}s)"), command)?;
    }
    Ok(())
}

/// The `live` feature sets that must compile on their own: no transport at all, each
/// adapter alone, the client alone, the default (standalone) and everything.
const FEATURE_MATRIX: &[&[&str]] = &[
    &["--no-default-features"],
    &["--no-default-features", "--features", "axum"],
    &["--no-default-features", "--features", "actix"],
    &["--no-default-features", "--features", "client"],
    &["--no-default-features", "--features", "testing"],
    &["--no-default-features", "--features", "typescript"],
    &["--no-default-features", "--features", "redis"],
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

/// `CI=true`: missing tools fail the run instead of skipping a step.
fn in_ci() -> bool {
    env::var("CI").is_ok_and(|ci| ci == "true")
}

/// Under `CI=true` an error; otherwise prints that `step` is skipped and why.
fn skip_or_fail(step: &str, why: &str) -> Result<(), String> {
    if in_ci() {
        return Err(format!("{step}: {why} (required under CI=true)"));
    }
    println!("==> {step}: skipped: {why}");
    Ok(())
}

/// The npm workspace with the TypeScript packages, the demo page and the browser tests.
fn clients_dir() -> PathBuf {
    workspace_root().join("clients")
}

/// `npm <args>` in `clients/`.
fn npm(args: &[&str]) -> Command {
    let mut command = Command::new("npm");
    command.args(args).current_dir(clients_dir());
    command
}

/// Why the TypeScript steps cannot run here, if anything is missing.
fn node_missing() -> Option<String> {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !runs("node") || !runs("npm") {
        Some("node and npm are not installed (Node 20.19+)".to_owned())
    } else if !clients_dir().join("node_modules").is_dir() {
        Some("clients/node_modules is missing (run `npm ci` in clients/)".to_owned())
    } else {
        None
    }
}

/// The TypeScript side: type checks, the vitest suites, the demo page's freshness and the
/// browser tests. Without node, npm or `npm ci` it fails under `CI=true` and skips otherwise.
fn clients() -> Result<(), String> {
    if let Some(why) = node_missing() {
        return skip_or_fail("TypeScript checks, demo page and browser tests", &why);
    }
    run("clients: typecheck", npm(&["run", "--silent", "typecheck"]))?;
    run("clients: vitest", npm(&["test", "--silent"]))?;
    demo_page_fresh()?;
    browser_tests()
}

/// The demo page, generated from `clients/demo-page` and committed (the demo embeds it).
const DEMO_PAGE: &str = "examples/demo/page/index.html";

/// Builds the demo page into `out` (default: the committed [`DEMO_PAGE`]).
fn build_page(out: Option<&Path>) -> Result<(), String> {
    let mut command = Command::new("node");
    command
        .arg("demo-page/build.mjs")
        .current_dir(clients_dir());
    if let Some(out) = out {
        command.arg("--out").arg(out);
    }
    run("demo page: esbuild", command)
}

/// Rebuilds the demo page into a temporary directory and fails if it differs from the
/// committed one (esbuild's output is deterministic for the same sources and version).
fn demo_page_fresh() -> Result<(), String> {
    let dir = env::temp_dir().join(format!("live-demo-page-{}", std::process::id()));
    let fresh = dir.join("index.html");
    let built = build_page(Some(&fresh)).and_then(|()| {
        std::fs::read(&fresh).map_err(|error| format!("demo page: {}: {error}", fresh.display()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let fresh = built?;
    let committed = std::fs::read(workspace_root().join(DEMO_PAGE))
        .map_err(|error| format!("demo page: {DEMO_PAGE}: {error}"))?;
    if fresh != committed {
        return Err(format!(
            "{DEMO_PAGE} is stale: its sources (clients/demo-page, clients/client/src) changed.\n\
             Rebuild it with `cargo xtask page` (or `npm run build:page` in clients/) and commit it."
        ));
    }
    println!("==> demo page: {DEMO_PAGE} is up to date");
    Ok(())
}

/// Debian's Chromium, which the browser tests drive (never downloaded).
const CHROMIUM: &str = "/usr/bin/chromium";

/// Builds the demo and example-axum binaries and runs `clients/e2e` (headless Chromium)
/// against them.
fn browser_tests() -> Result<(), String> {
    let chromium = env::var("LIVE_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
    if !Path::new(&chromium).exists() {
        return skip_or_fail(
            "browser tests",
            &format!("no Chromium at {chromium} (apt-get install -y chromium)"),
        );
    }
    let demo = server_binary("demo")?;
    let axum = server_binary("example-axum")?;
    let mut command = npm(&["run", "--silent", "test:browser"]);
    command
        .env("LIVE_DEMO_BIN", &demo)
        .env("LIVE_AXUM_BIN", &axum)
        .env("LIVE_CHROMIUM", &chromium);
    run("browser tests (headless Chromium, clients/e2e)", command)
}

/// Builds the binary `bin` (the demo or an example serving its page), returning the path
/// cargo reports.
fn server_binary(bin: &str) -> Result<PathBuf, String> {
    let step = format!("build {bin} for the browser tests");
    println!("==> {step}");
    let started = Instant::now();
    // The same packages and features as the test step, so the binary is already built.
    let output = cargo(&[
        "build",
        "--workspace",
        "--all-features",
        "--bin",
        bin,
        "--message-format=json-render-diagnostics",
    ])
    .stderr(std::process::Stdio::inherit())
    .output()
    .map_err(|error| format!("{step}: could not start: {error}"))?;
    println!("<== {step}: {:.1}s", started.elapsed().as_secs_f64());
    if !output.status.success() {
        return Err(format!("{step} failed ({})", output.status));
    }
    // One JSON object per line; the binary's artifact has `"executable":"<path>"`.
    let name = format!(r#""name":"{bin}""#);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(&name) && line.contains(r#""kind":["bin"]"#))
        .find_map(|line| {
            let (_, rest) = line.split_once(r#""executable":""#)?;
            let (path, _) = rest.split_once('"')?;
            Some(PathBuf::from(path))
        })
        .ok_or_else(|| format!("{step}: cargo reported no {bin} executable"))
}

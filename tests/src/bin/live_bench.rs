//! The load generator and benchmark suite: `cargo xtask bench [--quick] [--json PATH]`
//! runs it in release mode. See `live_tests::bench` and docs/performance.md.

fn main() -> std::process::ExitCode {
    live_tests::bench::main()
}

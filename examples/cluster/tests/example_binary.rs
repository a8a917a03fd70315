//! Runs `cargo run -p example-cluster` the way docs/scaling.md does (on free ports, exiting
//! after its demonstration): two servers on one Redis agree on one SharedCounter.

use std::process::Command;

#[test]
fn two_servers_on_one_redis_share_the_counter() {
    let has_redis = Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_redis && std::env::var("LIVE_REDIS_URL").is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "redis-server is required under CI"
        );
        eprintln!("SKIPPED: redis-server not found on PATH");
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_example-cluster"))
        .env("LIVE_ADDR_A", "127.0.0.1:0")
        .env("LIVE_ADDR_B", "127.0.0.1:0")
        .env("CLUSTER_EXAMPLE_EXIT", "1")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap_or_else(|error| panic!("example did not run: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "example failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Server A listening on ws://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Server B listening on ws://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("incremented through B to 1, seen on A"),
        "{stdout}"
    );
}

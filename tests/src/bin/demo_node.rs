//! The demo server as the cluster tests run it: exactly `cargo run -p demo`'s server
//! (`demo::server_from_env`: joins a Redis cluster when `LIVE_REDIS_URL` is set), built in
//! this package so that its tests can start it (`CARGO_BIN_EXE_demo_node`).
//!
//! Prints `Live demo listening on <url>`, then `Cluster instance <id> (Redis)`.

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_owned());
    let server = match demo::server_from_env().await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("demo_node: {error}");
            return ExitCode::FAILURE;
        }
    };
    match server.bind(&addr).await {
        Ok(running) => {
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "Live demo listening on {}", running.url());
            if let Some(instance) = server.cluster_instance_id() {
                let _ = writeln!(stdout, "Cluster instance {instance} (Redis)");
            }
            let _ = stdout.flush();
            running.wait().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("demo_node: {error}");
            ExitCode::FAILURE
        }
    }
}

//! `cargo run --release -p demo`: serves the demo components on `LIVE_ADDR`
//! (default `127.0.0.1:3000`) at `/api/live/ws`, and the demo page at `/`.

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    // With LIVE_REDIS_URL set, the demo joins a Redis cluster (docs/scaling.md).
    let server = match demo::server_from_env().await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("demo: {error}");
            return ExitCode::FAILURE;
        }
    };
    match server.bind(&addr).await {
        Ok(running) => {
            // A closed stdout must not stop the server, so write errors are ignored.
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "Live demo listening on {}", running.url());
            if let Some(instance) = server.cluster_instance_id() {
                let _ = writeln!(stdout, "Cluster instance {instance} (Redis)");
            }
            let _ = writeln!(stdout, "Demo page: http://{}/", running.local_addr());
            let _ = writeln!(
                stdout,
                "Components: Counter, SharedCounter, LiveChat (room chat:general; image uploads). Stop with Ctrl-C."
            );
            let _ = stdout.flush();
            running.wait().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("demo: {error}");
            ExitCode::FAILURE
        }
    }
}

//! `cargo run --release -p demo`: serves the demo components on `LIVE_ADDR`
//! (default `127.0.0.1:3000`) at `/api/live/ws`, the demo page at `/`, the inspector at
//! `/live/inspector` (its token is printed), and Prometheus metrics at `/metrics` on
//! `LIVE_METRICS_ADDR` (default `127.0.0.1:9464`).

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let metrics_addr =
        std::env::var("LIVE_METRICS_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".to_owned());
    let token = demo::ops::inspector_token();
    // With LIVE_REDIS_URL set, the demo joins a Redis cluster (docs/scaling.md).
    let server = match demo::demo_from_env(&token).await {
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
            let local = running.local_addr();
            let _ = writeln!(stdout, "Demo page: http://{local}/");
            let _ = writeln!(
                stdout,
                "Inspector: http://{local}/live/inspector#token={token}"
            );
            // The metrics are secondary: a busy port only costs them.
            match demo::ops::serve_metrics(server.clone(), &metrics_addr).await {
                Ok(bound) => {
                    let _ = writeln!(stdout, "Metrics: http://{bound}/metrics");
                }
                Err(error) => eprintln!("demo: no metrics on {metrics_addr}: {error}"),
            }
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

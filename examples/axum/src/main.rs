//! `cargo run --release -p example-axum`: the demo's components inside an axum app.
//!
//! Serves the Live WebSocket at `ws://ADDR/api/live/ws` next to an ordinary `GET /health`
//! route, on `LIVE_ADDR` (default `127.0.0.1:3000`). Ctrl-C or SIGTERM closes the Live
//! sockets with code 1001, runs the components' destroy hooks, then stops axum.

use axum::Router;
use axum::routing::get;
use std::io::Write;
use std::process::ExitCode;

const DETAILS: &str =
    "Components: Counter, SharedCounter. GET /health answers \"ok\". Stop with Ctrl-C.";

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("example-axum: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let live = demo::builder()
        .config(live::LiveConfig::from_env())
        .build()?;
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/api/live", live.axum_router());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let bound = listener.local_addr()?;
    // A closed stdout must not stop the server, so write errors are ignored.
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "Live axum example listening on ws://{bound}/api/live/ws"
    );
    let _ = writeln!(stdout, "{DETAILS}");
    let _ = stdout.flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            live.shutdown().await;
        })
        .await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

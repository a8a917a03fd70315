//! `cargo run --release -p example-actix`: the demo's components inside an actix-web app.
//!
//! Serves the Live WebSocket at `ws://ADDR/api/live/ws` next to an ordinary `GET /health`
//! route, on `LIVE_ADDR` (default `127.0.0.1:3000`). Ctrl-C or SIGTERM closes the Live
//! sockets with code 1001, runs the components' destroy hooks, then stops actix.

use actix_web::{App, HttpServer, web};
use std::io::Write;
use std::process::ExitCode;

const DETAILS: &str =
    "Components: Counter, SharedCounter. GET /health answers \"ok\". Stop with Ctrl-C.";

#[actix_web::main]
async fn main() -> ExitCode {
    demo::init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("example-actix: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let live = demo::builder()
        .config(live::LiveConfig::from_env())
        .build()?;
    let app_live = live.clone();
    let server = HttpServer::new(move || {
        App::new()
            .route("/health", web::get().to(|| async { "ok" }))
            .service(app_live.actix_scope("/api/live"))
    })
    // Live must close its sockets before actix stops its workers: we handle the signals.
    .disable_signals()
    .bind(addr.as_str())?;
    let bound = server.addrs().first().copied().ok_or("bound no address")?;
    // A closed stdout must not stop the server, so write errors are ignored.
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "Live actix example listening on ws://{bound}/api/live/ws"
    );
    let _ = writeln!(stdout, "{DETAILS}");
    let _ = stdout.flush();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        shutdown_signal().await;
        live.shutdown().await;
        handle.stop(true).await;
    });
    server.await?;
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

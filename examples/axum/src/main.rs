//! `cargo run --release -p example-axum`: the demo's components inside an axum app.
//!
//! Serves the Live WebSocket at `ws://ADDR/api/live/ws`, the demo page at `/` (Live's pages
//! as the router's fallback), an ordinary `GET /health` route, and `POST /api/announce`,
//! which posts to the demo chat from app code through the server handle; on `LIVE_ADDR`
//! (default `127.0.0.1:3000`). Ctrl-C or SIGTERM closes the Live sockets with code 1001,
//! runs the components' destroy hooks, then stops axum.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use demo::AnnounceError;
use live::LiveHandle;
use serde::Deserialize;
use serde_json::{Value, json};
use std::io::Write;
use std::process::ExitCode;

const DETAILS: &str = "The demo page is at /. GET /health answers \"ok\"; \
    POST /api/announce {\"text\": \"…\"} posts to the chat as \"server\". Stop with Ctrl-C.";

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
        .route("/api/announce", post(announce))
        .nest("/api/live", live.axum_router())
        .fallback(live.axum_pages())
        .with_state(live.handle());
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

/// The body of `POST /api/announce`.
#[derive(Deserialize)]
struct Announce {
    text: String,
}

/// `POST /api/announce` with `{"text": "…"}`: the chat of every open demo page shows it,
/// from "server". Answers 200 with the message; 415 without a JSON content type; 400 for a
/// body that is not `{"text": <string>}` or a text that is empty or over 500 characters;
/// 409 while nobody is in the chat (app code does not create rooms, so open the page
/// first). Errors are `{"error": "…"}`.
async fn announce(State(live): State<LiveHandle>, headers: HeaderMap, body: Bytes) -> Response {
    let json_body = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/json"));
    if !json_body {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected content-type: application/json",
        );
    }
    let request: Announce = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(problem) => {
            let reason = format!("expected a JSON body {{\"text\": \"…\"}}: {problem}");
            return error(StatusCode::BAD_REQUEST, &reason);
        }
    };
    match demo::announce(&live, &request.text).await {
        Ok(message) => reply(StatusCode::OK, json!(message)),
        Err(AnnounceError::Invalid(reason)) => error(StatusCode::BAD_REQUEST, reason),
        Err(AnnounceError::NoRoom) => error(
            StatusCode::CONFLICT,
            "nobody is in chat:general yet: open the demo page, then announce",
        ),
        Err(AnnounceError::Push(problem)) => {
            error(StatusCode::INTERNAL_SERVER_ERROR, &problem.to_string())
        }
    }
}

fn error(status: StatusCode, reason: &str) -> Response {
    reply(status, json!({ "error": reason }))
}

fn reply(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
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

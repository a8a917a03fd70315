//! `cargo run -p example-todo`: serves the todo list on `LIVE_ADDR` (default
//! `127.0.0.1:3000`) at `/api/live/ws`. Sign in with `AUTH {"token": "ana-token"}`, then
//! mount `TodoList`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let running = match example_todo::server() {
        Ok(server) => server.bind(&addr).await,
        Err(error) => Err(error),
    };
    match running {
        Ok(running) => {
            println!("Todo list listening on {}", running.url());
            running.wait().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("example-todo: {error}");
            ExitCode::FAILURE
        }
    }
}

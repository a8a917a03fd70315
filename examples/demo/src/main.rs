//! `cargo run --release -p demo`: serves the demo components on `LIVE_ADDR`
//! (default `127.0.0.1:3000`) at `/api/live/ws`.

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    let addr = std::env::var("LIVE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let running = match demo::server() {
        Ok(server) => server.bind(&addr).await,
        Err(error) => Err(error),
    };
    match running {
        Ok(running) => {
            // A closed stdout must not stop the server, so write errors are ignored.
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "Live demo listening on {}", running.url());
            let _ = writeln!(
                stdout,
                "Components: Counter, SharedCounter, LiveChat (room chat:general). Stop with Ctrl-C."
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

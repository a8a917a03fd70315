// Shared by examples/{axum,actix}/tests/example_binary.rs through `include!`; the including
// file defines `BINARY` (the example binary) and `BANNER` (its first stdout line prefix).

use live::client::{LiveClient, ServerFrame};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the example when the test ends, pass or fail.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Example, String) {
    let mut child = Command::new(BINARY)
        .env("LIVE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("example did not start: {error}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let example = Example(child);
    let mut stdout = BufReader::new(stdout);
    let mut first_line = String::new();
    stdout
        .read_line(&mut first_line)
        .unwrap_or_else(|error| panic!("example printed nothing: {error}"));
    // Keep reading, so the example never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first_line
        .trim()
        .strip_prefix(BANNER)
        .unwrap_or_else(|| panic!("unexpected first line: {first_line:?}"))
        .to_owned();
    (example, url)
}

/// Sends one raw HTTP/1.1 request (it must ask for `Connection: close`) and returns the
/// whole response; a read stalled for 10 s fails the test.
fn exchange(addr: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    response
}

fn get(addr: &str, path: &str) -> String {
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

#[tokio::test]
async fn serves_live_beside_its_own_route_and_stops_gracefully() {
    let (mut example, url) = start();
    let addr = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.strip_suffix("/api/live/ws"))
        .unwrap_or_else(|| panic!("unexpected url {url}"))
        .to_owned();

    let health = get(&addr, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("\r\n\r\nok"), "{health}");

    let client = LiveClient::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let counter = client
        .mount("Counter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = client.call(&counter.id, "add", json!({"by": 5})).await;
    assert_eq!(result.ok().flatten(), Some(json!(5)));
    let shared = client
        .mount("SharedCounter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shared.state.get("count"), Some(&json!(0)));

    #[cfg(unix)]
    {
        let pid = example.0.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM failed");
        let close = loop {
            match client.next_frame().await {
                Ok(ServerFrame::Closed { code, reason }) => break (code, reason),
                Ok(_) => continue,
                Err(error) => panic!("{error}"),
            }
        };
        assert_eq!(close, (1001, "Server shutting down".to_owned()));
        let deadline = Instant::now() + Duration::from_secs(10);
        let exit = loop {
            match example.0.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => panic!("example did not exit after SIGTERM: {other:?}"),
            }
        };
        assert!(exit.success(), "{exit}");
    }
}

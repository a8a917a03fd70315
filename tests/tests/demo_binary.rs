//! Runs the demo binary the way the README does (with `LIVE_ADDR` on a free port) and
//! drives it over a real socket: the binary's banner, its WebSocket endpoint, its page, its
//! metrics and its inspector. It lives here, not in the demo package, so that
//! `cargo test -p demo` opens no socket (the components are tested there through
//! `live::testing`). `cargo xtask test` builds the binary and names it in `LIVE_DEMO_BIN`;
//! without it these tests skip with the reason, and fail under `CI=true`.

use live::client::LiveClient;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the demo when the test ends, pass or fail.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_demo() -> Option<(Demo, String)> {
    let (demo, lines) = start_demo_lines(1)?;
    let first_line = lines.first().cloned().unwrap_or_default();
    let url = first_line
        .trim()
        .strip_prefix("Live demo listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first_line:?}"))
        .to_owned();
    Some((demo, url))
}

/// The demo binary `cargo xtask test` built (`LIVE_DEMO_BIN`); `None` (with the reason
/// printed) when it is not set, outside CI.
fn demo_binary() -> Option<String> {
    match std::env::var("LIVE_DEMO_BIN") {
        Ok(path) => Some(path),
        Err(_) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("LIVE_DEMO_BIN is not set: run the tests through `cargo xtask test`")
        }
        Err(_) => {
            eprintln!("skipped: LIVE_DEMO_BIN is not set (`cargo xtask test` sets it)");
            None
        }
    }
}

/// Starts the demo and returns its first `count` stdout lines.
fn start_demo_lines(count: usize) -> Option<(Demo, Vec<String>)> {
    let mut child = Command::new(demo_binary()?)
        .env("LIVE_ADDR", "127.0.0.1:0")
        .env("LIVE_METRICS_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("demo did not start: {error}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let demo = Demo(child);
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    for _ in 0..count {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .unwrap_or_else(|error| panic!("demo printed nothing: {error}"));
        lines.push(line.trim().to_owned());
    }
    Some((demo, lines))
}

/// `GET url` (`http://host:port/path`) over a plain socket: the response head and body.
async fn http_exchange(url: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    (head.to_owned(), body.to_owned())
}

/// `GET url`: the status line and the body.
async fn http_get(url: &str) -> (String, String) {
    let (head, body) = http_exchange(url).await;
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body)
}

#[tokio::test]
async fn the_demo_serves_metrics_on_their_own_address_and_the_inspector_with_a_token() {
    let Some((_demo, lines)) = start_demo_lines(5) else {
        return;
    };
    let find = |prefix: &str| {
        lines
            .iter()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {lines:?}"))
            .to_owned()
    };
    let url = find("Live demo listening on ");
    let metrics = find("Metrics: ");
    let inspector = find("Inspector: ");
    let (_, token) = inspector
        .split_once("#token=")
        .unwrap_or_else(|| panic!("no token in {inspector}"));
    assert!(token.len() >= 16, "{token}");

    let client = LiveClient::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = client.mount("LiveInspector", json!({})).await;
    assert!(refused.is_err(), "mounted the inspector without the token");
    let auth = client
        .request(json!({"type": "AUTH", "payload": {"inspectorToken": token}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(auth.get("success"), Some(&json!(true)), "{auth}");
    let mounted = client.mount("LiveInspector", json!({})).await;
    assert!(mounted.is_ok(), "{mounted:?}");

    let (status, body) = http_get(&metrics).await;
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("live_connections_opened_total 1"), "{body}");
    let public = url
        .trim_start_matches("ws://")
        .trim_end_matches("/api/live/ws");
    let (status, _) = http_get(&format!("http://{public}/metrics")).await;
    assert!(
        status.contains("404"),
        "metrics on the public address: {status}"
    );
    let (status, page) = http_get(&format!("http://{public}/live/inspector")).await;
    assert!(
        status.contains("200") && page.contains("LiveInspector"),
        "{status}"
    );
}

#[tokio::test]
async fn the_demo_serves_counter_and_shared_counter() {
    let Some((_demo, url)) = start_demo() else {
        return;
    };
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/api/live/ws"),
        "{url}"
    );

    let alice = LiveClient::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let counter = alice
        .mount("Counter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = alice.call(&counter.id, "add", json!({"by": 5})).await;
    assert_eq!(result.ok().flatten(), Some(json!(5)));
    assert_eq!(alice.state(&counter.id), Some(json!({"count": 5})));

    let bob = LiveClient::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shared_a = alice
        .mount("SharedCounter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shared_b = bob
        .mount("SharedCounter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shared_a.id, shared_b.id);
    alice
        .call(&shared_a.id, "increment", json!(null))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = bob
        .wait_for_state(&shared_b.id, |state| state.get("count") == Some(&json!(1)))
        .await;
    assert!(seen.is_ok(), "bob sees alice's increment");
}

#[tokio::test]
async fn the_demo_serves_its_page_at_the_root() {
    let Some((_demo, url)) = start_demo() else {
        return;
    };
    let addr = url
        .trim_start_matches("ws://")
        .trim_end_matches("/api/live/ws")
        .to_owned();
    let (head, body) = http_exchange(&format!("http://{addr}/")).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"),
        "{head}"
    );
    assert_eq!(body, demo::PAGE);
    assert!(body.starts_with("<!-- generated by clients/demo-page/build.mjs"));
    for id in ["counter-count", "shared-count", "chat-messages", "status"] {
        assert!(body.contains(&format!("data-testid=\"{id}\"")), "{id}");
    }
}

//! Runs the example the way docs/adapters.md does (with `LIVE_ADDR` on a free port): Live
//! and the app's own route are served side by side, and SIGTERM shuts down gracefully.

const BINARY: &str = env!("CARGO_BIN_EXE_example-axum");
const BANNER: &str = "Live axum example listening on ";

include!("../../shared/example_binary_check.rs");

/// One HTTP/1.1 request with a body; returns the status and the body.
fn request(addr: &str, method: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = exchange(addr, &request);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The `error` of a JSON error body.
fn error_of(body: &str) -> String {
    let value: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    value
        .get("error")
        .and_then(|error| error.as_str())
        .unwrap_or_else(|| panic!("no error in {body}"))
        .to_owned()
}

#[tokio::test]
async fn serves_the_demo_page_and_announces_to_the_chat() {
    let (_example, url) = start();
    let addr = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.strip_suffix("/api/live/ws"))
        .unwrap_or_else(|| panic!("unexpected url {url}"))
        .to_owned();
    let page = get(&addr, "/");
    let head: String = page.chars().take(200).collect();
    assert!(page.starts_with("HTTP/1.1 200"), "{head}");
    assert!(page.contains("<title>Live demo</title>"));

    let post = |content_type: &str, body: &str| {
        request(&addr, "POST", "/api/announce", content_type, body)
    };
    const JSON: &str = "application/json";
    // Nobody is in the chat yet: the handle does not create rooms.
    let (status, body) = post(JSON, r#"{"text":"too early"}"#);
    assert_eq!(status, 409, "{body}");
    assert!(
        error_of(&body).contains("nobody is in chat:general"),
        "{body}"
    );

    let client = LiveClient::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let chat = client
        .mount("LiveChat", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = post(JSON, r#"{"text":"  hi from the server  "}"#);
    assert_eq!(status, 200, "{body}");
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent.get("from"), Some(&json!("server")), "{body}");
    assert_eq!(
        sent.get("text"),
        Some(&json!("hi from the server")),
        "{body}"
    );
    let said = |state: &serde_json::Value| {
        state
            .get("messages")
            .and_then(|messages| messages.as_array())
            .is_some_and(|messages| {
                messages.iter().any(|message| {
                    message.get("from") == Some(&json!("server"))
                        && message.get("text") == Some(&json!("hi from the server"))
                })
            })
    };
    client
        .wait_for_state(&chat.id, said)
        .await
        .unwrap_or_else(|e| panic!("the announcement did not reach the chat: {e}"));

    let too_long = format!(r#"{{"text":"{}"}}"#, "x".repeat(501));
    for (content_type, body, expected) in [
        ("text/plain", r#"{"text":"hi"}"#, 415),
        (JSON, "hi", 400),
        (JSON, "{}", 400),
        (JSON, r#"{"text":5}"#, 400),
        (JSON, r#"{"text":"   "}"#, 400),
        (JSON, too_long.as_str(), 400),
    ] {
        let (status, answer) = post(content_type, body);
        assert_eq!(status, expected, "{content_type} {body}: {answer}");
        assert!(!error_of(&answer).is_empty(), "{answer}");
    }
    // 500 characters is the limit, not over it.
    let longest = format!(r#"{{"text":"{}"}}"#, "x".repeat(500));
    assert_eq!(post(JSON, &longest).0, 200);
}

//! The SSE and long-polling transports at the HTTP level (reference §16, docs/transports.md),
//! on every server: the wire format FluxStack's client reads, and the hostile cases —
//! missing, forged, stale and foreign tokens, a request after close, concurrent polls, an
//! oversize body (413) and an oversize frame (an `ERROR` frame), and a foreign origin (403).
//! The protocol itself over these transports is the conformance suite's.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use live::LiveServer;
use live_tests::transports::{Served, Transport};
use live_tests::{eventually, test_server, test_server_with};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// Bounds every wait.
const WAIT: Duration = Duration::from_secs(10);

/// Sends one request on a fresh connection; returns the response with its body unread.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> hyper::Response<Incoming> {
    let stream = match tokio::net::TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(error) => panic!("connect {addr}: {error}"),
    };
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
            Ok(pair) => pair,
            Err(error) => panic!("handshake: {error}"),
        };
    tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = match request.body(Full::new(body)) {
        Ok(request) => request,
        Err(error) => panic!("request: {error}"),
    };
    match tokio::time::timeout(WAIT + Duration::from_secs(20), sender.send_request(request)).await {
        Ok(Ok(response)) => response,
        other => panic!("{method} {path}: {other:?}"),
    }
}

/// Sends one request and reads the whole answer: status and body.
async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> (u16, Bytes) {
    let response = send(addr, method, path, headers, body.into()).await;
    let status = response.status().as_u16();
    match tokio::time::timeout(WAIT, response.into_body().collect()).await {
        Ok(Ok(body)) => (status, body.to_bytes()),
        other => panic!("{method} {path} body: {other:?}"),
    }
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|error| panic!("not JSON ({error}): {body:?}"))
}

/// Opens a long-polling session; returns its token.
async fn open_poll(addr: SocketAddr, headers: &[(&str, &str)]) -> String {
    let (status, body) = exchange(addr, "GET", "/api/live/http", headers, Bytes::new()).await;
    assert_eq!(status, 200, "GET /http");
    let token = json_of(&body)["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(token.len(), 64, "64 hex digits: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}

/// One poll's answer.
async fn poll(addr: SocketAddr, token: &str) -> (u16, Value) {
    let headers = [("x-live-session", token)];
    let (status, body) = exchange(addr, "GET", "/api/live/http/poll", &headers, Bytes::new()).await;
    let answer = if status == 200 {
        json_of(&body)
    } else {
        Value::Null
    };
    (status, answer)
}

/// POSTs one text frame to a session.
async fn post(addr: SocketAddr, path: &str, token: &str, frame: impl Into<Bytes>) -> u16 {
    let headers = [
        ("x-live-session", token),
        ("content-type", "application/json"),
    ];
    exchange(addr, "POST", path, &headers, frame).await.0
}

/// Polls until a frame whose JSON `type` is `kind` arrives; returns it.
async fn poll_for(addr: SocketAddr, token: &str, kind: &str) -> Value {
    for _ in 0..10 {
        let (status, answer) = poll(addr, token).await;
        assert_eq!(status, 200, "poll");
        for frame in answer["frames"].as_array().cloned().unwrap_or_default() {
            let text = frame["t"].as_str().unwrap_or_default();
            let objects = match serde_json::from_str(text) {
                Ok(Value::Array(objects)) => objects,
                Ok(object) => vec![object],
                Err(_) => continue,
            };
            if let Some(found) = objects.into_iter().find(|o| o["type"] == kind) {
                return found;
            }
        }
    }
    panic!("no {kind} frame");
}

async fn each_server(case: impl AsyncFn(Transport, Served)) {
    for t in Transport::ALL {
        case(t, t.serve(&test_server()).await).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polling_frames_are_t_or_b_and_the_first_poll_brings_connection_established() {
    each_server(async |t, served| {
        let addr = served.addr();
        let token = open_poll(addr, &[]).await;
        let (status, answer) = poll(addr, &token).await;
        assert_eq!(status, 200, "[{t}]");
        let frames = answer["frames"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            answer.as_object().map(|o| o.len()),
            Some(1),
            "[{t}] {answer}"
        );
        let first = frames.first().cloned().unwrap_or_default();
        assert_eq!(
            first.as_object().map(|o| o.len()),
            Some(1),
            "[{t}] exactly {{t}}: {first}"
        );
        let established = json_of(first["t"].as_str().unwrap_or_default().as_bytes());
        assert_eq!(established["type"], "CONNECTION_ESTABLISHED", "[{t}]");

        // An empty poll is held, not answered: a mount POSTed meanwhile ends it.
        let held = tokio::spawn(async move { poll(addr, &token).await.1 });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!held.is_finished(), "[{t}] an empty poll is held");
        held.abort();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_opens_with_the_session_event_then_connection_established() {
    each_server(async |t, served| {
        let response = send(served.addr(), "GET", "/api/live/sse", &[], Bytes::new()).await;
        assert_eq!(response.status(), 200, "[{t}]");
        let content_type = response.headers().get("content-type").cloned();
        assert_eq!(
            content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some("text/event-stream"),
            "[{t}]"
        );
        let mut body = response.into_body();
        let mut text = String::new();
        while !text.contains("CONNECTION_ESTABLISHED") {
            match tokio::time::timeout(WAIT, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        text.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                other => panic!("[{t}] stream ended early: {other:?} after {text:?}"),
            }
        }
        let (session, rest) = text.split_once("\n\n").unwrap_or_default();
        let token = session
            .strip_prefix("event: session\ndata: {\"token\":\"")
            .unwrap_or_default();
        assert!(
            token.len() == 66 && token.ends_with("\"}"),
            "[{t}] {session:?}"
        );
        assert!(
            rest.starts_with("event: message\ndata: {\"type\":\"CONNECTION_ESTABLISHED\""),
            "[{t}] {rest:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_forged_foreign_and_stale_tokens_are_refused() {
    each_server(async |t, served| {
        let addr = served.addr();
        let frame = r#"{"type":"PING"}"#;
        assert_eq!(
            exchange(addr, "POST", "/api/live/http/send", &[], frame)
                .await
                .0,
            401,
            "[{t}] no token"
        );
        assert_eq!(
            post(addr, "/api/live/http/send", "abc", frame).await,
            401,
            "[{t}] malformed"
        );
        let forged = "0123456789abcdef".repeat(4);
        assert_eq!(
            post(addr, "/api/live/http/send", &forged, frame).await,
            404,
            "[{t}] forged"
        );
        assert_eq!(poll(addr, &forged).await.0, 404, "[{t}] forged poll");

        let token = open_poll(addr, &[]).await;
        assert_eq!(
            post(addr, "/api/live/sse/send", &token, frame).await,
            404,
            "[{t}] other transport's token"
        );
        assert_eq!(
            post(addr, "/api/live/http/send", &token, frame).await,
            204,
            "[{t}]"
        );
        assert_eq!(
            exchange(
                addr,
                "GET",
                "/api/live/http/send",
                &[("x-live-session", &token)],
                ""
            )
            .await
            .0,
            405,
            "[{t}]"
        );

        // Closed: the last poll brings the close, then the token is gone for good.
        assert_eq!(
            post(addr, "/api/live/http/close", &token, "").await,
            204,
            "[{t}] close"
        );
        let closed = loop {
            let (status, answer) = poll(addr, &token).await;
            assert_eq!(status, 200, "[{t}] {answer}");
            if !answer["closed"].is_null() {
                break answer["closed"].clone();
            }
        };
        assert_eq!(closed["code"], 1000, "[{t}] {closed}");
        eventually(&format!("[{t}] session retired"), || async {
            poll(addr, &token).await.0 == 410
        })
        .await;
        assert_eq!(
            post(addr, "/api/live/http/send", &token, frame).await,
            410,
            "[{t}] POST after close"
        );
        eventually(&format!("[{t}] connection released"), || async {
            served.stats().await.connections == 0
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_poll_replaces_a_waiting_one() {
    each_server(async |t, served| {
        let addr = served.addr();
        let token = open_poll(addr, &[]).await;
        poll_for(addr, &token, "CONNECTION_ESTABLISHED").await;
        let first = tokio::spawn({
            let token = token.clone();
            async move { poll(addr, &token).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let second = tokio::spawn({
            let token = token.clone();
            async move { poll(addr, &token).await }
        });
        let replaced = tokio::time::timeout(WAIT, first).await;
        let Ok(Ok((200, replaced))) = replaced else {
            panic!("[{t}] the waiting poll was not answered: {replaced:?}");
        };
        assert_eq!(replaced, json!({"frames": []}), "[{t}]");
        let mount = json!({"type": "COMPONENT_MOUNT", "requestId": "m", "expectResponse": true, "payload": {"component": "Counter"}});
        assert_eq!(post(addr, "/api/live/http/send", &token, mount.to_string()).await, 204, "[{t}]");
        let answered = tokio::time::timeout(WAIT, second).await;
        let Ok(Ok((200, answer))) = answered else {
            panic!("[{t}] the newer poll got nothing: {answered:?}");
        };
        let text = answer["frames"][0]["t"].as_str().unwrap_or_default();
        assert!(text.contains("STATE_UPDATE"), "[{t}] {answer}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_body_gets_413_and_an_oversize_frame_an_error_frame() {
    for t in Transport::ALL {
        let served = t
            .serve(&test_server_with(
                LiveServer::builder().max_message_bytes(1024),
            ))
            .await;
        let addr = served.addr();
        let token = open_poll(addr, &[]).await;
        poll_for(addr, &token, "CONNECTION_ESTABLISHED").await;
        let huge = format!(r#"{{"type":"PING","pad":"{}"}}"#, "x".repeat(4096));
        assert_eq!(
            post(addr, "/api/live/http/send", &token, huge).await,
            413,
            "[{t}] past the hard cap"
        );
        let big = format!(r#"{{"type":"PING","pad":"{}"}}"#, "x".repeat(1500));
        assert_eq!(
            post(addr, "/api/live/http/send", &token, big).await,
            204,
            "[{t}]"
        );
        let error = poll_for(addr, &token, "ERROR").await;
        assert_eq!(
            error,
            json!({"type": "ERROR", "error": "Message too large"}),
            "[{t}]"
        );
        let nope = r#"{"type":"NOPE"}"#;
        assert_eq!(
            post(addr, "/api/live/http/send", &token, nope).await,
            204,
            "[{t}]"
        );
        let reply = poll_for(addr, &token, "MESSAGE_RESPONSE").await;
        assert_eq!(
            reply["error"], "Unknown message type",
            "[{t}] the session still works"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_origin_gets_403() {
    for t in Transport::ALL {
        let server = test_server_with(LiveServer::builder().allowed_origins(["http://good.test"]));
        let served = t.serve(&server).await;
        let addr = served.addr();
        let evil = [("origin", "http://evil.test")];
        for path in ["/api/live/sse", "/api/live/http"] {
            let (status, _) = exchange(addr, "GET", path, &evil, "").await;
            assert_eq!(status, 403, "[{t}] {path}");
        }
        // Browsers leave `Origin` out of same-origin GETs: such a session is opened, and a
        // POST to it from a foreign page is refused.
        let same_origin = open_poll(addr, &[]).await;
        let headers = [
            ("x-live-session", same_origin.as_str()),
            ("origin", "http://evil.test"),
        ];
        let (status, _) = exchange(addr, "POST", "/api/live/http/close", &headers, "").await;
        assert_eq!(status, 403, "[{t}] a foreign POST to a same-origin session");
        let token = open_poll(addr, &[("origin", "http://good.test")]).await;
        let frame = r#"{"type":"PING"}"#;
        let headers = [
            ("x-live-session", token.as_str()),
            ("origin", "http://evil.test"),
        ];
        let (status, _) = exchange(addr, "POST", "/api/live/http/send", &headers, frame).await;
        assert_eq!(
            status, 403,
            "[{t}] a POST from another origin than the session's"
        );
        let headers = [
            ("x-live-session", token.as_str()),
            ("origin", "http://good.test"),
        ];
        let (status, _) = exchange(addr, "POST", "/api/live/http/send", &headers, frame).await;
        assert_eq!(status, 204, "[{t}]");
        // A session is counted when its task first runs, which may be after its open was
        // answered; the refused requests never start one.
        eventually(&format!("[{t}] both allowed sessions counted"), || async {
            served.stats().await.connections >= 2
        })
        .await;
        assert_eq!(
            served.stats().await.connections,
            2,
            "[{t}] only the allowed sessions"
        );
    }
}

/// The hyper-based servers notice a dropped event stream at once; actix-web only at the next
/// write (the `: ping` at most 15 s later), see docs/transports.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_event_stream_ends_the_session() {
    for t in [Transport::Standalone, Transport::Axum] {
        let served = t.serve(&test_server()).await;
        let response = send(served.addr(), "GET", "/api/live/sse", &[], Bytes::new()).await;
        assert_eq!(response.status(), 200, "[{t}]");
        eventually(&format!("[{t}] session open"), || async {
            served.stats().await.connections == 1
        })
        .await;
        drop(response);
        eventually(&format!("[{t}] session closed"), || async {
            served.stats().await.connections == 0
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_transports_can_be_turned_off() {
    for t in Transport::ALL {
        let server = test_server_with(LiveServer::builder().http_transports(false));
        let served = t.serve(&server).await;
        for path in ["/api/live/sse", "/api/live/http"] {
            let (status, _) = exchange(served.addr(), "GET", path, &[], "").await;
            assert_eq!(status, 404, "[{t}] {path}");
        }
    }
}

/// The servers close a kept-alive connection idle past the handshake timeout; the client's
/// next POST then goes on a fresh connection and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_after_an_idle_keep_alive_timeout_still_arrive() {
    use live::client::LiveClient;
    use live_tests::transports::Wire;
    let server =
        test_server_with(LiveServer::builder().handshake_timeout(Duration::from_millis(200)));
    let served = Transport::Standalone.serve(&server).await;
    for wire in [Wire::Sse, Wire::LongPolling] {
        let client = match LiveClient::connect_over(&served.url(), wire, &[]).await {
            Ok(client) => client,
            Err(error) => panic!("[{wire:?}] connect: {error}"),
        };
        let counter = live_tests::mount(&client, "Counter").await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let added = client.call(&counter, "add", json!({"by": 3})).await;
        assert_eq!(added.ok().flatten(), Some(json!(3)), "[{wire:?}]");
    }
}

//! Static pages (`LiveServerBuilder::static_page`): the page on GET and HEAD, 404 elsewhere,
//! the WebSocket endpoint unaffected, and heads that are too slow or too large are cut off
//! (standalone server); the same routes under axum and actix-web.

use live::client::LiveClient;
use live::{LiveConfig, LiveServer, LiveServerBuilder, RunningServer};
use live_tests::transports::Transport;
use live_tests::{start, test_server_with};
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PAGE: &str = "<!doctype html><title>t</title><p>Grüße</p>";

fn with_page(builder: LiveServerBuilder) -> LiveServer {
    test_server_with(builder.static_page("/", "text/html; charset=utf-8", PAGE))
}

async fn serve_page() -> RunningServer {
    start(&with_page(LiveServer::builder())).await
}

async fn connect(addr: SocketAddr) -> TcpStream {
    match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(error) => panic!("connect {addr}: {error}"),
    }
}

/// Sends `request` and reads the whole response (the server closes after answering).
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = connect(addr).await;
    if let Err(error) = stream.write_all(request).await {
        panic!("write: {error}");
    }
    let mut response = Vec::new();
    match tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await {
        Ok(Ok(_)) => String::from_utf8_lossy(&response).into_owned(),
        Ok(Err(error)) => panic!("read: {error}"),
        Err(_) => panic!("no response (or the connection was not closed)"),
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn the_page_is_served_on_get_and_head_with_its_headers() {
    let running = serve_page().await;
    let addr = running.local_addr();
    for path in ["/", "/?from=test"] {
        let response = exchange(addr, &get(path)).await;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        let headers: Vec<&str> = head.lines().skip(1).collect();
        for expected in [
            "Content-Type: text/html; charset=utf-8".to_owned(),
            format!("Content-Length: {}", PAGE.len()),
            "Cache-Control: no-cache".to_owned(),
            "Connection: close".to_owned(),
        ] {
            assert!(headers.contains(&expected.as_str()), "{expected} in {head}");
        }
        assert_eq!(body, PAGE);
    }
    let head = exchange(addr, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nContent-Length: {}\r\n", PAGE.len())),
        "{head}"
    );
    assert!(head.ends_with("\r\n\r\n"), "no body for HEAD: {head}");
}

#[tokio::test]
async fn other_paths_and_methods_are_refused() {
    let running = serve_page().await;
    let addr = running.local_addr();
    for path in ["/index.html", "/favicon.ico", "/api/live", "/api/live/ws/x"] {
        let response = exchange(addr, &get(path)).await;
        assert!(
            response.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{path}: {response}"
        );
        assert!(
            response.ends_with("\r\n\r\nNot found\n"),
            "{path}: {response}"
        );
    }
    let post = exchange(addr, b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    assert!(post.contains("\r\nAllow: GET, HEAD\r\n"), "{post}");
    let plain = exchange(addr, &get("/api/live/ws")).await;
    assert!(plain.starts_with("HTTP/1.1 426 "), "{plain}");
    let garbage = exchange(addr, b"\x16\x03\x01 hello\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400 "), "{garbage}");
    // A WebSocket upgrade on another path is refused too.
    let ws = format!("ws://{addr}/");
    assert!(
        LiveClient::connect(&ws).await.is_err(),
        "{ws} must not upgrade"
    );
}

#[tokio::test]
async fn the_websocket_endpoint_works_next_to_the_page() {
    let running = serve_page().await;
    let client = match LiveClient::connect(&running.url()).await {
        Ok(client) => client.with_timeout(Duration::from_secs(10)),
        Err(error) => panic!("connect: {error}"),
    };
    let counter = match client.mount("Counter", json!({})).await {
        Ok(counter) => counter,
        Err(error) => panic!("mount: {error}"),
    };
    // A page request while the socket is open does not disturb it.
    let page = exchange(running.local_addr(), &get("/")).await;
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    let added = client.call(&counter.id, "add", json!({"by": 2})).await;
    assert_eq!(added.ok().flatten(), Some(json!(2)));
    assert_eq!(running.stats().await.connections, 1);
}

#[tokio::test]
async fn a_server_without_pages_serves_only_the_websocket() {
    let running = start(&test_server_with(LiveServer::builder())).await;
    let response = exchange(running.local_addr(), &get("/")).await;
    assert!(response.starts_with("HTTP/1.1 404 "), "{response}");
    let client = LiveClient::connect(&running.url()).await;
    assert!(client.is_ok(), "the WebSocket endpoint works");
}

/// Returns how long the server took to close a connection that never finishes its head.
async fn closed_after(
    addr: SocketAddr,
    mut dribble: impl FnMut(u32) -> Option<&'static [u8]>,
) -> Duration {
    let mut stream = connect(addr).await;
    let started = Instant::now();
    let mut tick = 0;
    let mut buffer = [0u8; 256];
    loop {
        if let Some(bytes) = dribble(tick) {
            // The write fails once the server has closed; the read below notices that.
            let _ = stream.write_all(bytes).await;
        }
        tick += 1;
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(read)) => panic!(
                "unexpected response: {:?}",
                String::from_utf8_lossy(buffer.get(..read).unwrap_or_default())
            ),
            Err(_) => {}
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never closed");
    }
}

#[tokio::test]
async fn a_slow_or_silent_head_is_cut_off_at_the_handshake_timeout() {
    let mut config = LiveConfig::default();
    config.handshake_timeout = Duration::from_millis(300);
    let running = start(&with_page(LiveServer::builder().config(config))).await;
    let addr = running.local_addr();

    // Slowloris: a header byte every 50 ms, never the blank line.
    let slow = closed_after(addr, |tick| {
        Some(if tick == 0 {
            &b"GET / HTTP/1.1\r\n"[..]
        } else {
            b"X"
        })
    })
    .await;
    assert!(
        slow >= Duration::from_millis(250),
        "closed too early: {slow:?}"
    );
    assert!(slow < Duration::from_secs(3), "closed too late: {slow:?}");

    let silent = closed_after(addr, |_| None).await;
    assert!(
        silent < Duration::from_secs(3),
        "closed too late: {silent:?}"
    );

    // The server still serves.
    let page = exchange(addr, &get("/")).await;
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
}

#[tokio::test]
async fn an_oversized_head_is_refused_with_431() {
    let running = serve_page().await;
    let mut request = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    while request.len() < 64 * 1024 {
        request.extend_from_slice(b"X-Filler: 0123456789012345678901234567890123456789\r\n");
    }
    request.extend_from_slice(b"\r\n");
    let response = exchange(running.local_addr(), &request).await;
    assert!(
        response.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{response}"
    );
    // Just under the limit is fine.
    let mut request = b"GET / HTTP/1.1\r\n".to_vec();
    while request.len() < 15 * 1024 {
        request.extend_from_slice(b"X-Filler: 0123456789012345678901234567890123456789\r\n");
    }
    request.extend_from_slice(b"\r\n");
    let response = exchange(running.local_addr(), &request).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
}

#[test]
fn build_refuses_unusable_pages() {
    let html = "text/html";
    for (path, content_type) in [
        ("/api/live/ws", html),
        ("/api/live/sse", html),
        ("/api/live/http/poll", html),
        ("index.html", html),
        ("/a b", html),
        ("/a?b", html),
        ("/\n", html),
        ("/", "text/html\r\nSet-Cookie: x=1"),
        ("/", ""),
    ] {
        let built = LiveServer::builder()
            .static_page(path, content_type, "x")
            .build();
        assert!(built.is_err(), "{path:?} {content_type:?} must be refused");
    }
    let ok = LiveServer::builder()
        .static_page("/", html, "a")
        .static_page("/about", html, "b")
        .build();
    assert!(ok.is_ok());
    let without_http_transports = LiveServer::builder()
        .http_transports(false)
        .static_page("/api/live/sse", html, "a")
        .build();
    assert!(without_http_transports.is_ok());
}

/// The head's header lines, lowercased (the frameworks write lowercase names), and the body.
fn lowercase_head(response: &str) -> (Vec<String>, &str) {
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    let lines = head.lines().map(str::to_ascii_lowercase).collect();
    (lines, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_serves_the_pages_through_the_same_routes() {
    for transport in Transport::ALL {
        let served = transport.serve(&with_page(LiveServer::builder())).await;
        let addr = served.addr();
        // The frameworks keep connections alive unless the client closes.
        let request = |method: &str, path: &str| {
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
        };

        let page = exchange(addr, &request("GET", "/?from=test")).await;
        let (head, body) = lowercase_head(&page);
        assert_eq!(
            head.first().map(String::as_str),
            Some("http/1.1 200 ok"),
            "[{transport}] {page}"
        );
        for expected in [
            "content-type: text/html; charset=utf-8".to_owned(),
            format!("content-length: {}", PAGE.len()),
            "cache-control: no-cache".to_owned(),
            "x-content-type-options: nosniff".to_owned(),
        ] {
            assert!(
                head.contains(&expected),
                "[{transport}] {expected} in {page}"
            );
        }
        assert_eq!(body, PAGE, "[{transport}]");

        let head_only = exchange(addr, &request("HEAD", "/")).await;
        let (head, body) = lowercase_head(&head_only);
        assert_eq!(
            head.first().map(String::as_str),
            Some("http/1.1 200 ok"),
            "[{transport}] {head_only}"
        );
        let length = format!("content-length: {}", PAGE.len());
        assert!(head.contains(&length), "[{transport}] {head_only}");
        assert_eq!(body, "", "[{transport}] no body for HEAD");

        let post = exchange(addr, &request("POST", "/")).await;
        let (head, _) = lowercase_head(&post);
        assert!(post.starts_with("HTTP/1.1 405 "), "[{transport}] {post}");
        assert!(
            head.contains(&"allow: get, head".to_owned()),
            "[{transport}] {post}"
        );

        let missing = exchange(addr, &request("GET", "/missing")).await;
        assert!(
            missing.starts_with("HTTP/1.1 404 "),
            "[{transport}] {missing}"
        );
        assert!(
            missing.ends_with("\r\n\r\nNot found\n"),
            "[{transport}] {missing}"
        );

        // The WebSocket endpoint is unaffected.
        let client = served.connect().await;
        let counter = match client.mount("Counter", json!({})).await {
            Ok(counter) => counter,
            Err(error) => panic!("[{transport}] mount: {error}"),
        };
        let added = client.call(&counter.id, "add", json!({"by": 2})).await;
        assert_eq!(added.ok().flatten(), Some(json!(2)), "[{transport}]");
        drop(client);
        served.shutdown().await;
    }
}

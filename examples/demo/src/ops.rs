//! What the demo gives operators: its Prometheus metrics on an address of their own (not
//! the public one), and the inspector's token.

use live::LiveServer;
use rand::distr::{Alphanumeric, SampleString};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The inspector token: `LIVE_INSPECTOR_TOKEN`, else 24 random characters.
pub fn inspector_token() -> String {
    std::env::var("LIVE_INSPECTOR_TOKEN")
        .ok()
        .filter(|token| !token.is_empty())
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::rng(), 24))
}

/// Binds `addr` and answers `GET /metrics` there with `server`'s metrics (everything else:
/// 404), in the background. Returns the bound address.
pub async fn serve_metrics(server: LiveServer, addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let server = server.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), answer(stream, &server)).await;
            });
        }
    });
    Ok(bound)
}

/// One request, one response, then the connection closes.
async fn answer(mut stream: TcpStream, server: &LiveServer) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 8192 {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(buffer.get(..read).unwrap_or_default());
    }
    let (status, content_type, body) = if head.starts_with(b"GET /metrics ") {
        let body = server.render_metrics();
        ("200 OK", "text/plain; version=0.0.4; charset=utf-8", body)
    } else {
        (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "Not found\n".to_owned(),
        )
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

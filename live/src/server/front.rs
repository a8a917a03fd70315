//! The standalone server's front door: it reads the HTTP request head itself (bounded in
//! size; the caller bounds it in time), answers static pages and errors, and hands
//! WebSocket upgrades on the Live path to tungstenite together with the bytes it already
//! read.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// Largest request head (request line plus headers) accepted, in bytes; a longer one is
/// answered with 431 and the connection closed.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;

/// After answering, how long the server keeps reading (and discarding) what the client
/// still sends, so that closing does not reset the connection before the client has read
/// the response.
const LINGER: Duration = Duration::from_secs(1);

/// At most this much is discarded while lingering.
const LINGER_BYTES: usize = 64 * 1024;

/// A page served on `GET` and `HEAD` of one exact path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StaticPage {
    /// The `Content-Type` header.
    pub(crate) content_type: &'static str,
    /// The response body.
    pub(crate) body: &'static str,
}

/// The registered pages by exact path (the query string is ignored when matching).
pub(crate) type Pages = HashMap<String, StaticPage>;

/// What became of a connection once its request head was read.
#[derive(Debug)]
pub(crate) enum Routed<S> {
    /// A WebSocket upgrade request on the Live path: the stream replays the head.
    Upgrade(Replay<S>),
    /// Answered (a page or an error status) or dropped; nothing left to do.
    Done,
}

/// Reads one request head from `stream` and routes it: a WebSocket upgrade on `live_path`
/// is returned for the WebSocket handshake, `GET`/`HEAD` on a page path gets the page,
/// anything else an error status (400, 404, 405, 426, 431). The caller puts a deadline on
/// the whole; reading the head has none of its own.
pub(crate) async fn route<S>(mut stream: S, live_path: &str, pages: &Pages) -> Routed<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (buffer, head_len) = match read_head(&mut stream).await {
        Ok(read) => read,
        Err(HeadError::TooLarge) => {
            let text = "Request header fields too large\n";
            let response = error_response("431 Request Header Fields Too Large", text, &[]);
            answer(stream, &response).await;
            return Routed::Done;
        }
        Err(HeadError::Closed) => return Routed::Done,
    };
    let head = buffer.get(..head_len).and_then(parse_head);
    let response = match head {
        None => error_response("400 Bad Request", "Bad request\n", &[]),
        Some(head) if head.path == live_path => {
            if head.websocket_upgrade {
                return Routed::Upgrade(Replay::new(buffer, stream));
            }
            error_response(
                "426 Upgrade Required",
                "This is a WebSocket endpoint\n",
                &[("Upgrade", "websocket"), ("Connection", "Upgrade, close")],
            )
        }
        Some(head) => match pages.get(head.path) {
            Some(page) if head.method == "GET" || head.method == "HEAD" => {
                page_response(page, head.method == "HEAD")
            }
            Some(_) => error_response(
                "405 Method Not Allowed",
                "Method not allowed\n",
                &[("Allow", "GET, HEAD")],
            ),
            None => error_response("404 Not Found", "Not found\n", &[]),
        },
    };
    answer(stream, &response).await;
    Routed::Done
}

#[derive(Debug, PartialEq, Eq)]
enum HeadError {
    /// No end of head within [`MAX_HEAD_BYTES`].
    TooLarge,
    /// The client closed (or the socket failed) before the head was complete.
    Closed,
}

/// Reads until the blank line that ends the head. Returns everything read (which may go
/// past the head) and the head's length.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<(Vec<u8>, usize), HeadError> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let searched = buffer.len();
        let read = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Err(HeadError::Closed),
            Ok(read) => read,
        };
        buffer.extend_from_slice(chunk.get(..read).unwrap_or_default());
        // The terminator may straddle the previous read: look back three bytes.
        if let Some(end) = head_end(&buffer, searched.saturating_sub(3)) {
            return if end <= MAX_HEAD_BYTES {
                Ok((buffer, end))
            } else {
                Err(HeadError::TooLarge)
            };
        }
        if buffer.len() >= MAX_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

/// The length of the head in `buffer` (up to and including its blank line: `\r\n\r\n`, or
/// a bare `\n\n` as lenient parsers accept), searching from `from`.
fn head_end(buffer: &[u8], from: usize) -> Option<usize> {
    let tail = buffer.get(from..)?;
    tail.iter().enumerate().find_map(|(at, byte)| {
        if *byte != b'\n' {
            return None;
        }
        let upto = tail.get(..at)?;
        (upto.ends_with(b"\n") || upto.ends_with(b"\n\r")).then_some(from + at + 1)
    })
}

/// The parts of a request head that routing needs.
#[derive(Debug, PartialEq, Eq)]
struct Head<'a> {
    method: &'a str,
    /// The target without its query string.
    path: &'a str,
    /// An `Upgrade` header naming `websocket`.
    websocket_upgrade: bool,
}

/// Parses `METHOD SP origin-form-target SP HTTP/1.x` and looks for `Upgrade: websocket`.
/// Empty lines before the request line are skipped (RFC 9112 §2.2). `None` for anything
/// malformed.
fn parse_head(head: &[u8]) -> Option<Head<'_>> {
    let mut lines = head
        .split(|byte| *byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .skip_while(|line| line.is_empty());
    let request_line = std::str::from_utf8(lines.next()?).ok()?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = parts.next().is_none()
        && !method.is_empty()
        && method.bytes().all(|byte| byte.is_ascii_alphabetic())
        && target.starts_with('/')
        && matches!(version, "HTTP/1.0" | "HTTP/1.1");
    if !well_formed {
        return None;
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let websocket_upgrade = lines.any(|line| {
        let Some(colon) = line.iter().position(|byte| *byte == b':') else {
            return false;
        };
        let (name, value) = line.split_at(colon);
        name.trim_ascii().eq_ignore_ascii_case(b"upgrade")
            && value
                .get(1..)
                .unwrap_or_default()
                .split(|byte| *byte == b',')
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"websocket"))
    });
    Some(Head {
        method,
        path,
        websocket_upgrade,
    })
}

/// `200 OK` with the page (no body for `HEAD`).
fn page_response(page: &StaticPage, head_only: bool) -> Vec<u8> {
    response(
        "200 OK",
        page.content_type,
        page.body.as_bytes(),
        &[],
        head_only,
    )
}

/// An error status with a short plain-text body.
fn error_response(status: &str, text: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    response(
        status,
        "text/plain; charset=utf-8",
        text.as_bytes(),
        extra,
        false,
    )
}

fn response(
    status: &str,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
    head_only: bool,
) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n",
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !extra.iter().any(|(name, _)| *name == "Connection") {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Writes `response`, half-closes, and drains what the client still sends (bounded) before
/// the socket is dropped.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, response: &[u8]) {
    if stream.write_all(response).await.is_err() || stream.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut chunk = [0u8; 2048];
        let mut left = LINGER_BYTES;
        while left > 0 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => left = left.saturating_sub(read),
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// A stream that first yields bytes already read from it (the request head), then reads
/// on; writes go straight through. This is how the head read for routing reaches the
/// WebSocket handshake.
#[derive(Debug)]
pub(crate) struct Replay<S> {
    prefix: Vec<u8>,
    consumed: usize,
    inner: S,
}

impl<S> Replay<S> {
    fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            consumed: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let rest = this.prefix.get(this.consumed..).unwrap_or_default();
        if rest.is_empty() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let take = rest.len().min(buf.remaining());
        buf.put_slice(rest.get(..take).unwrap_or_default());
        this.consumed += take;
        if this.consumed == this.prefix.len() {
            // Replayed in full: free the buffer for the rest of the connection.
            this.prefix = Vec::new();
            this.consumed = 0;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    fn page() -> Pages {
        let mut pages = Pages::new();
        pages.insert(
            "/".to_owned(),
            StaticPage {
                content_type: "text/html; charset=utf-8",
                body: "<p>hi</p>",
            },
        );
        pages
    }

    /// Sends `request` through `route` and returns what the server wrote, and whether it
    /// routed to the WebSocket handshake.
    async fn exchange(request: &[u8]) -> (String, bool) {
        let (mut client, server) = duplex(64 * 1024);
        let pages = page();
        let routing = tokio::spawn(async move {
            matches!(
                route(server, "/api/live/ws", &pages).await,
                Routed::Upgrade(_)
            )
        });
        let _ = client.write_all(request).await;
        // Ends when the server half-closes after answering, or drops an upgraded stream.
        let mut written = Vec::new();
        let _ = client.read_to_end(&mut written).await;
        drop(client);
        let upgraded = routing.await.unwrap_or(false);
        (String::from_utf8_lossy(&written).into_owned(), upgraded)
    }

    #[test]
    fn head_end_finds_crlf_and_bare_lf_terminators() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nrest", 0), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nrest", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n", 0), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\n", 15), Some(18));
    }

    #[test]
    fn parse_head_reads_the_request_line_and_the_upgrade_header() {
        let head = parse_head(b"\r\nGET /a?b=1 HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n\r\n");
        assert_eq!(
            head,
            Some(Head {
                method: "GET",
                path: "/a",
                websocket_upgrade: true
            })
        );
        let list = parse_head(b"GET / HTTP/1.1\r\nupgrade : h2c, websocket\r\n\r\n");
        assert!(list.is_some_and(|head| head.websocket_upgrade));
        let plain = parse_head(b"GET / HTTP/1.0\r\nX-Upgrade: websocket\r\n\r\n");
        assert!(plain.is_some_and(|head| !head.websocket_upgrade));
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GET / HTTP/2\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"G3T / HTTP/1.1\r\n\r\n",
            b"\xff / HTTP/1.1\r\n\r\n",
            b"\r\n\r\n",
        ] {
            assert_eq!(parse_head(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[tokio::test]
    async fn pages_errors_and_upgrades_are_routed() {
        let (ok, _) = exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(
            ok.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"),
            "{ok}"
        );
        assert!(ok.contains("\r\nContent-Length: 9\r\n"), "{ok}");
        assert!(ok.contains("\r\nCache-Control: no-cache\r\n"), "{ok}");
        assert!(ok.contains("\r\nConnection: close\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\n<p>hi</p>"), "{ok}");

        let (head, _) = exchange(b"HEAD /?x=1 HTTP/1.1\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("\r\nContent-Length: 9\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");

        let (missing, _) = exchange(b"GET /nope HTTP/1.1\r\n\r\n").await;
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{missing}"
        );
        let (post, _) = exchange(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
        assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
        assert!(post.contains("\r\nAllow: GET, HEAD\r\n"), "{post}");
        let (bad, _) = exchange(b"hello\r\n\r\n").await;
        assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
        let (plain, _) = exchange(b"GET /api/live/ws HTTP/1.1\r\n\r\n").await;
        assert!(plain.starts_with("HTTP/1.1 426 "), "{plain}");

        let (_, upgraded) =
            exchange(b"GET /api/live/ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").await;
        assert!(upgraded);
        let (other, upgraded) = exchange(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").await;
        assert!(!upgraded);
        assert!(other.starts_with("HTTP/1.1 404 "), "{other}");
    }

    #[tokio::test]
    async fn an_oversized_head_gets_431() {
        let mut request = b"GET / HTTP/1.1\r\n".to_vec();
        while request.len() <= MAX_HEAD_BYTES {
            request.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        let (response, _) = exchange(&request).await;
        assert!(response.starts_with("HTTP/1.1 431 "), "{response}");
    }

    #[tokio::test]
    async fn replay_yields_the_prefix_then_the_stream() {
        let (mut client, server) = duplex(1024);
        let mut replay = Replay::new(b"abc".to_vec(), server);
        let mut first = [0u8; 2];
        assert_eq!(replay.read(&mut first).await.ok(), Some(2));
        assert_eq!(&first, b"ab");
        assert!(client.write_all(b"def").await.is_ok());
        drop(client.shutdown().await);
        let mut rest = Vec::new();
        assert!(replay.read_to_end(&mut rest).await.is_ok());
        assert_eq!(rest, b"cdef");
    }
}

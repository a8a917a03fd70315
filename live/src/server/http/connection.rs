//! The standalone server's HTTP/1 connection, on hyper, with keep-alive: pages and errors
//! come from the shared routes, the SSE and long-polling endpoints from `server::fallback`
//! (held and streamed responses), and a WebSocket handshake on the Live path is answered
//! with 101 and the socket handed back for tokio-tungstenite.

use super::Pages;
use crate::server::fallback::{self, Endpoint, Fallback, Incoming, Reply};
use crate::upload::LocalDirStore;
use ::http::header::{CONNECTION, CONTENT_LENGTH, ORIGIN, UPGRADE};
use ::http::{HeaderMap, Request, Response, StatusCode};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming as IncomingBody};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::server::create_response;

/// Largest request head (request line plus headers) accepted, in bytes: hyper's read buffer
/// limit. A longer head is answered with 431.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most header lines accepted (431 beyond). hyper's default of 100 is far below what fits in
/// [`MAX_HEAD_BYTES`]; the head's size is the limit that matters.
const MAX_HEADERS: usize = 1024;

/// After answering, how long the server keeps reading (and discarding) what the client
/// still sends, so that closing does not reset the connection before the client has read
/// the response.
const LINGER: Duration = Duration::from_secs(1);

/// At most this much is discarded while lingering.
const LINGER_BYTES: usize = 64 * 1024;

/// A socket whose WebSocket handshake was answered with 101.
#[derive(Debug)]
pub(crate) struct Upgraded {
    pub(crate) stream: TcpStream,
    /// What the client sent after its request head: the first WebSocket bytes.
    pub(crate) read_ahead: Vec<u8>,
    /// The upgrade request's `Origin` header.
    pub(crate) origin: Option<String>,
}

/// What a connection serves besides pages.
#[derive(Debug, Clone)]
pub(crate) struct Routes<'a> {
    /// The WebSocket path.
    pub(crate) live_path: &'a str,
    pub(crate) pages: &'a Pages,
    pub(crate) fallback: &'a Arc<Fallback>,
    /// The default upload store, served at its URL path.
    pub(crate) uploads: Option<&'a LocalDirStore>,
    /// How long a client may take to send a request head (idle keep-alive included).
    pub(crate) head_timeout: Duration,
}

/// Serves requests on `stream` until the client closes, idles past the head timeout, or a
/// valid WebSocket handshake on the Live path comes back as [`Upgraded`]. Pages, errors
/// (400, 404, 405, 426, 431) and the SSE and long-polling endpoints are answered on the way.
/// When `shutdown` flips, and once the SSE and long-polling sessions have handed their
/// close to their clients, the connection finishes its response in flight and closes.
pub(crate) async fn serve(
    stream: TcpStream,
    routes: Routes<'_>,
    mut shutdown: watch::Receiver<bool>,
) -> Option<Upgraded> {
    let front = Front {
        live_path: routes.live_path,
        pages: routes.pages,
        fallback: routes.fallback,
        uploads: routes.uploads,
        shutdown: shutdown.clone(),
        switched: Cell::new(None),
    };
    let mut connection = http1::Builder::new()
        .title_case_headers(true)
        .auto_date_header(false)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        .timer(TokioTimer::new())
        .header_read_timeout(routes.head_timeout)
        .serve_connection(TokioIo::new(stream), front);
    // Without shutdown: the socket comes back, for the WebSocket or for lingering.
    let served = tokio::select! {
        served = poll_fn(|cx| connection.poll_without_shutdown(cx)) => served,
        () = async {
            crate::runtime::transport::stopped(&mut shutdown).await;
            routes.fallback.drained().await;
        } => {
            Pin::new(&mut connection).graceful_shutdown();
            poll_fn(|cx| connection.poll_without_shutdown(cx)).await
        }
    };
    if let Err(error) = served {
        tracing::debug!(%error, "http connection failed");
    }
    let parts = connection.into_parts();
    let stream = parts.io.into_inner();
    match parts.service.switched.take() {
        Some(Switched { origin }) => Some(Upgraded {
            stream,
            read_ahead: parts.read_buf.to_vec(),
            origin,
        }),
        None => {
            linger(stream).await;
            None
        }
    }
}

/// A response body: whole, or streamed (SSE).
type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The request handler hyper calls.
struct Front<'a> {
    live_path: &'a str,
    pages: &'a Pages,
    fallback: &'a Arc<Fallback>,
    /// The default upload store, served at its URL path.
    uploads: Option<&'a LocalDirStore>,
    shutdown: watch::Receiver<bool>,
    /// Set once a handshake was answered with 101.
    switched: Cell<Option<Switched>>,
}

/// What the connection keeps of a handshake answered with 101.
struct Switched {
    /// The request's `Origin` header.
    origin: Option<String>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl Service<Request<IncomingBody>> for Front<'_> {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<IncomingBody>) -> Self::Future {
        let path = request.uri().path();
        let endpoint = Endpoint::of(self.live_path, path).filter(|_| self.fallback.enabled());
        if let Some(endpoint) = endpoint {
            return Box::pin(fallback_answer(
                Arc::clone(self.fallback),
                endpoint,
                request,
                self.shutdown.clone(),
            ));
        }
        let response = self
            .route(request)
            .map(|body| Full::new(body).boxed_unsync());
        Box::pin(std::future::ready(Ok(response)))
    }
}

/// An SSE or long-polling request, answered by the shared fallback logic.
async fn fallback_answer(
    fallback: Arc<Fallback>,
    endpoint: Endpoint,
    request: Request<IncomingBody>,
    shutdown: watch::Receiver<bool>,
) -> Result<Response<Body>, Infallible> {
    let (head, body) = request.into_parts();
    let incoming = Incoming::from_head(endpoint, &head);
    let limit = fallback.body_limit();
    let read = fallback::read_body(body, head.headers.get(CONTENT_LENGTH), limit);
    let response = fallback.handle(incoming, read, Some(shutdown)).await;
    Ok(response.map(|reply| match reply {
        Reply::Full(bytes) => Full::new(bytes).boxed_unsync(),
        Reply::Events(events) => {
            StreamBody::new(events.map(|bytes| Ok(Frame::data(bytes)))).boxed_unsync()
        }
    }))
}

impl Front<'_> {
    fn route(&self, request: Request<IncomingBody>) -> Response<Bytes> {
        let path = request.uri().path();
        if path != self.live_path {
            return super::serve_upload(self.uploads, request.method(), path)
                .unwrap_or_else(|| super::respond(self.pages, request.method(), path));
        }
        if !asks_for_websocket(request.headers()) {
            return upgrade_required();
        }
        // tungstenite checks the handshake and computes `Sec-WebSocket-Accept`.
        let (head, _) = request.into_parts();
        let request = Request::from_parts(head, ());
        match create_response(&request) {
            Ok(response) => {
                let origin = request.headers().get(ORIGIN);
                let origin = origin.and_then(|value| value.to_str().ok());
                let origin = origin.map(str::to_owned);
                self.switched.set(Some(Switched { origin }));
                response.map(|()| Bytes::new())
            }
            Err(error) => {
                tracing::debug!(%error, "websocket handshake refused");
                bad_request()
            }
        }
    }
}

/// 426 for a plain request on the WebSocket path.
fn upgrade_required() -> Response<Bytes> {
    super::plain(
        StatusCode::UPGRADE_REQUIRED,
        "This is a WebSocket endpoint\n",
        &[(UPGRADE, "websocket"), (CONNECTION, "Upgrade, close")],
    )
}

/// 400 for a WebSocket upgrade request that is not a valid handshake.
fn bad_request() -> Response<Bytes> {
    super::plain(StatusCode::BAD_REQUEST, "Bad request\n", &[])
}

/// An `Upgrade` header naming `websocket`.
fn asks_for_websocket(headers: &HeaderMap) -> bool {
    headers.get_all(UPGRADE).iter().any(|value| {
        value
            .as_bytes()
            .split(|byte| *byte == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"websocket"))
    })
}

/// Half-closes and drains what the client still sends (bounded) before the socket is
/// dropped.
async fn linger(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::http::{Body, Page};
    use tokio::net::TcpListener;

    /// Serves one connection with a page at `/` and returns what the server wrote and
    /// whether it upgraded.
    async fn exchange(request: &[u8]) -> (String, bool) {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
            panic!("bind");
        };
        let Ok(addr) = listener.local_addr() else {
            panic!("local address");
        };
        let server = tokio::spawn(async move {
            let Ok((stream, _)) = listener.accept().await else {
                return false;
            };
            let mut pages = Pages::new();
            let page = Page {
                content_type: "text/html; charset=utf-8",
                body: Body::Static("<p>hi</p>"),
            };
            pages.insert("/".to_owned(), page);
            let hub = crate::server::LiveServer::builder()
                .without_registered_components()
                .build();
            let Ok(live) = hub else { return false };
            let routes = Routes {
                live_path: "/api/live/ws",
                pages: &pages,
                fallback: &live.fallback,
                uploads: None,
                head_timeout: Duration::from_secs(5),
            };
            let (_stop, stopping) = watch::channel(false);
            serve(stream, routes, stopping).await.is_some()
        });
        let Ok(mut client) = TcpStream::connect(addr).await else {
            panic!("connect");
        };
        let _ = client.write_all(request).await;
        let mut written = vec![0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(5), client.read(&mut written)).await;
        let read = read.ok().and_then(Result::ok).unwrap_or(0);
        drop(client);
        let upgraded = server.await.unwrap_or(false);
        let written = written.get(..read).unwrap_or_default();
        (String::from_utf8_lossy(written).into_owned(), upgraded)
    }

    #[tokio::test]
    async fn pages_errors_and_upgrades_are_routed() {
        let (ok, _) = exchange(b"GET /?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("\r\nContent-Length: 9\r\n"), "{ok}");
        assert!(ok.contains("\r\nConnection: close\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\n<p>hi</p>"), "{ok}");

        let (head, _) = exchange(b"HEAD / HTTP/1.1\r\n\r\n").await;
        assert!(head.contains("\r\nContent-Length: 9\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");

        let (bad, _) = exchange(b"hello\r\n\r\n").await;
        assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
        let (plain, _) = exchange(b"GET /api/live/ws HTTP/1.1\r\n\r\n").await;
        assert!(plain.starts_with("HTTP/1.1 426 "), "{plain}");
        assert!(plain.contains("\r\nUpgrade: websocket\r\n"), "{plain}");
        assert!(
            plain.contains("\r\nConnection: Upgrade, close\r\n"),
            "{plain}"
        );
        let (no_key, upgraded) =
            exchange(b"GET /api/live/ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").await;
        assert!(!upgraded);
        assert!(no_key.starts_with("HTTP/1.1 400 "), "{no_key}");

        let handshake = b"GET /api/live/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            Sec-WebSocket-Version: 13\r\n\r\n";
        let (switched, upgraded) = exchange(handshake).await;
        assert!(upgraded);
        assert!(switched.starts_with("HTTP/1.1 101 "), "{switched}");
        // RFC 6455 §1.3's example key.
        assert!(
            switched.contains("\r\nSec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{switched}"
        );
        let other = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
        let (other, upgraded) = exchange(other).await;
        assert!(!upgraded);
        assert!(other.starts_with("HTTP/1.1 404 "), "{other}");
    }

    #[test]
    fn asks_for_websocket_reads_the_upgrade_token_list() {
        let mut headers = HeaderMap::new();
        assert!(!asks_for_websocket(&headers));
        headers.insert(UPGRADE, ::http::HeaderValue::from_static("h2c, WebSocket"));
        assert!(asks_for_websocket(&headers));
        headers.insert(UPGRADE, ::http::HeaderValue::from_static("websockets"));
        assert!(!asks_for_websocket(&headers));
    }
}

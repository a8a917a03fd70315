//! The HTTP transports for clients that cannot open a WebSocket: Server-Sent Events and
//! long-polling (reference §16, docs/transports.md). One code path for all three servers:
//! each server turns its request into an [`Incoming`] and a body future, and its response
//! body from a [`Reply`]; sessions, tokens, queues and every status code are here.
//!
//! Each session is one Live connection, run by the loop of [`drive`](transport::drive)
//! exactly as a WebSocket is: POSTed frames are its inbound stream, the session's queue its
//! [`FrameSink`](transport::FrameSink). So every message rule, limit, rate limit and
//! ordering guarantee is the WebSocket's.

mod request;
mod session;
mod sse;
mod table;

#[cfg(any(feature = "standalone", feature = "axum"))]
pub(crate) use request::read_body;
pub(crate) use request::{Body, Endpoint, Incoming, Reply};
/// actix-web is on the `http` 0.2 types, so it reads the request head itself.
#[cfg(feature = "actix")]
pub(crate) use request::{SESSION_HEADER, is_binary};

use crate::runtime::Hub;
use crate::runtime::transport::{self, InFrame, origin_allowed, stopped};
use ::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use ::http::{HeaderName, Response, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::Serialize;
use session::{Kind, Session, SessionSink, Wire};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use table::{Lookup, Table};
use tokio::sync::watch;

/// How long a poll is held while nothing is waiting (§16).
const POLL_HOLD: Duration = Duration::from_secs(25);

/// `X-Accel-Buffering`, which keeps nginx from buffering the event stream.
const ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// The SSE and long-polling sessions of one server.
pub(crate) struct Fallback {
    hub: Arc<Hub>,
    table: Arc<Table>,
}

impl std::fmt::Debug for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fallback")
            .field("sessions", &self.table.open_sessions())
            .finish()
    }
}

/// A long poll's answer: `{"frames": [{"t": …} | {"b": …}], "closed"?: {code, reason}}`.
#[derive(Serialize)]
struct PollAnswer {
    frames: Vec<PollFrame>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: Option<sse::CloseData>,
}

#[derive(Serialize)]
enum PollFrame {
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "b")]
    Binary(String),
}

impl Fallback {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Self {
            hub,
            table: Arc::default(),
        }
    }

    /// The largest request body read: the WebSocket layer's hard limit, twice
    /// `max_message_bytes`. Larger bodies get 413; bodies between one and two times the
    /// limit reach the connection, which refuses them with `Message too large` as on a
    /// WebSocket.
    pub(crate) fn body_limit(&self) -> usize {
        self.hub.config.max_message_bytes.saturating_mul(2)
    }

    /// Number of open sessions.
    #[cfg_attr(not(feature = "standalone"), allow(dead_code))]
    pub(crate) fn open_sessions(&self) -> usize {
        self.table.open_sessions()
    }

    /// Resolves once no session is open (checked every 10 ms; for shutdown).
    #[cfg_attr(not(feature = "standalone"), allow(dead_code))]
    pub(crate) async fn drained(&self) {
        while self.open_sessions() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether the HTTP transports are served at all (`LiveConfig::http_transports`).
    pub(crate) fn enabled(&self) -> bool {
        self.hub.config.http_transports
    }

    /// Answers one request. `body` is awaited only by the send endpoints, after the session
    /// checks; `shutdown` is the server's stop signal (`None`: shutting down, 503).
    pub(crate) async fn handle<B>(
        &self,
        request: Incoming,
        body: B,
        shutdown: Option<watch::Receiver<bool>>,
    ) -> Response<Reply>
    where
        B: Future<Output = Body>,
    {
        let endpoint = request.endpoint;
        if request.method != endpoint.method() {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        }
        match endpoint {
            Endpoint::SseOpen | Endpoint::PollOpen => self.open(&request, shutdown),
            Endpoint::SseSend | Endpoint::PollSend => match self.session(&request) {
                Ok(session) => self.send(&session, &request, body).await,
                Err((status, text)) => plain(status, text),
            },
            Endpoint::Poll => match self.session(&request) {
                Ok(session) => poll(&session).await,
                Err((status, text)) => plain(status, text),
            },
            Endpoint::SseClose | Endpoint::PollClose => match self.session(&request) {
                Ok(session) => {
                    session.leave();
                    empty(StatusCode::NO_CONTENT)
                }
                Err((status, text)) => plain(status, text),
            },
        }
    }

    /// `GET /sse` and `GET /http`: a new session, run as a WebSocket connection is, until it
    /// closes.
    fn open(&self, request: &Incoming, shutdown: Option<watch::Receiver<bool>>) -> Response<Reply> {
        if !self.origin_allowed(request.origin.as_deref()) {
            return plain(StatusCode::FORBIDDEN, "Origin not allowed\n");
        }
        let Some(shutdown) = shutdown.filter(|stop| !*stop.borrow()) else {
            return plain(StatusCode::SERVICE_UNAVAILABLE, "Server shutting down\n");
        };
        let kind = request.endpoint.kind();
        let (session, frames) = Session::new(table::new_token(), kind, request.origin.clone());
        self.table.insert(Arc::clone(&session));
        tokio::spawn(run_session(
            Arc::clone(&self.hub),
            Arc::clone(&self.table),
            Arc::clone(&session),
            frames,
            shutdown,
        ));
        match kind {
            Kind::Sse => {
                let response = Response::builder()
                    .status(StatusCode::OK)
                    .header(CONTENT_TYPE, "text/event-stream")
                    .header(CACHE_CONTROL, "no-cache")
                    .header(ACCEL_BUFFERING, "no")
                    .body(Reply::Events(sse::events(session)));
                response.unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
            }
            Kind::Poll => json(&sse::TokenData {
                token: session.token(),
            }),
        }
    }

    /// The session a request's token names: 401 without a well-formed token, 404 for an
    /// unknown one (or one of the other transport), 410 for a closed one, 403 when the
    /// request's `Origin` differs from the one that opened the session (or, when that
    /// request had none, is not allowed).
    fn session(&self, request: &Incoming) -> Result<Arc<Session>, (StatusCode, &'static str)> {
        let Some(token) = request.token.as_deref().filter(|t| table::well_formed(t)) else {
            return Err((StatusCode::UNAUTHORIZED, "Missing session\n"));
        };
        let session = match self.table.lookup(token) {
            Lookup::Open(session) if session.kind() == request.endpoint.kind() => session,
            Lookup::Open(_) | Lookup::Unknown => {
                return Err((StatusCode::NOT_FOUND, "Unknown session\n"));
            }
            Lookup::Closed => return Err((StatusCode::GONE, "Session closed\n")),
        };
        let foreign = match (request.origin.as_deref(), session.origin()) {
            (Some(origin), Some(opened_by)) => origin != opened_by,
            (origin, None) => !self.origin_allowed(origin),
            (None, Some(_)) => false,
        };
        if foreign {
            return Err((StatusCode::FORBIDDEN, "Origin mismatch\n"));
        }
        Ok(session)
    }

    /// The `allowed_origins` check of an HTTP request. Unlike a WebSocket upgrade, a request
    /// without `Origin` passes: browsers leave it out of same-origin `GET`s (and always send
    /// it cross-origin), so its absence is no sign of a foreign page.
    fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin.is_none_or(|origin| origin_allowed(&self.hub, Some(origin)))
    }

    /// `POST …/send`: one frame, passed to the connection after the ones before it.
    async fn send<B>(&self, session: &Session, request: &Incoming, body: B) -> Response<Reply>
    where
        B: Future<Output = Body>,
    {
        let read = tokio::time::timeout(self.hub.config.handshake_timeout, body).await;
        let frame = match read {
            Ok(Body::Read(bytes)) if request.binary => InFrame::Binary(bytes),
            Ok(Body::Read(bytes)) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => InFrame::Text(text),
                Err(_) => return plain(StatusCode::BAD_REQUEST, "Text frame is not UTF-8\n"),
            },
            Ok(Body::TooLarge) => return too_large(),
            Ok(Body::Failed) => return plain(StatusCode::BAD_REQUEST, "Body not read\n"),
            Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "Body too slow\n"),
        };
        if session.send(frame).await {
            empty(StatusCode::NO_CONTENT)
        } else {
            plain(StatusCode::GONE, "Session closed\n")
        }
    }
}

/// 413 for a body past [`Fallback::body_limit`].
pub(crate) fn too_large() -> Response<Reply> {
    plain(StatusCode::PAYLOAD_TOO_LARGE, "Body too large\n")
}

/// `GET /http/poll`.
async fn poll(session: &Session) -> Response<Reply> {
    let batch = session.poll(POLL_HOLD).await;
    let frames = batch.frames.into_iter().map(|frame| match frame {
        Wire::Text(text) => PollFrame::Text(String::from_utf8_lossy(&text).into_owned()),
        Wire::Binary(bytes) => PollFrame::Binary(STANDARD.encode(bytes)),
    });
    json(&PollAnswer {
        frames: frames.collect(),
        closed: batch.closed.map(|close| sse::CloseData {
            code: close.code,
            reason: close.reason,
        }),
    })
}

/// Runs a session's connection, then keeps the session until its close is handed to the
/// client (at most [`session::IDLE`], or the shutdown grace once the server stops), and
/// retires its token.
async fn run_session(
    hub: Arc<Hub>,
    table: Arc<Table>,
    session: Arc<Session>,
    frames: tokio::sync::mpsc::Receiver<InFrame<String>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let inbound = session.inbound(frames);
    let sink = SessionSink(Arc::clone(&session));
    let grace = hub.config.shutdown_grace;
    // The origin was checked when the session opened (403).
    Box::pin(transport::run(hub, inbound, sink, shutdown.clone())).await;
    let stopping = async {
        stopped(&mut shutdown).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = session.delivered() => {}
        () = tokio::time::sleep(session::IDLE) => {}
        () = stopping => {}
    }
    table.close(session.token());
}

fn json(value: &impl Serialize) -> Response<Reply> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .header(CACHE_CONTROL, "no-cache")
        .body(Reply::Full(Bytes::from(body)));
    response.unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Reply> {
    let response = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(CACHE_CONTROL, "no-cache")
        .body(Reply::Full(Bytes::from_static(text.as_bytes())));
    response.unwrap_or_else(|_| empty(status))
}

fn empty(status: StatusCode) -> Response<Reply> {
    let mut response = Response::new(Reply::Full(Bytes::new()));
    *response.status_mut() = status;
    response
}

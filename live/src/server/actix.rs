//! The actix-web 4 adapter (feature `actix`), on actix-ws.
//!
//! actix-ws's inbound [`MessageStream`](actix_ws::MessageStream) holds actix's request
//! payload, which is not `Send`: it is read on the actix worker that accepted the request
//! (`actix_web::rt::spawn`), and each message is forwarded over a bounded channel to the
//! `Send` core, which runs as an ordinary tokio task. The outbound half, actix-ws's
//! [`Session`], is `Send` and becomes the connection's [`FrameSink`]. Static pages come from
//! the routes all servers share (`server::http`).

use super::LiveServer;
use super::fallback::{self, Body, Endpoint, Incoming, Reply};
use super::http::Pages;
use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{FrameSink, InFrame, SinkClosed, drive};
use crate::upload::LocalDirStore;
use ::http::Method;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Route, Scope, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use bytes::Bytes;
use bytestring::ByteString;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Inbound messages that may wait between the actix worker and the connection.
const INBOUND_FRAMES: usize = 16;

impl LiveServer {
    /// An actix-web [`Scope`] at `prefix` serving the Live WebSocket at `{prefix}/ws`:
    ///
    /// ```ignore
    /// HttpServer::new(move || {
    ///     App::new()
    ///         .route("/health", web::get().to(|| async { "ok" }))
    ///         .service(live.actix_scope("/api/live")) // ws://HOST/api/live/ws
    /// })
    /// ```
    ///
    /// Frames up to twice [`LiveConfig::max_message_bytes`](super::LiveConfig) are accepted
    /// (continuations are reassembled up to the same size; larger ones close the connection;
    /// those between one and two times the limit get `Message too large`). Stop with
    /// [`LiveServer::shutdown`] before stopping the actix server.
    ///
    /// The scope also serves the SSE and long-polling transports at `{prefix}/sse` and
    /// `{prefix}/http` (docs/transports.md).
    pub fn actix_scope(&self, prefix: &str) -> Scope {
        let mut scope = web::scope(prefix).route("/ws", self.actix_route());
        if self.fallback.enabled() {
            for (endpoint, path) in Endpoint::ALL {
                let live = self.clone();
                let route = web::route().to(move |request: HttpRequest, body: web::Payload| {
                    let live = live.clone();
                    async move { live.actix_fallback(endpoint, &request, body).await }
                });
                scope = scope.route(path, route);
            }
        }
        scope
    }

    /// One SSE or long-polling request, answered by the shared logic (`server::fallback`).
    async fn actix_fallback(
        &self,
        endpoint: Endpoint,
        request: &HttpRequest,
        body: web::Payload,
    ) -> HttpResponse {
        let header = |name: &str| {
            let value = request.headers().get(name)?;
            value.to_str().ok().map(str::to_owned)
        };
        let content_type =
            header("content-type").and_then(|v| ::http::HeaderValue::from_str(&v).ok());
        let incoming = Incoming {
            endpoint,
            method: method_of(request),
            origin: header("origin"),
            token: header(fallback::SESSION_HEADER.as_str()),
            binary: fallback::is_binary(content_type.as_ref()),
        };
        let declared = header("content-length").and_then(|length| length.parse().ok());
        let read = read_payload(body, declared, self.fallback.body_limit());
        let signal = self.lifecycle.connection_signal();
        let response = self.fallback.handle(incoming, read, signal).await;
        let (head, reply) = response.into_parts();
        let mut builder = response_builder(head.status, &head.headers);
        match reply {
            Reply::Full(bytes) => builder.body(bytes),
            Reply::Events(events) => builder.streaming(events.map(Ok::<_, actix_web::Error>)),
        }
    }

    /// The Live WebSocket endpoint alone, for a path of the app's choosing:
    /// `App::new().route("/live", live.actix_route())`.
    pub fn actix_route(&self) -> Route {
        let live = self.clone();
        web::get().to(move |request: HttpRequest, body: web::Payload| {
            let live = live.clone();
            async move { live.actix_upgrade(&request, body) }
        })
    }

    /// The pages registered with
    /// [`LiveServerBuilder::static_page`](super::LiveServerBuilder::static_page), answered by
    /// the same routes as the standalone server's: the page on `GET` and `HEAD`, 405 for other
    /// methods on a page path, 404 elsewhere. Mount it as the app's default service:
    ///
    /// ```ignore
    /// App::new()
    ///     .service(live.actix_scope("/api/live"))
    ///     .default_service(live.actix_pages())
    /// ```
    pub fn actix_pages(&self) -> Route {
        let pages = std::sync::Arc::clone(&self.pages);
        let uploads = self.hub.uploads.local.clone();
        web::route().to(move |request: HttpRequest| {
            let response = pages_response(&pages, uploads.as_ref(), &request);
            async move { response }
        })
    }

    fn actix_upgrade(
        &self,
        request: &HttpRequest,
        body: web::Payload,
    ) -> Result<HttpResponse, actix_web::Error> {
        let Some(shutdown) = self.lifecycle.connection_signal() else {
            return Ok(HttpResponse::ServiceUnavailable().body("Server shutting down"));
        };
        let (response, session, messages) = actix_ws::handle(request, body)?;
        let max = self.hub.config.max_message_bytes.saturating_mul(2);
        let messages = messages
            .max_frame_size(max)
            .aggregate_continuations()
            .max_continuation_size(max);
        let (frames_tx, mut frames_rx) = mpsc::channel(INBOUND_FRAMES);
        actix_web::rt::spawn(read_loop(messages, session.clone(), frames_tx));
        let frames = futures_util::stream::poll_fn(move |cx| frames_rx.poll_recv(cx));
        let hub = std::sync::Arc::clone(&self.hub);
        let origin = request
            .headers()
            .get(actix_web::http::header::ORIGIN)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        tokio::spawn(async move {
            drive(
                hub,
                origin.as_deref(),
                frames,
                ActixSink(Some(session)),
                shutdown,
            )
            .await;
        });
        Ok(response)
    }
}

/// Answers `request` from the shared routes. actix-web 4 is on the `http` 0.2 types: the
/// method, status and headers cross over by their text (`method_of`, `response_builder`).
fn pages_response(
    pages: &Pages,
    uploads: Option<&LocalDirStore>,
    request: &HttpRequest,
) -> HttpResponse {
    let method = method_of(request);
    let path = request.path();
    let response = super::http::serve_upload(uploads, &method, path)
        .unwrap_or_else(|| super::http::respond(pages, &method, path));
    let mut builder = response_builder(response.status(), response.headers());
    builder.body(response.into_body())
}

/// A request's method as the `http` crate's.
fn method_of(request: &HttpRequest) -> Method {
    // Both parse the same token syntax; were one refused, it would be answered like any
    // method the route does not serve.
    let method = Method::from_bytes(request.method().as_str().as_bytes());
    method.unwrap_or(Method::OPTIONS)
}

/// An actix response with the status and headers of an `http` crate response.
fn response_builder(
    status: ::http::StatusCode,
    headers: &::http::HeaderMap,
) -> actix_web::HttpResponseBuilder {
    let status = StatusCode::from_u16(status.as_u16());
    let mut builder = HttpResponse::build(status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in headers {
        builder.append_header((name.as_str(), value.as_bytes()));
    }
    builder
}

/// Reads a request body up to `limit` bytes, refusing a larger `Content-Length` before
/// reading.
async fn read_payload(mut payload: web::Payload, declared: Option<u64>, limit: usize) -> Body {
    if declared.is_some_and(|length| length > limit as u64) {
        return Body::TooLarge;
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Body::Failed;
        };
        if body.len().saturating_add(chunk.len()) > limit {
            return Body::TooLarge;
        }
        body.extend_from_slice(&chunk);
    }
    Body::Read(body.freeze())
}

/// Reads the socket on the actix worker and forwards each message to the connection.
/// Answers pings itself; stops when the peer leaves or the connection stops listening.
async fn read_loop(
    mut messages: AggregatedMessageStream,
    mut session: Session,
    frames: mpsc::Sender<InFrame<ByteString>>,
) {
    loop {
        let message = tokio::select! {
            message = messages.recv() => message,
            () = frames.closed() => return,
        };
        let frame = match message {
            Some(Ok(AggregatedMessage::Text(text))) => InFrame::Text(text),
            Some(Ok(AggregatedMessage::Binary(bytes))) => InFrame::Binary(bytes),
            // Control frames stay here: the core has nothing to do with them.
            Some(Ok(AggregatedMessage::Ping(payload))) => {
                let _ = session.pong(&payload).await;
                continue;
            }
            Some(Ok(AggregatedMessage::Pong(_))) => continue,
            Some(Ok(AggregatedMessage::Close(_))) | None => InFrame::Closed,
            // An oversized message ends the connection with 1009, as on the other transports.
            Some(Err(actix_ws::ProtocolError::Overflow)) => InFrame::TooLarge,
            Some(Err(error)) => {
                tracing::debug!(%error, "websocket read failed");
                InFrame::Closed
            }
        };
        let last = matches!(frame, InFrame::Closed | InFrame::TooLarge);

        if frames.send(frame).await.is_err() || last {
            return;
        }
    }
}

/// actix-ws's outbound half. Each frame goes straight into actix's bounded response channel,
/// so there is nothing to flush.
struct ActixSink(Option<Session>);

impl ActixSink {
    fn session(&mut self) -> Result<&mut Session, SinkClosed> {
        self.0.as_mut().ok_or(SinkClosed)
    }
}

impl FrameSink for ActixSink {
    async fn feed_text(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        let text = ByteString::try_from(frame).map_err(|_| SinkClosed)?;
        self.session()?.text(text).await.map_err(|_| SinkClosed)
    }

    async fn feed_binary(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.session()?.binary(frame).await.map_err(|_| SinkClosed)
    }

    async fn flush(&mut self) -> Result<(), SinkClosed> {
        self.session().map(|_| ())
    }

    async fn close(&mut self, frame: CloseFrame) -> Result<(), SinkClosed> {
        let session = self.0.take().ok_or(SinkClosed)?;
        let reason = CloseReason {
            code: CloseCode::from(frame.code),
            description: (!frame.reason.is_empty()).then(|| frame.reason.to_owned()),
        };
        session.close(Some(reason)).await.map_err(|_| SinkClosed)
    }
}

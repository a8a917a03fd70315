//! What a server hands the shared HTTP-transport logic and gets back: the [`Endpoint`] a path
//! names, the request's headers as [`Incoming`], its [`Body`], and the [`Reply`] body.

use super::session::Kind;
use super::sse::EventStream;
use ::http::{HeaderName, Method};
use bytes::Bytes;

/// The header that carries a session's token.
pub(crate) const SESSION_HEADER: HeaderName = HeaderName::from_static("x-live-session");

/// One endpoint, by its path after the WebSocket path's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `GET /sse`: opens an SSE session; the response is its event stream.
    SseOpen,
    /// `POST /sse/send`: one frame to an SSE session.
    SseSend,
    /// `GET /http`: opens a long-polling session, answering its token.
    PollOpen,
    /// `GET /http/poll`: the frames waiting, held up to 25 s.
    Poll,
    /// `POST /http/send`: one frame to a long-polling session.
    PollSend,
    /// `POST /http/close`: ends a long-polling session.
    PollClose,
    /// `POST /sse/close`: ends an SSE session (a Live extension; FluxStack's client just
    /// drops the stream, which ends the session too).
    SseClose,
}

impl Endpoint {
    /// Every endpoint with its path relative to the WebSocket path's parent.
    pub(crate) const ALL: [(Self, &'static str); 7] = [
        (Self::SseOpen, "/sse"),
        (Self::SseSend, "/sse/send"),
        (Self::SseClose, "/sse/close"),
        (Self::PollOpen, "/http"),
        (Self::Poll, "/http/poll"),
        (Self::PollSend, "/http/send"),
        (Self::PollClose, "/http/close"),
    ];

    /// The endpoint `path` names, when the WebSocket is at `ws_path`: its trailing `/ws`
    /// replaced by `/sse` or `/http` (a WebSocket path without `/ws` at its end has none).
    #[cfg_attr(not(feature = "standalone"), allow(dead_code))]
    pub(crate) fn of(ws_path: &str, path: &str) -> Option<Self> {
        let prefix = ws_path.strip_suffix("/ws")?;
        let rest = path.strip_prefix(prefix)?;
        Self::ALL
            .iter()
            .find(|(_, relative)| *relative == rest)
            .map(|(endpoint, _)| *endpoint)
    }

    pub(super) fn method(self) -> Method {
        match self {
            Self::SseOpen | Self::PollOpen | Self::Poll => Method::GET,
            Self::SseSend | Self::SseClose | Self::PollSend | Self::PollClose => Method::POST,
        }
    }

    pub(super) fn kind(self) -> Kind {
        match self {
            Self::SseOpen | Self::SseSend | Self::SseClose => Kind::Sse,
            Self::PollOpen | Self::Poll | Self::PollSend | Self::PollClose => Kind::Poll,
        }
    }
}

/// What the shared logic needs of a request, besides its body.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) endpoint: Endpoint,
    pub(crate) method: Method,
    /// The `Origin` header.
    pub(crate) origin: Option<String>,
    /// The `X-Live-Session` header.
    pub(crate) token: Option<String>,
    /// `Content-Type: application/octet-stream`: the body is a binary frame.
    pub(crate) binary: bool,
}

impl Incoming {
    /// What `head` says, for `endpoint` (servers on the `http` 1 types: standalone, axum).
    #[cfg_attr(not(any(feature = "standalone", feature = "axum")), allow(dead_code))]
    pub(crate) fn from_head(endpoint: Endpoint, head: &::http::request::Parts) -> Self {
        let header = |name| {
            let value = head.headers.get(name)?;
            value.to_str().ok().map(str::to_owned)
        };
        Self {
            endpoint,
            method: head.method.clone(),
            origin: header(::http::header::ORIGIN),
            token: header(SESSION_HEADER),
            binary: is_binary(head.headers.get(::http::header::CONTENT_TYPE)),
        }
    }
}

/// A request body as a server read it, up to [`Fallback::body_limit`].
#[derive(Debug)]
pub(crate) enum Body {
    /// The whole body.
    Read(Bytes),
    /// Longer than the limit (by `Content-Length` or by what arrived).
    TooLarge,
    /// The client stopped sending.
    Failed,
}

/// A response body: whole, or the SSE event stream.
pub(crate) enum Reply {
    Full(Bytes),
    Events(EventStream),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Full(bytes) => f.debug_tuple("Full").field(bytes).finish(),
            Self::Events(_) => f.write_str("Events"),
        }
    }
}

/// Reads a request body of the `http-body` kind (hyper, axum) up to `limit` bytes, refusing
/// a larger `Content-Length` before reading.
#[cfg(any(feature = "standalone", feature = "axum"))]
pub(crate) async fn read_body<B>(
    body: B,
    declared: Option<&::http::HeaderValue>,
    limit: usize,
) -> Body
where
    B: http_body_util::BodyExt,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt as _;
    let declared = declared.and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Body::TooLarge;
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Body::Read(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Body::TooLarge,
        Err(_) => Body::Failed,
    }
}

/// Whether a `Content-Type` says the body is a binary frame (`application/octet-stream`).
pub(crate) fn is_binary(content_type: Option<&::http::HeaderValue>) -> bool {
    content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_replace_the_trailing_ws() {
        let of = |path| Endpoint::of("/api/live/ws", path);
        assert_eq!(of("/api/live/sse"), Some(Endpoint::SseOpen));
        assert_eq!(of("/api/live/sse/send"), Some(Endpoint::SseSend));
        assert_eq!(of("/api/live/http"), Some(Endpoint::PollOpen));
        assert_eq!(of("/api/live/http/poll"), Some(Endpoint::Poll));
        assert_eq!(of("/api/live/http/send"), Some(Endpoint::PollSend));
        assert_eq!(of("/api/live/http/close"), Some(Endpoint::PollClose));
        assert_eq!(of("/api/live/sse/close"), Some(Endpoint::SseClose));
        assert_eq!(of("/api/live/ws"), None);
        assert_eq!(of("/sse"), None);
        assert_eq!(Endpoint::of("/live", "/sse"), None);
    }
}

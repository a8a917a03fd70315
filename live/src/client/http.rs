//! The client side of the SSE and long-polling transports (reference §16), on hyper's
//! HTTP/1 client: opening a session, the stream of what the server sends, and POSTing
//! frames one at a time with the session's token.

use super::error::ClientError;
use super::sse::EventReader;
use super::wire::{Inbound, Received};
use crate::protocol::kinds::SseEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::net::TcpStream;

/// The header that carries the session token.
const SESSION_HEADER: &str = "x-live-session";

/// Which HTTP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Sse,
    Poll,
}

/// Where a session's endpoints are, and the headers every request carries.
#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    /// `host:port`.
    authority: String,
    /// The WebSocket path without its trailing `/ws`.
    prefix: String,
    headers: Vec<(String, String)>,
}

impl Endpoints {
    /// The endpoints of the WebSocket URL `url` (`ws://HOST/…/ws`).
    pub(super) fn of(url: &str, headers: &[(&str, &str)]) -> Result<Self, ClientError> {
        let rest = url
            .strip_prefix("ws://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| ClientError::Connect(format!("not a ws:// URL: {url}")))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = format!("/{path}");
        let prefix = prefix
            .strip_suffix("/ws")
            .ok_or_else(|| ClientError::Connect(format!("URL does not end in /ws: {url}")))?;
        Ok(Self {
            authority: authority.to_owned(),
            prefix: prefix.to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        })
    }

    /// A fresh keep-alive connection to the server.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|error| ClientError::Connect(error.to_string()))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| ClientError::Connect(error.to_string()))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "client http connection ended");
            }
        });
        Ok(sender)
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&'static str, Bytes)>,
    ) -> Result<hyper::Request<Full<Bytes>>, ClientError> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.prefix))
            .header("host", &self.authority);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(token) = token {
            request = request.header(SESSION_HEADER, token);
        }
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header("content-type", content_type);
                bytes
            }
            None => Bytes::new(),
        };
        request
            .body(Full::new(body))
            .map_err(|error| ClientError::Connect(error.to_string()))
    }
}

/// Sends a request and returns the response; other statuses than 2xx are
/// [`ClientError::Http`].
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: hyper::Request<Full<Bytes>>,
) -> Result<hyper::Response<Incoming>, ClientError> {
    sender
        .ready()
        .await
        .map_err(|error| ClientError::Connect(error.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| ClientError::Connect(error.to_string()))?;
    checked(response)
}

/// The response if its status is 2xx, else [`ClientError::Http`].
fn checked(response: hyper::Response<Incoming>) -> Result<hyper::Response<Incoming>, ClientError> {
    match response.status().as_u16() {
        200..=299 => Ok(response),
        status => Err(ClientError::Http { status }),
    }
}

/// A refused session open: 403 becomes the origin close (4003), as FluxStack's client maps
/// it.
fn refused_at_open(error: ClientError) -> ClientError {
    match error {
        ClientError::Http { status: 403 } => ClientError::Rejected {
            code: 4003,
            reason: "Origin not allowed".to_owned(),
        },
        other => other,
    }
}

async fn body_of(response: hyper::Response<Incoming>) -> Result<Bytes, ClientError> {
    let collected = response.into_body().collect().await;
    collected
        .map(http_body_util::Collected::to_bytes)
        .map_err(|error| ClientError::Protocol(error.to_string()))
}

/// An open session: its token, the stream of what the server sends, and the sender.
pub(super) struct Opened {
    pub(super) inbound: Inbound,
    pub(super) sender: Sender,
}

/// Opens a session over `mode`.
pub(super) async fn open(endpoints: Endpoints, mode: Mode) -> Result<Opened, ClientError> {
    let mut stream = endpoints.connect().await?;
    let (token, inbound) = match mode {
        Mode::Sse => {
            let request = endpoints.request("GET", "/sse", None, None)?;
            let response = exchange(&mut stream, request).await;
            let response = response.map_err(refused_at_open)?;
            let mut events = EventReader::new(response.into_body());
            let token = match events.next().await {
                Some((SseEvent::Session, data)) => token_of(&data)?,
                other => {
                    return Err(ClientError::Protocol(format!(
                        "expected the session event, got {other:?}"
                    )));
                }
            };
            // The stream owns its connection; dropping it closes the session.
            let inbound = futures_util::stream::unfold(
                (events, stream, false),
                |(mut events, stream, done)| async move {
                    if done {
                        return None;
                    }
                    loop {
                        let (event, data) = events.next().await?;
                        let received = match event {
                            SseEvent::Message => Received::Text(data),
                            SseEvent::Binary => match STANDARD.decode(data.as_bytes()) {
                                Ok(bytes) => Received::Binary(Bytes::from(bytes)),
                                Err(_) => continue,
                            },
                            SseEvent::Close => close_of(&data),
                            SseEvent::Session => continue,
                        };
                        let done = matches!(received, Received::Closed { .. });
                        return Some((received, (events, stream, done)));
                    }
                },
            );
            (token, Box::pin(inbound) as Inbound)
        }
        Mode::Poll => {
            let request = endpoints.request("GET", "/http", None, None)?;
            let response = exchange(&mut stream, request).await;
            let response = response.map_err(refused_at_open)?;
            let token = token_of(&String::from_utf8_lossy(&body_of(response).await?))?;
            let poller = Poller {
                endpoints: endpoints.clone(),
                sender: stream,
                token: token.clone(),
                waiting: VecDeque::new(),
                done: false,
            };
            let inbound = futures_util::stream::unfold(poller, |mut poller| async move {
                let received = poller.next().await?;
                Some((received, poller))
            });
            (token, Box::pin(inbound) as Inbound)
        }
    };
    let sender = Sender {
        posts: endpoints.connect().await?,
        endpoints,
        mode,
        token,
    };
    Ok(Opened { inbound, sender })
}

fn token_of(data: &str) -> Result<String, ClientError> {
    #[derive(Deserialize)]
    struct Token {
        token: String,
    }
    serde_json::from_str::<Token>(data)
        .map(|token| token.token)
        .map_err(|error| ClientError::Protocol(format!("no session token: {error}")))
}

#[derive(Deserialize)]
struct CloseData {
    code: u16,
    #[serde(default)]
    reason: String,
}

fn close_of(data: &str) -> Received {
    match serde_json::from_str::<CloseData>(data) {
        Ok(close) => Received::Closed {
            code: close.code,
            reason: close.reason,
        },
        Err(_) => Received::Closed {
            code: 1005,
            reason: String::new(),
        },
    }
}

/// Long-polling's inbound side: polls again as soon as a poll returns.
struct Poller {
    endpoints: Endpoints,
    sender: SendRequest<Full<Bytes>>,
    token: String,
    waiting: VecDeque<Received>,
    done: bool,
}

#[derive(Deserialize)]
struct PollAnswer {
    frames: Vec<PollFrame>,
    closed: Option<CloseData>,
}

#[derive(Deserialize)]
struct PollFrame {
    t: Option<String>,
    b: Option<String>,
}

impl Poller {
    async fn next(&mut self) -> Option<Received> {
        loop {
            if let Some(received) = self.waiting.pop_front() {
                return Some(received);
            }
            if self.done {
                return None;
            }
            let request = self
                .endpoints
                .request("GET", "/http/poll", Some(&self.token), None)
                .ok()?;
            let response = exchange(&mut self.sender, request).await.ok()?;
            let body = body_of(response).await.ok()?;
            let answer: PollAnswer = serde_json::from_slice(&body).ok()?;
            for frame in answer.frames {
                match (frame.t, frame.b) {
                    (Some(text), _) => self.waiting.push_back(Received::Text(text)),
                    (None, Some(base64)) => {
                        if let Ok(bytes) = STANDARD.decode(base64.as_bytes()) {
                            self.waiting.push_back(Received::Binary(Bytes::from(bytes)));
                        }
                    }
                    (None, None) => {}
                }
            }
            if let Some(close) = answer.closed {
                self.waiting.push_back(Received::Closed {
                    code: close.code,
                    reason: close.reason,
                });
                self.done = true;
            }
        }
    }
}

/// POSTs frames one at a time, in order, on a keep-alive connection of their own.
pub(crate) struct Sender {
    posts: SendRequest<Full<Bytes>>,
    endpoints: Endpoints,
    mode: Mode,
    token: String,
}

/// How long one POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

impl Sender {
    /// POSTs one frame: text as `application/json`, binary as `application/octet-stream`.
    pub(super) async fn send(&mut self, body: Bytes, binary: bool) -> Result<(), ClientError> {
        let path = match self.mode {
            Mode::Sse => "/sse/send",
            Mode::Poll => "/http/send",
        };
        let content_type = if binary {
            "application/octet-stream"
        } else {
            "application/json"
        };
        let request =
            self.endpoints
                .request("POST", path, Some(&self.token), Some((content_type, body)))?;
        self.post(request).await
    }

    /// Ends the session: `POST /http/close`, or `POST /sse/close` (Live's extension; a
    /// dropped SSE stream ends the session too).
    pub(super) async fn close(&mut self) -> Result<(), ClientError> {
        let path = match self.mode {
            Mode::Sse => "/sse/close",
            Mode::Poll => "/http/close",
        };
        let request = self
            .endpoints
            .request("POST", path, Some(&self.token), None)?;
        self.post(request).await
    }

    async fn post(&mut self, request: hyper::Request<Full<Bytes>>) -> Result<(), ClientError> {
        let response = tokio::time::timeout(POST_TIMEOUT, self.post_once(request))
            .await
            .map_err(|_| ClientError::Timeout)??;
        body_of(response).await.map(|_| ())
    }

    /// Sends on the kept-alive connection; a request it could not send at all (the server
    /// closed the idle connection meanwhile) goes again on a fresh one.
    async fn post_once(
        &mut self,
        request: hyper::Request<Full<Bytes>>,
    ) -> Result<hyper::Response<Incoming>, ClientError> {
        if self.posts.is_closed() || self.posts.ready().await.is_err() {
            self.posts = self.endpoints.connect().await?;
        }
        let request = match self.posts.try_send_request(request).await {
            Ok(response) => return checked(response),
            Err(mut error) => match error.take_message() {
                Some(request) => request,
                None => return Err(ClientError::Connect(error.into_error().to_string())),
            },
        };
        self.posts = self.endpoints.connect().await?;
        exchange(&mut self.posts, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_come_from_the_websocket_url() {
        let endpoints = Endpoints::of("ws://127.0.0.1:9/api/live/ws", &[]);
        let endpoints = endpoints.ok();
        assert_eq!(
            endpoints.map(|e| (e.authority, e.prefix)),
            Some(("127.0.0.1:9".to_owned(), "/api/live".to_owned()))
        );
        assert!(Endpoints::of("ws://127.0.0.1:9/live", &[]).is_err());
    }
}

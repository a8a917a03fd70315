//! One [`LiveServer`] served through any of its three transports, for the conformance suite:
//! the standalone tokio-tungstenite server, an axum 0.8 app and an actix-web 4 app. Each
//! listens on a free port of 127.0.0.1 and serves the Live WebSocket at `/api/live/ws`; the
//! two framework apps also answer an ordinary `GET /health` route, as users' apps would, and
//! mount the server's static pages as their fallback (`axum_pages`, `actix_pages`).

use live::LiveServer;
use live::client::{ClientError, LiveClient};
use live::server::ServerStats;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;

/// How a test client reaches the server: a WebSocket, SSE or long-polling.
pub type Wire = live::client::Transport;

/// Every wire.
pub const WIRES: [Wire; 3] = [Wire::WebSocket, Wire::Sse, Wire::LongPolling];

/// A way to serve a [`LiveServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `LiveServer::bind`: the built-in tokio-tungstenite server.
    Standalone,
    /// `LiveServer::axum_router` nested into an axum app.
    Axum,
    /// `LiveServer::actix_scope` in an actix-web app, on its own actix `System` thread.
    Actix,
}

impl Transport {
    /// Every transport.
    pub const ALL: [Transport; 3] = [Transport::Standalone, Transport::Axum, Transport::Actix];

    /// Serves `server` on a free port of 127.0.0.1; clients connect over a WebSocket.
    pub async fn serve(self, server: &LiveServer) -> Served {
        self.serve_over(server, Wire::WebSocket).await
    }

    /// Serves `server` on a free port of 127.0.0.1; [`Served::connect`] connects over `wire`.
    pub async fn serve_over(self, server: &LiveServer, wire: Wire) -> Served {
        let stop = match self {
            Transport::Standalone => serve_standalone(server).await,
            Transport::Axum => serve_axum(server).await,
            Transport::Actix => serve_actix(server).await,
        };
        let addr = match &stop {
            Stop::Standalone(running) => running.local_addr(),
            Stop::Axum { addr, .. } | Stop::Actix { addr, .. } => *addr,
        };
        Served {
            transport: self,
            wire,
            server: server.clone(),
            addr,
            stop: Some(stop),
        }
    }

    /// Whether the app also serves `GET /health` (the framework apps do).
    pub fn serves_other_routes(self) -> bool {
        !matches!(self, Transport::Standalone)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Standalone => "standalone",
            Transport::Axum => "axum",
            Transport::Actix => "actix",
        })
    }
}

/// A server running on one transport. Dropping it stops the server abruptly; use
/// [`shutdown`](Self::shutdown) for the graceful path.
#[derive(Debug)]
pub struct Served {
    transport: Transport,
    wire: Wire,
    server: LiveServer,
    addr: SocketAddr,
    stop: Option<Stop>,
}

#[derive(Debug)]
enum Stop {
    Standalone(live::RunningServer),
    Axum {
        addr: SocketAddr,
        trigger: oneshot::Sender<()>,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
    },
    Actix {
        addr: SocketAddr,
        handle: actix_web::dev::ServerHandle,
        thread: std::thread::JoinHandle<std::io::Result<()>>,
    },
}

impl Served {
    /// The transport serving.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// How [`connect`](Self::connect) reaches the server.
    pub fn wire(&self) -> Wire {
        self.wire
    }

    /// The server being served.
    pub fn live_server(&self) -> &LiveServer {
        &self.server
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Live WebSocket URL.
    pub fn url(&self) -> String {
        self.url_for("/api/live/ws")
    }

    /// A WebSocket URL on this server with another path.
    pub fn url_for(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// Current counts.
    pub async fn stats(&self) -> ServerStats {
        self.server.stats().await
    }

    /// Connects a client over the served wire (panics, naming the transport, if that fails).
    pub async fn connect(&self) -> LiveClient {
        match self.try_connect().await {
            Ok(client) => client.with_timeout(Duration::from_secs(10)),
            Err(error) => panic!(
                "[{}/{:?}] client failed to connect: {error}",
                self.transport, self.wire
            ),
        }
    }

    /// Connects a client over the served wire.
    pub async fn try_connect(&self) -> Result<LiveClient, ClientError> {
        LiveClient::connect_over(&self.url(), self.wire, &[]).await
    }

    /// Stops the server the way its documentation says to: live sockets are closed with
    /// 1001 and destroy hooks run, then the listener stops.
    pub async fn shutdown(mut self) {
        let Some(stop) = self.stop.take() else { return };
        match stop {
            Stop::Standalone(running) => running.shutdown().await,
            Stop::Axum { trigger, task, .. } => {
                // The app's graceful-shutdown future calls `LiveServer::shutdown`.
                let _ = trigger.send(());
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => panic!("[axum] serve failed: {error}"),
                    Err(error) => panic!("[axum] serve task failed: {error}"),
                }
            }
            Stop::Actix { handle, thread, .. } => {
                self.server.shutdown().await;
                handle.stop(true).await;
                match tokio::task::spawn_blocking(move || thread.join()).await {
                    Ok(Ok(Ok(()))) => {}
                    other => panic!("[actix] server thread ended badly: {other:?}"),
                }
            }
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        match self.stop.take() {
            Some(Stop::Axum { task, .. }) => task.abort(),
            // `stop` sends its command at once; the returned future only awaits completion.
            Some(Stop::Actix { handle, .. }) => drop(handle.stop(false)),
            Some(Stop::Standalone(_)) | None => {}
        }
    }
}

async fn serve_standalone(server: &LiveServer) -> Stop {
    match server.bind("127.0.0.1:0").await {
        Ok(running) => Stop::Standalone(running),
        Err(error) => panic!("[standalone] failed to start: {error}"),
    }
}

/// What the framework apps answer on `GET /health`; it comes from the app's own state, to
/// show Live nests into an app that has state.
const HEALTH: &str = "ok";

async fn serve_axum(server: &LiveServer) -> Stop {
    use axum::Router;
    use axum::extract::State;
    use axum::routing::get;

    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => panic!("[axum] bind failed: {error}"),
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(error) => panic!("[axum] no local address: {error}"),
    };
    let app = Router::new()
        .route(
            "/health",
            get(|State(health): State<&'static str>| async move { health }),
        )
        .nest("/api/live", server.axum_router())
        .fallback(server.axum_pages())
        .with_state(HEALTH);
    let (trigger, triggered) = oneshot::channel::<()>();
    let live = server.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = triggered.await;
                live.shutdown().await;
            })
            .await
    });
    Stop::Axum {
        addr,
        trigger,
        task,
    }
}

async fn serve_actix(server: &LiveServer) -> Stop {
    use actix_web::{App, HttpServer, web};

    let (ready_tx, ready_rx) = oneshot::channel();
    let live = server.clone();
    // actix needs its own runtime (a `System`); give it a thread, as a test harness would.
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let http = HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(HEALTH))
                    .route(
                        "/health",
                        web::get().to(|health: web::Data<&'static str>| async move {
                            *health.into_inner()
                        }),
                    )
                    .service(live.actix_scope("/api/live"))
                    .default_service(live.actix_pages())
            })
            .workers(2)
            .disable_signals()
            .shutdown_timeout(2)
            .bind(("127.0.0.1", 0));
            let http = match http {
                Ok(http) => http,
                Err(error) => {
                    let _ = ready_tx.send(Err(error.to_string()));
                    return Ok(());
                }
            };
            let Some(addr) = http.addrs().first().copied() else {
                let _ = ready_tx.send(Err("bound no address".to_owned()));
                return Ok(());
            };
            let running = http.run();
            let _ = ready_tx.send(Ok((addr, running.handle())));
            running.await
        })
    });
    match ready_rx.await {
        Ok(Ok((addr, handle))) => Stop::Actix {
            addr,
            handle,
            thread,
        },
        Ok(Err(error)) => panic!("[actix] failed to start: {error}"),
        Err(_) => panic!("[actix] server thread died while starting"),
    }
}

/// Sends `GET path` over plain HTTP/1.1 and returns the status line and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let (head, body) = http_get_bytes(addr, path).await;
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Sends `GET path` over plain HTTP/1.1 and returns the response head (status line and
/// headers) and the body bytes.
pub async fn http_get_bytes(addr: SocketAddr, path: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = match tokio::net::TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(error) => panic!("connect {addr}: {error}"),
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if let Err(error) = stream.write_all(request.as_bytes()).await {
        panic!("write request: {error}");
    }
    let mut response = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    match read {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => panic!("read response: {error}"),
        Err(_) => panic!("no HTTP response from {addr}{path}"),
    }
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(response.get(..split).unwrap_or_default()).into_owned();
    let body = response.get(split + 4..).unwrap_or_default().to_vec();
    (head, body)
}

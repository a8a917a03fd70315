//! The baseline: a bare tokio-tungstenite server that does the benchmark's work by hand,
//! with no framework, and sends the same frames Live sends (same shapes, same sizes).
//!
//! What it shares with Live is only the I/O design every fast WebSocket server uses: one
//! reader task and one writer task per connection, a bounded outbound queue (1,000 frames,
//! then close 1008), and a writer that drains the queue, joins JSON frames into one array
//! frame, feeds everything and flushes once. What it skips is everything Live adds: inbound
//! validation, actors and mailboxes, serializing and diffing component state, signing,
//! room tasks. Broadcasts are encoded once and the same `Bytes` is queued for everyone.
//!
//! Handled: `COMPONENT_MOUNT` of `Counter`, `SharedCounter`, `BenchCounter`, `BenchFeed`,
//! `BenchTicker` and `BenchMember` (the component names are the contract), and their
//! `CALL_ACTION`s: `increment`, `tick`. `BenchTicker` ticks on a tokio interval. Uploads
//! (`BenchUpload`) are in `baseline_uploads.rs`.

use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Frames one connection may have queued before it is closed with 1008 (Live's default).
const QUEUE_FRAMES: usize = 1000;

/// A signed-state stand-in shaped like the one Live sends for a `Counter` (the baseline
/// signs nothing; only the bytes on the wire matter).
fn signed_state(component_id: &str) -> String {
    format!(
        r#"{{"data":"{{\"count\":0,\"__componentName\":\"Counter\"}}","signature":"989a4b0eb409ebd5d11c29442f6ceccf4a859dc938569e2054758adaece02625","timestamp":1795816513549,"version":1,"componentId":"{component_id}","compressed":false,"encrypted":false}}"#
    )
}

/// Accepts connections until the process exits.
pub async fn serve(listener: TcpListener) {
    let hub = Arc::new(Hub::default());
    tokio::spawn(tick_loop(Arc::clone(&hub)));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, Arc::clone(&hub)));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

#[derive(Default)]
struct Hub {
    next_id: AtomicU64,
    shared_counter: Mutex<Group<i64>>,
    bench_counter: Mutex<Group<i64>>,
    feed: Mutex<Group<u64>>,
    /// `BenchTicker`: its `(seq, at)`.
    ticker: Mutex<Group<(u64, u64)>>,
    rooms: Mutex<HashMap<String, Members>>,
}

/// A room's members: connection number → (component id, outbox).
type Members = HashMap<u64, (String, Outbox)>;

/// A singleton: its value and its viewers (by connection number).
#[derive(Default)]
struct Group<T> {
    value: T,
    viewers: HashMap<u64, Outbox>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a connection mounted.
enum Mounted {
    Counter(i64),
    SharedCounter,
    BenchCounter,
    Feed,
    Ticker,
    Member(String),
    /// `BenchUpload`: takes uploads (see `baseline_uploads.rs`), no actions.
    Upload,
}

/// The fields of a client frame the baseline reads.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "componentId", borrow, default)]
    component_id: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(default)]
    payload: Option<InPayload>,
}

#[derive(Deserialize)]
struct InPayload {
    #[serde(default)]
    component: Option<String>,
    #[serde(default)]
    props: Option<Props>,
    #[serde(default)]
    seq: Option<u64>,
}

#[derive(Deserialize)]
struct Props {
    #[serde(default)]
    room: Option<String>,
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(64 * 1024)
        .max_write_buffer_size(9 * 1024 * 1024)
}

async fn connection(stream: TcpStream, hub: Arc<Hub>) {
    let _ = stream.set_nodelay(true);
    let Ok(socket) = tokio_tungstenite::accept_async_with_config(stream, Some(config())).await
    else {
        return;
    };
    let number = hub.next_id.fetch_add(1, Ordering::Relaxed);
    let (sink, mut stream) = socket.split();
    let outbox = Outbox::new();
    outbox.push(Frame::Text(Bytes::from(format!(
        r#"{{"type":"CONNECTION_ESTABLISHED","connectionId":"{}"}}"#,
        id_of(number)
    ))));
    let writer = tokio::spawn(write_loop(outbox.clone(), sink));
    let mut mounted: HashMap<String, Mounted> = HashMap::new();
    let mut uploads = super::baseline_uploads::Uploads::default();
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(text) => {
                if text.contains("FILE_UPLOAD_")
                    && let Some(reply) = uploads.text(&text).await
                {
                    outbox.push(Frame::Text(Bytes::from(reply)));
                    continue;
                }
                let Ok(incoming) = serde_json::from_str::<Incoming<'_>>(&text) else {
                    continue;
                };
                handle(&hub, number, &outbox, &mut mounted, incoming);
            }
            Message::Binary(frame) => {
                if let Some(reply) = uploads.binary(&frame).await {
                    outbox.push(Frame::Text(Bytes::from(reply)));
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    lock(&hub.shared_counter).viewers.remove(&number);
    lock(&hub.bench_counter).viewers.remove(&number);
    lock(&hub.feed).viewers.remove(&number);
    lock(&hub.ticker).viewers.remove(&number);
    for component in mounted.values() {
        if let Mounted::Member(room) = component
            && let Some(members) = lock(&hub.rooms).get_mut(room)
        {
            members.remove(&number);
        }
    }
    outbox.close(1000, "");
    let _ = writer.await;
}

/// An 8-character id, like Live's.
fn id_of(number: u64) -> String {
    format!("{:08x}", number & 0xffff_ffff)
}

fn handle(
    hub: &Hub,
    number: u64,
    outbox: &Outbox,
    mounted: &mut HashMap<String, Mounted>,
    incoming: Incoming<'_>,
) {
    let request_id = incoming.request_id.as_deref().unwrap_or_default();
    match incoming.kind.as_ref() {
        "COMPONENT_MOUNT" => {
            let payload = incoming.payload.unwrap_or(InPayload {
                component: None,
                props: None,
                seq: None,
            });
            let echo = incoming.component_id.as_deref().unwrap_or_default();
            let name = payload.component.unwrap_or_default();
            let own_id = id_of(hub.next_id.fetch_add(1, Ordering::Relaxed));
            let (id, state, component) = match name.as_str() {
                "Counter" => (own_id, r#"{"count":0}"#.to_owned(), Mounted::Counter(0)),
                "SharedCounter" => {
                    let mut group = lock(&hub.shared_counter);
                    group.viewers.insert(number, outbox.clone());
                    let state = format!(
                        r#"{{"count":{},"viewers":{}}}"#,
                        group.value,
                        group.viewers.len()
                    );
                    ("shared01".to_owned(), state, Mounted::SharedCounter)
                }
                "BenchCounter" => {
                    let mut group = lock(&hub.bench_counter);
                    group.viewers.insert(number, outbox.clone());
                    let state = format!(r#"{{"count":{}}}"#, group.value);
                    ("counter1".to_owned(), state, Mounted::BenchCounter)
                }
                "BenchFeed" => {
                    let mut group = lock(&hub.feed);
                    group.viewers.insert(number, outbox.clone());
                    let state = format!(
                        r#"{{"seq":{},"pad":"{}"}}"#,
                        group.value,
                        super::components::feed_pad(group.value)
                    );
                    ("feed0001".to_owned(), state, Mounted::Feed)
                }
                "BenchTicker" => {
                    let mut group = lock(&hub.ticker);
                    group.viewers.insert(number, outbox.clone());
                    let (seq, at) = group.value;
                    (
                        "ticker01".to_owned(),
                        ticker_state(seq, at),
                        Mounted::Ticker,
                    )
                }
                "BenchUpload" => (own_id, r#"{"files":0}"#.to_owned(), Mounted::Upload),
                "BenchMember" => {
                    let room = payload
                        .props
                        .and_then(|props| props.room)
                        .filter(|room| !room.is_empty())
                        .unwrap_or_else(|| "main".to_owned());
                    let room_id = format!("bench:{room}");
                    lock(&hub.rooms)
                        .entry(room_id.clone())
                        .or_default()
                        .insert(number, (own_id.clone(), outbox.clone()));
                    let state = format!(r#"{{"room":"{room}"}}"#);
                    outbox.push(Frame::Text(Bytes::from(format!(
                        r#"{{"type":"ROOM_JOINED","componentId":"{own_id}","roomId":"{room_id}","event":"$room:joined","data":{{"state":{{}}}},"timestamp":1764201600000}}"#
                    ))));
                    (own_id, state, Mounted::Member(room_id))
                }
                _ => {
                    outbox.push(Frame::Text(Bytes::from(format!(
                        r#"{{"type":"MESSAGE_RESPONSE","componentId":"{echo}","success":false,"error":"Component '{name}' not found","requestId":"{request_id}"}}"#
                    ))));
                    return;
                }
            };
            let signed = signed_state(&id);
            outbox.push(Frame::Text(Bytes::from(format!(
                r#"{{"type":"STATE_UPDATE","componentId":"{id}","payload":{{"state":{state},"signedState":{signed}}}}}"#
            ))));
            outbox.push(Frame::Text(Bytes::from(format!(
                r#"{{"type":"MESSAGE_RESPONSE","componentId":"{echo}","success":true,"result":{{"componentId":"{id}","initialState":{state},"signedState":{signed}}},"requestId":"{request_id}"}}"#
            ))));
            mounted.insert(id, component);
        }
        "CALL_ACTION" => {
            let id = incoming.component_id.as_deref().unwrap_or_default();
            let action = incoming.action.as_deref().unwrap_or_default();
            let seq = incoming.payload.and_then(|payload| payload.seq);
            let result = match (mounted.get_mut(id), action) {
                (Some(Mounted::Counter(count)), "increment") => {
                    *count += 1;
                    outbox.push(Frame::Text(Bytes::from(format!(
                        r#"{{"type":"STATE_DELTA","componentId":"{id}","payload":{{"delta":{{"count":{count}}}}}}}"#
                    ))));
                    Some(count.to_string())
                }
                (Some(kind @ (Mounted::SharedCounter | Mounted::BenchCounter)), "increment") => {
                    let mut group = if matches!(kind, Mounted::SharedCounter) {
                        lock(&hub.shared_counter)
                    } else {
                        lock(&hub.bench_counter)
                    };
                    group.value += 1;
                    let frame = Bytes::from(format!(
                        r#"{{"type":"STATE_DELTA","componentId":"{id}","payload":{{"delta":{{"count":{}}}}}}}"#,
                        group.value
                    ));
                    for viewer in group.viewers.values() {
                        viewer.push(Frame::Text(frame.clone()));
                    }
                    Some(group.value.to_string())
                }
                (Some(Mounted::Feed), "tick") => {
                    let mut group = lock(&hub.feed);
                    group.value = seq.unwrap_or_default();
                    let frame = Bytes::from(format!(
                        r#"{{"type":"STATE_DELTA","componentId":"{id}","payload":{{"delta":{{"seq":{},"pad":"{}"}}}}}}"#,
                        group.value,
                        super::components::feed_pad(group.value)
                    ));
                    for viewer in group.viewers.values() {
                        viewer.push(Frame::Text(frame.clone()));
                    }
                    None
                }
                (Some(Mounted::Member(room)), "tick") => {
                    let tail = room_tail(room, "tick", seq.unwrap_or_default());
                    if let Some(members) = lock(&hub.rooms).get(room.as_str()) {
                        for (member, (member_id, viewer)) in members {
                            if *member != number {
                                viewer.push(Frame::Binary(room_frame(member_id, &tail)));
                            }
                        }
                    }
                    None
                }
                _ => {
                    outbox.push(Frame::Text(Bytes::from(format!(
                        r#"{{"type":"ACTION_RESPONSE","componentId":"{id}","success":false,"error":"Action '{action}' is not callable","requestId":"{request_id}"}}"#
                    ))));
                    return;
                }
            };
            let result = result
                .map(|result| format!(r#","result":{result}"#))
                .unwrap_or_default();
            outbox.push(Frame::Text(Bytes::from(format!(
                r#"{{"type":"ACTION_RESPONSE","componentId":"{id}","success":true{result},"requestId":"{request_id}"}}"#
            ))));
        }
        _ => {}
    }
}

/// `BenchTicker`'s state (and delta: every field changes with every tick).
fn ticker_state(seq: u64, at: u64) -> String {
    let pad = super::components::ticker_pad(seq);
    format!(r#"{{"seq":{seq},"at":{at},"pad":"{pad}"}}"#)
}

/// `BenchTicker`'s timer, as Live runs it (first tick one period from now, ticks that fall
/// due while one runs are skipped): each tick builds one frame and queues it for every
/// viewer.
async fn tick_loop(hub: Arc<Hub>) {
    let period = super::components::TICKER_PERIOD;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let mut group = lock(&hub.ticker);
        if group.viewers.is_empty() {
            continue;
        }
        let seq = group.value.0 + 1;
        let at = super::components::unix_micros();
        group.value = (seq, at);
        let frame = Bytes::from(format!(
            r#"{{"type":"STATE_DELTA","componentId":"ticker01","payload":{{"delta":{}}}}}"#,
            ticker_state(seq, at)
        ));
        for viewer in group.viewers.values() {
            viewer.push(Frame::Text(frame.clone()));
        }
    }
}

/// `[roomIdLen][roomId][eventLen u16][event][msgpack seq]`: built once per broadcast.
fn room_tail(room_id: &str, event: &str, seq: u64) -> Bytes {
    let mut tail = Vec::with_capacity(room_id.len() + event.len() + 12);
    tail.push(u8::try_from(room_id.len()).unwrap_or(u8::MAX));
    tail.extend_from_slice(room_id.as_bytes());
    tail.extend_from_slice(&u16::try_from(event.len()).unwrap_or(0).to_be_bytes());
    tail.extend_from_slice(event.as_bytes());
    match (u8::try_from(seq), u16::try_from(seq), u32::try_from(seq)) {
        (Ok(small), _, _) if small < 0x80 => tail.push(small),
        (Ok(byte), _, _) => tail.extend_from_slice(&[0xcc, byte]),
        (_, Ok(short), _) => {
            tail.push(0xcd);
            tail.extend_from_slice(&short.to_be_bytes());
        }
        (_, _, Ok(word)) => {
            tail.push(0xce);
            tail.extend_from_slice(&word.to_be_bytes());
        }
        _ => {
            #[allow(clippy::cast_precision_loss)]
            let float = seq as f64;
            tail.push(0xcb);
            tail.extend_from_slice(&float.to_bits().to_be_bytes());
        }
    }
    Bytes::from(tail)
}

/// `[0x02][idLen][id]` + the shared tail: one allocation per recipient, as in Live.
fn room_frame(component_id: &str, tail: &Bytes) -> Bytes {
    let mut frame = Vec::with_capacity(2 + component_id.len() + tail.len());
    frame.push(0x02);
    frame.push(u8::try_from(component_id.len()).unwrap_or(u8::MAX));
    frame.extend_from_slice(component_id.as_bytes());
    frame.extend_from_slice(tail);
    Bytes::from(frame)
}

enum Frame {
    Text(Bytes),
    Binary(Bytes),
    Close(u16, &'static str),
}

/// A bounded outbound queue, the same design as Live's (and every batching server's).
#[derive(Clone)]
struct Outbox(Arc<OutShared>);

struct OutShared {
    queue: Mutex<OutQueue>,
    ready: Notify,
}

struct OutQueue {
    frames: VecDeque<Frame>,
    closing: bool,
}

impl Outbox {
    fn new() -> Self {
        Self(Arc::new(OutShared {
            queue: Mutex::new(OutQueue {
                frames: VecDeque::new(),
                closing: false,
            }),
            ready: Notify::new(),
        }))
    }

    fn push(&self, frame: Frame) {
        let mut queue = lock(&self.0.queue);
        if queue.closing {
            return;
        }
        if queue.frames.len() >= QUEUE_FRAMES {
            queue.frames.clear();
            queue
                .frames
                .push_back(Frame::Close(1008, "Outbound queue full (slow consumer)"));
            queue.closing = true;
        } else {
            queue.frames.push_back(frame);
        }
        drop(queue);
        self.0.ready.notify_one();
    }

    fn close(&self, code: u16, reason: &'static str) {
        let mut queue = lock(&self.0.queue);
        if !queue.closing {
            queue.closing = true;
            queue.frames.push_back(Frame::Close(code, reason));
        }
        drop(queue);
        self.0.ready.notify_one();
    }

    async fn drain_into(&self, batch: &mut Vec<Frame>) -> bool {
        loop {
            {
                let mut queue = lock(&self.0.queue);
                if !queue.frames.is_empty() {
                    batch.extend(queue.frames.drain(..));
                    return true;
                }
                if queue.closing {
                    return false;
                }
            }
            self.0.ready.notified().await;
        }
    }
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

async fn write_loop(outbox: Outbox, mut sink: Sink) {
    let mut batch = Vec::new();
    let mut texts: Vec<Bytes> = Vec::new();
    while outbox.drain_into(&mut batch).await {
        for frame in batch.drain(..) {
            let fed = match frame {
                Frame::Text(text) => {
                    texts.push(text);
                    Ok(())
                }
                Frame::Binary(bytes) => match feed_texts(&mut sink, &mut texts).await {
                    Ok(()) => sink.feed(Message::Binary(bytes)).await,
                    Err(error) => Err(error),
                },
                Frame::Close(code, reason) => {
                    let _ = feed_texts(&mut sink, &mut texts).await;
                    let close = CloseFrame {
                        code: CloseCode::from(code),
                        reason: Utf8Bytes::from_static(reason),
                    };
                    let _ = sink.send(Message::Close(Some(close))).await;
                    let _ = sink.close().await;
                    return;
                }
            };
            if fed.is_err() {
                return;
            }
        }
        let written = match feed_texts(&mut sink, &mut texts).await {
            Ok(()) => sink.flush().await,
            Err(error) => Err(error),
        };
        if written.is_err() {
            return;
        }
    }
}

async fn feed_texts(
    sink: &mut Sink,
    texts: &mut Vec<Bytes>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let joined = match texts.as_slice() {
        [] => return Ok(()),
        [single] => single.clone(),
        many => {
            let total = many.iter().map(Bytes::len).sum::<usize>() + many.len() + 1;
            let mut joined = Vec::with_capacity(total);
            joined.push(b'[');
            for (index, frame) in many.iter().enumerate() {
                if index > 0 {
                    joined.push(b',');
                }
                joined.extend_from_slice(frame);
            }
            joined.push(b']');
            Bytes::from(joined)
        }
    };
    texts.clear();
    match Utf8Bytes::try_from(joined) {
        Ok(text) => sink.feed(Message::Text(text)).await,
        Err(_) => Ok(()),
    }
}

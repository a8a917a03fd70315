//! Metrics at `/metrics`: a scripted workload on one server over real sockets, then its
//! Prometheus text scraped over HTTP, parsed, and every counter asserted exactly. Another
//! server shows that label sets stay bounded whatever action names clients send.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use futures_util::{SinkExt, StreamExt};
use live::prelude::*;
use live::{LiveServer, RunningServer};
use live_tests::transports::http_get;
use live_tests::{connect, eventually, frames_until, mount, start};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A private component with one action of each kind the workload needs.
#[live_component(name = "Meter")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Meter {
    /// Successful hits.
    pub hits: u32,
}

#[live_component]
impl Meter {
    /// Always succeeds.
    #[action]
    fn hit(&mut self) -> u32 {
        self.hits += 1;
        self.hits
    }

    /// Admins only.
    #[action(auth(roles = ["admin"]))]
    fn admin(&mut self) {
        self.hits = 0;
    }

    /// Once a minute per connection.
    #[action(rate_limit(max = 1, per_ms = 60000))]
    fn once(&self) -> &'static str {
        "once"
    }
}

/// A singleton whose every change is a 256 KiB delta: a viewer that stops reading falls
/// behind fast.
#[live_component(name = "Hose", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Hose {
    /// Sprays so far.
    pub round: u32,
    /// A different 256 KiB string each round.
    pub blob: String,
}

#[live_component]
impl Hose {
    /// Replaces the blob.
    #[action]
    fn spray(&mut self) -> u32 {
        self.round += 1;
        let letter = char::from(b'a' + u8::try_from(self.round % 26).unwrap_or(0));
        self.blob = letter.to_string().repeat(256 * 1024);
        self.round
    }
}

fn server(queue: usize) -> LiveServer {
    LiveServer::builder()
        .without_registered_components()
        .component::<Meter>()
        .component::<Hose>()
        .outbound_queue_frames(queue)
        .rate_limit(None)
        .build()
        .unwrap_or_else(|error| panic!("metrics server config: {error}"))
}

/// One scraped sample: its labels, sorted.
type Labels = BTreeMap<String, String>;

/// The Prometheus text format, parsed: `name -> [(labels, value)]`. Fails the test on a
/// line that is not a comment or a sample.
fn parse(text: &str) -> BTreeMap<String, Vec<(Labels, f64)>> {
    let mut samples: BTreeMap<String, Vec<(Labels, f64)>> = BTreeMap::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((series, value)) = line.rsplit_once(' ') else {
            panic!("not a sample: {line:?}");
        };
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            value => value
                .parse()
                .unwrap_or_else(|_| panic!("bad value: {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let Some(inner) = rest.strip_suffix('}') else {
                    panic!("unclosed labels: {line:?}");
                };
                let labels = inner
                    .split(',')
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let Some((key, value)) = pair.split_once('=') else {
                            panic!("bad label: {line:?}");
                        };
                        (key.to_owned(), value.trim_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, Labels::new()),
        };
        samples
            .entry(name.to_owned())
            .or_default()
            .push((labels, value));
    }
    samples
}

/// A scrape of `/metrics`.
struct Scrape(BTreeMap<String, Vec<(Labels, f64)>>);

impl Scrape {
    async fn of(running: &RunningServer) -> Self {
        let (status, body) = http_get(running.local_addr(), "/metrics").await;
        assert!(status.contains("200"), "GET /metrics: {status}");
        Self(parse(&body))
    }

    /// The value of `name` with exactly `labels` (0 when the series is missing).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let wanted: Labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.0
            .get(name)
            .and_then(|series| series.iter().find(|(labels, _)| *labels == wanted))
            .map_or(0.0, |(_, value)| *value)
    }

    /// How many series `name` has.
    fn series(&self, name: &str) -> usize {
        self.0.get(name).map_or(0, Vec::len)
    }
}

fn meter_action(action: &'static str, outcome: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("component", "Meter"),
        ("action", action),
        ("outcome", outcome),
    ]
}

/// A raw WebSocket client that mounts `Hose`, then stops reading.
async fn stalled_viewer(
    running: &RunningServer,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let (mut socket, _) = match tokio_tungstenite::connect_async(running.url()).await {
        Ok(connected) => connected,
        Err(error) => panic!("raw connect: {error}"),
    };
    let mount = json!({"type": "COMPONENT_MOUNT", "componentId": "h", "requestId": "m1",
        "payload": {"component": "Hose"}});
    if let Err(error) = socket.send(Message::text(mount.to_string())).await {
        panic!("raw mount: {error}");
    }
    socket
}

/// Reads what the server had queued until its close frame; returns the close code.
async fn close_code(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Option<CloseCode> {
    let reading = async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|frame| frame.code),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .unwrap_or_else(|_| panic!("the stalled viewer was never closed"))
}

#[tokio::test]
async fn a_scripted_workload_is_counted_exactly() {
    let running = start(&server(8)).await;

    // A mount, 100 actions, a denied call, a rate-limited call, a bad frame, an unknown name.
    let client = connect(&running).await;
    let meter = mount(&client, "Meter").await;
    for expected in 1..=100u32 {
        let result = client.call(&meter, "hit", Value::Null).await;
        assert_eq!(result.ok().flatten(), Some(json!(expected)));
    }
    assert!(client.call(&meter, "admin", Value::Null).await.is_err());
    assert!(client.call(&meter, "once", Value::Null).await.is_ok());
    assert!(client.call(&meter, "once", Value::Null).await.is_err());
    assert!(
        client
            .call(&meter, "no_such_action", Value::Null)
            .await
            .is_err()
    );
    if let Err(error) = client.send_text("{not json").await {
        panic!("send: {error}");
    }
    frames_until(&client, "ERROR").await;

    // A slow consumer: a viewer of `Hose` that stops reading while another client sprays.
    let mut stalled = stalled_viewer(&running).await;
    let sprayer = connect(&running).await;
    let hose = mount(&sprayer, "Hose").await;
    let mut sprays = 0u32;
    loop {
        let before = Scrape::of(&running).await;
        if before.value("live_slow_consumer_closes_total", &[]) >= 1.0 {
            break;
        }
        assert!(sprays < 2_000, "the stalled viewer was never dropped");
        let result = sprayer.call(&hose, "spray", Value::Null).await;
        assert!(result.is_ok(), "spray failed: {result:?}");
        sprays += 1;
    }
    assert_eq!(close_code(&mut stalled).await, Some(CloseCode::Policy));
    drop(stalled);
    eventually("the stalled viewer's close counted", || async {
        let scrape = Scrape::of(&running).await;
        scrape.value("live_connections_closed_total", &[("code", "1008")]) == 1.0
    })
    .await;

    let scrape = Scrape::of(&running).await;
    let f = |n: u32| f64::from(n);
    assert_eq!(scrape.value("live_connections_opened_total", &[]), 3.0);
    assert_eq!(
        scrape.value("live_connections_closed_total", &[("code", "1008")]),
        1.0
    );
    assert_eq!(scrape.value("live_slow_consumer_closes_total", &[]), 1.0);
    assert_eq!(
        scrape.value("live_connections_closed_total", &[("code", "1000")]),
        0.0
    );
    assert_eq!(scrape.value("live_connections", &[]), 2.0);
    assert_eq!(
        scrape.value(
            "live_component_instances_started_total",
            &[("component", "Meter")]
        ),
        1.0
    );
    assert_eq!(
        scrape.value(
            "live_component_instances_started_total",
            &[("component", "Hose")]
        ),
        1.0
    );
    assert_eq!(
        scrape.value("live_component_instances", &[("component", "Meter")]),
        1.0
    );
    assert_eq!(scrape.value("live_components", &[]), 2.0);
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("hit", "ok")),
        100.0
    );
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("admin", "denied")),
        1.0
    );
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("once", "ok")),
        1.0
    );
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("once", "rate_limited")),
        1.0
    );
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("_unknown", "error")),
        1.0
    );
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("hit", "error")),
        0.0
    );
    let spray = [
        ("component", "Hose"),
        ("action", "spray"),
        ("outcome", "ok"),
    ];
    assert_eq!(scrape.value("live_actions_total", &spray), f(sprays));
    // The latency histogram holds the actions that ran: not the denied or limited ones.
    let hit = [("component", "Meter"), ("action", "hit")];
    assert_eq!(
        scrape.value("live_action_duration_seconds_count", &hit),
        100.0
    );
    let inf = [("component", "Meter"), ("action", "hit"), ("le", "+Inf")];
    assert_eq!(
        scrape.value("live_action_duration_seconds_bucket", &inf),
        100.0
    );
    let once = [("component", "Meter"), ("action", "once")];
    assert_eq!(
        scrape.value("live_action_duration_seconds_count", &once),
        1.0
    );
    assert!(scrape.value("live_action_duration_seconds_sum", &hit) > 0.0);
    let refused = |reason| scrape.value("live_frames_refused_total", &[("reason", reason)]);
    assert_eq!(refused("invalid_json"), 1.0);
    assert_eq!(refused("rate_limited"), 0.0);
    assert_eq!(scrape.series("live_frames_refused_total"), 7);
    assert!(scrape.value("live_outbound_queue_depth_frames_count", &[]) > 0.0);

    client.close().await;
    sprayer.close().await;
    eventually("both clients' closes counted", || async {
        let scrape = Scrape::of(&running).await;
        scrape.value("live_connections_closed_total", &[("code", "1000")]) == 2.0
            && scrape.value("live_connections", &[]) == 0.0
    })
    .await;
    running.shutdown().await;
}

/// A tiny xorshift: random-looking action names without a dependency.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[tokio::test]
async fn random_action_names_do_not_grow_the_label_sets() {
    let running = start(&server(50_000)).await;
    let client = connect(&running).await;
    let meter = mount(&client, "Meter").await;
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..10_000 {
        let name = format!("action_{:016x}", next_random(&mut seed));
        let call = json!({"type": "CALL_ACTION", "componentId": meter, "action": name,
            "payload": {}});
        if let Err(error) = client.send_json(&call).await {
            panic!("send: {error}");
        }
    }
    // Calls run in order: once this one answers, the 10,000 have been counted.
    assert!(client.call(&meter, "hit", Value::Null).await.is_ok());

    let scrape = Scrape::of(&running).await;
    assert_eq!(
        scrape.value("live_actions_total", &meter_action("_unknown", "error")),
        10_000.0
    );
    // Meter's three actions times five outcomes, plus the one `_unknown` series.
    assert_eq!(scrape.series("live_actions_total"), 3 * 5 + 1);
    // One latency histogram per action: 17 buckets + `+Inf`.
    assert_eq!(scrape.series("live_action_duration_seconds_bucket"), 3 * 18);
    let text = http_get(running.local_addr(), "/metrics").await.1;
    assert!(
        !text.contains("action_0"),
        "a client's action name became a label"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn every_transport_serves_metrics_at_the_configured_path() {
    use live_tests::transports::Transport;
    for transport in Transport::ALL {
        let live = LiveServer::builder()
            .without_registered_components()
            .component::<Meter>()
            .metrics_path(Some("/ops/metrics"))
            .build()
            .unwrap_or_else(|error| panic!("config: {error}"));
        let served = transport.serve(&live).await;
        let client = served.connect().await;
        let meter = mount(&client, "Meter").await;
        assert!(client.call(&meter, "hit", Value::Null).await.is_ok());
        let (status, body) = http_get(served.addr(), "/ops/metrics").await;
        assert!(status.contains("200"), "[{transport}] {status}");
        let scrape = parse(&body);
        let hits = scrape
            .get("live_actions_total")
            .and_then(|series| {
                series.iter().find(|(labels, _)| {
                    labels.get("action").map(String::as_str) == Some("hit")
                        && labels.get("outcome").map(String::as_str) == Some("ok")
                })
            })
            .map(|(_, value)| *value);
        assert_eq!(hits, Some(1.0), "[{transport}]");
        assert!(
            live.render_metrics()
                .contains("# TYPE live_actions_total counter")
        );
        let (status, _) = http_get(served.addr(), "/metrics").await;
        assert!(
            !status.contains("200"),
            "[{transport}] the default path is replaced: {status}"
        );
        client.close().await;
        served.shutdown().await;
    }
}

#[tokio::test]
async fn metrics_can_be_left_unserved() {
    let live = LiveServer::builder()
        .without_registered_components()
        .component::<Meter>()
        .metrics_path(None)
        .build()
        .unwrap_or_else(|error| panic!("config: {error}"));
    let running = start(&live).await;
    let (status, _) = http_get(running.local_addr(), "/metrics").await;
    assert!(status.contains("404"), "{status}");
    assert!(
        live.render_metrics()
            .contains("live_connections_opened_total 0")
    );
    running.shutdown().await;
}

#[tokio::test]
async fn metrics_can_be_turned_off_at_run_time() {
    let live = LiveServer::builder()
        .without_registered_components()
        .component::<Meter>()
        .without_metrics()
        .build()
        .unwrap_or_else(|error| panic!("config: {error}"));
    let running = start(&live).await;
    let client = connect(&running).await;
    let meter = mount(&client, "Meter").await;
    assert!(client.call(&meter, "hit", Value::Null).await.is_ok());
    let (status, _) = http_get(running.local_addr(), "/metrics").await;
    assert!(status.contains("404"), "{status}");
    assert_eq!(live.render_metrics(), "");
    running.shutdown().await;
}

#[tokio::test]
async fn signature_renewals_and_rehydrations_are_counted() {
    let mut config = live::LiveConfig::default();
    config.state_signing.secret = Some("metrics-test-secret".to_owned());
    config.state_signing.renew_interval = Duration::from_millis(20);
    let live = LiveServer::builder()
        .without_registered_components()
        .component::<demo::Counter>()
        .config(config)
        .build()
        .unwrap_or_else(|error| panic!("config: {error}"));
    let running = start(&live).await;
    let first = connect(&running).await;
    let mounted = first
        .request(json!({"type": "COMPONENT_MOUNT", "payload": {"component": "Counter"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = mounted["result"]["componentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(first.call(&id, "add", json!({"by": 3})).await.is_ok());
    let renewed = first
        .next_of_type("STATE_SIGNATURE")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let signed = renewed["payload"]["signedState"].clone();
    first.close().await;

    let second = connect(&running).await;
    let rehydrate = |signed: Value| {
        json!({"type": "COMPONENT_REHYDRATE", "componentId": id,
            "payload": {"component": "Counter", "signedState": signed}})
    };
    let restored = second.request(rehydrate(signed.clone())).await;
    assert_eq!(
        restored.ok().map(|reply| reply["success"].clone()),
        Some(json!(true))
    );
    let mut forged = signed;
    forged["data"] = json!({"count": 1000});
    let refused = second.request(rehydrate(forged)).await;
    assert_eq!(
        refused.ok().map(|reply| reply["success"].clone()),
        Some(json!(false))
    );

    let scrape = Scrape::of(&running).await;
    assert_eq!(scrape.value("live_signature_renewals_total", &[]), 1.0);
    assert_eq!(
        scrape.value("live_rehydrations_total", &[("outcome", "ok")]),
        1.0
    );
    assert_eq!(
        scrape.value("live_rehydrations_total", &[("outcome", "refused")]),
        1.0
    );
    running.shutdown().await;
}

#[tokio::test]
async fn cluster_claims_and_forwards_are_counted_on_each_server() {
    use live::cluster::InProcessCluster;
    let first =
        InProcessCluster::new().with_timing(Duration::from_secs(2), Duration::from_millis(200));
    let second = first.join();
    let member = |cluster: &InProcessCluster| {
        LiveServer::builder()
            .without_registered_components()
            .component::<demo::SharedCounter>()
            .cluster(cluster.clone())
            .build()
            .unwrap_or_else(|error| panic!("{error}"))
    };
    let (server_a, server_b) = (member(&first), member(&second));
    let (running_a, running_b) = (start(&server_a).await, start(&server_b).await);
    let alice = connect(&running_a).await;
    let bob = connect(&running_b).await;
    let owner = mount(&alice, "SharedCounter").await;
    let proxy = mount(&bob, "SharedCounter").await;
    assert_eq!(owner, proxy);
    for _ in 0..3 {
        assert!(bob.call(&proxy, "add", json!({"by": 1})).await.is_ok());
    }

    let a = Scrape(parse(&server_a.render_metrics()));
    let b = Scrape(parse(&server_b.render_metrics()));
    assert_eq!(a.value("live_cluster_claims_total", &[]), 1.0);
    assert_eq!(b.value("live_cluster_claims_total", &[]), 0.0);
    assert_eq!(
        b.value("live_cluster_forwards_total", &[("outcome", "ok")]),
        3.0
    );
    assert_eq!(
        b.value("live_cluster_forward_duration_seconds_count", &[]),
        3.0
    );
    assert_eq!(
        a.value("live_cluster_forwards_total", &[("outcome", "ok")]),
        0.0
    );
    // The owner runs the forwarded calls: they are its actions.
    let add = [
        ("component", "SharedCounter"),
        ("action", "add"),
        ("outcome", "ok"),
    ];
    assert_eq!(a.value("live_actions_total", &add), 3.0);
    assert_eq!(b.value("live_actions_total", &add), 0.0);
    assert_eq!(a.value("live_cluster_backend_errors_total", &[]), 0.0);
    running_a.shutdown().await;
    running_b.shutdown().await;
}

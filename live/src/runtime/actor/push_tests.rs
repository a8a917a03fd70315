//! Pushed work on a paused clock: timers, background tasks, cancellation and destruction,
//! seen through the viewer's outbound queue.

// Test code: `serde_json::Value` indexing returns `Null` for a missing key.
#![allow(clippy::indexing_slicing)]

use super::spawn::{SpawnRequest, start_component};
use crate::component::push::{JobSender, Once, PushError, send_job, try_send_job};
use crate::component::{ActionResult, Ctx, Identity, LiveComponent, TimerHandle};
use crate::room::LeaveReason;
use crate::runtime::mailbox::{Call, Caller, ComponentHandle, MountReply, Viewer};
use crate::runtime::outbox::{OutFrame, Outbox};
use crate::runtime::{Hub, HubParts};
use crate::security::AuthProviders;
use crate::server::LiveConfig;
use crate::support::BoxFuture;
use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::sleep;

/// A component driven by actions that start timers and tasks.
#[derive(Default, Serialize, Deserialize)]
struct Pulse {
    ticks: u64,
    #[serde(skip)]
    timer: Option<TimerHandle>,
}

fn millis(payload: &Value) -> Duration {
    Duration::from_millis(payload["ms"].as_u64().unwrap_or(0))
}

/// Dropped when the spawned future holding it is dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

static SPAWNED_DROPPED: std::sync::LazyLock<Arc<AtomicBool>> =
    std::sync::LazyLock::new(Arc::default);

impl LiveComponent for Pulse {
    const NAME: &'static str = "Pulse";
    const ACTIONS: &'static [&'static str] = &[
        "every",
        "after",
        "cancel",
        "block",
        "spawn",
        "spawn_forever",
        "panicky",
        "bump",
    ];

    fn dispatch<'a>(
        &'a mut self,
        action: &'a str,
        payload: Value,
        ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, ActionResult> {
        Box::pin(async move {
            match action {
                "every" => {
                    self.timer = Some(ctx.every(millis(&payload), |c: &mut Self, _| c.ticks += 1));
                }
                "after" => {
                    self.timer = Some(ctx.after(millis(&payload), |c: &mut Self, _| {
                        c.ticks += 100;
                    }));
                }
                "cancel" => {
                    if let Some(timer) = &self.timer {
                        timer.cancel();
                    }
                }
                "block" => sleep(millis(&payload)).await,
                "spawn" => {
                    let delay = millis(&payload);
                    ctx.spawn(
                        async move {
                            sleep(delay).await;
                            42
                        },
                        |c: &mut Self, value, _| c.ticks = value,
                    );
                }
                "spawn_forever" => {
                    let flag = DropFlag(Arc::clone(&SPAWNED_DROPPED));
                    ctx.spawn(
                        async move {
                            let _flag = flag;
                            std::future::pending::<()>().await;
                        },
                        |_: &mut Self, (), _| {},
                    );
                }
                "panicky" => {
                    ctx.every(millis(&payload), |c: &mut Self, _| {
                        c.ticks += 1;
                        assert!(c.ticks != 1, "the first tick panics");
                    });
                }
                "bump" => self.ticks += 1,
                _ => {}
            }
            Ok(None)
        })
    }
}

/// A mounted [`Pulse`] and the outbox of its one viewer.
pub(super) struct Fixture {
    hub: Hub,
    handle: ComponentHandle,
    outbox: Outbox,
}

pub(super) fn mount() -> Fixture {
    let hub = Hub::new(HubParts {
        config: LiveConfig::default(),
        components: HashMap::new(),
        room_types: HashMap::new(),
        auth: AuthProviders::new(Vec::new()),
        cluster: None,
        messages: Vec::new(),
        metrics: false,
        upload_store: None,
    });
    let outbox = Outbox::new(10_000);
    let (handle, actor) = start_component::<Pulse>(SpawnRequest {
        id: Arc::from("p1"),
        props: None,
        viewer: Viewer {
            connection_id: Arc::from("conn"),
            outbox: outbox.clone(),
            identity: Identity::anonymous(),
        },
        reply: MountReply::default(),
        singleton: None,
        env: Arc::clone(&hub.env),
        default_room: None,
        restore: None,
        cluster: None,
    })
    .unwrap_or_else(|error| panic!("{error}"));
    tokio::spawn(actor);
    Fixture {
        hub,
        handle,
        outbox,
    }
}

impl Fixture {
    pub(super) async fn act(&self, action: &str, payload: Value) {
        let call = Call::Action {
            caller: Caller {
                connection_id: Arc::from("conn"),
                identity: Identity::anonymous(),
            },
            action: action.to_owned(),
            payload,
            expect_response: false,
            request_id: None,
        };
        if self.handle.call(call).await.is_err() {
            panic!("the component stopped");
        }
        // Let the actor run the call.
        sleep(Duration::from_millis(1)).await;
    }

    /// The JSON frames queued so far, taken from the outbox.
    pub(super) fn frames(&self) -> Vec<Value> {
        let frames = self.outbox.next_batch().now_or_never().flatten();
        frames
            .unwrap_or_default()
            .iter()
            .filter_map(|frame| match frame {
                OutFrame::Text(text) => serde_json::from_slice::<Value>(text).ok(),
                _ => None,
            })
            .collect()
    }

    /// The `ticks` values of the state frames queued so far.
    fn ticks(&self) -> Vec<u64> {
        self.frames()
            .into_iter()
            .filter_map(|frame| match frame["type"].as_str() {
                Some("STATE_UPDATE") => frame["payload"]["state"]["ticks"].as_u64(),
                Some("STATE_DELTA") => frame["payload"]["delta"]["ticks"].as_u64(),
                _ => None,
            })
            .collect()
    }

    /// Queues a call without letting the actor run.
    async fn queue(&self, action: &str, payload: Value) {
        self.queue_call(action, payload, None).await;
    }

    /// Queues a call, with a reply requested when it has a request id.
    pub(super) async fn queue_call(&self, action: &str, payload: Value, request_id: Option<&str>) {
        let call = Call::Action {
            caller: Caller {
                connection_id: Arc::from("conn"),
                identity: Identity::anonymous(),
            },
            action: action.to_owned(),
            payload,
            expect_response: request_id.is_some(),
            request_id: request_id.map(str::to_owned),
        };
        if self.handle.call(call).await.is_err() {
            panic!("the component stopped");
        }
    }

    fn push_tasks(&self) -> usize {
        self.hub.stats.push_tasks()
    }
}

#[tokio::test(start_paused = true)]
async fn a_timer_updates_viewers_at_its_period() {
    let pulse = mount();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(pulse.ticks(), [0], "the mount's state");
    pulse.act("every", json!({"ms": 100})).await;
    sleep(Duration::from_millis(350)).await;
    assert_eq!(pulse.ticks(), [1, 2, 3]);
    assert_eq!(pulse.push_tasks(), 1);
}

#[tokio::test(start_paused = true)]
async fn after_fires_once() {
    let pulse = mount();
    pulse.act("after", json!({"ms": 50})).await;
    sleep(Duration::from_secs(1)).await;
    assert_eq!(pulse.ticks(), [0, 100]);
    assert_eq!(pulse.push_tasks(), 0, "a fired timer's task ended");
}

#[tokio::test(start_paused = true)]
async fn cancel_stops_a_timer() {
    let pulse = mount();
    pulse.act("every", json!({"ms": 100})).await;
    sleep(Duration::from_millis(250)).await;
    pulse.act("cancel", Value::Null).await;
    sleep(Duration::from_secs(1)).await;
    assert_eq!(pulse.ticks(), [0, 1, 2]);
    assert_eq!(pulse.push_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_tick_queued_before_cancel_does_not_run() {
    let pulse = mount();
    pulse.act("every", json!({"ms": 10})).await;
    // A tick falls due while the component is busy; calls go before pushed work, so the
    // cancel runs before the queued tick.
    pulse.queue("block", json!({"ms": 100})).await;
    pulse.queue("cancel", Value::Null).await;
    sleep(Duration::from_millis(500)).await;
    assert_eq!(pulse.ticks(), [0]);
    assert_eq!(pulse.push_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_busy_component_does_not_pile_up_ticks() {
    let pulse = mount();
    pulse.act("every", json!({"ms": 10})).await;
    // The component is busy for 100 periods: at most one tick waits meanwhile.
    pulse.act("block", json!({"ms": 1000})).await;
    sleep(Duration::from_millis(1000)).await;
    let during = pulse.ticks();
    assert!(
        during.len() <= 3,
        "ticks piled up while the component was busy: {during:?}"
    );
    sleep(Duration::from_millis(100)).await;
    let after = pulse.ticks();
    assert!(
        (9..=11).contains(&after.len()),
        "the timer kept its period: {after:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_spawned_result_lands_in_state_through_the_component() {
    let pulse = mount();
    pulse.act("spawn", json!({"ms": 100})).await;
    assert_eq!(pulse.push_tasks(), 1);
    sleep(Duration::from_millis(200)).await;
    assert_eq!(pulse.ticks(), [0, 42]);
    assert_eq!(pulse.push_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn destroy_cancels_timers_and_drops_running_tasks() {
    let pulse = mount();
    let before = pulse.push_tasks();
    pulse.act("every", json!({"ms": 10})).await;
    pulse.act("spawn_forever", Value::Null).await;
    assert_eq!(pulse.push_tasks(), before + 2);
    sleep(Duration::from_millis(35)).await;
    assert!(!pulse.ticks().is_empty());
    pulse.handle.leave(Arc::from("conn"), LeaveReason::Cleanup);
    sleep(Duration::from_millis(5)).await;
    let _ = pulse.ticks();
    sleep(Duration::from_millis(500)).await;
    assert_eq!(pulse.ticks(), Vec::<u64>::new(), "no frame after destroy");
    assert_eq!(pulse.push_tasks(), before);
    assert!(
        SPAWNED_DROPPED.load(Ordering::SeqCst),
        "the spawned future was dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_timer_handler_is_contained() {
    let pulse = mount();
    pulse.act("panicky", json!({"ms": 10})).await;
    sleep(Duration::from_millis(35)).await;
    // The first tick panicked (its change is still published); the timer keeps ticking.
    assert_eq!(pulse.ticks(), [0, 1, 2, 3]);
    pulse.act("after", json!({"ms": 1})).await;
    sleep(Duration::from_millis(5)).await;
    assert!(pulse.ticks().contains(&103), "the component still serves");
}

#[tokio::test(start_paused = true)]
async fn a_zero_period_does_not_panic() {
    let pulse = mount();
    pulse.act("every", json!({"ms": 0})).await;
    sleep(Duration::from_millis(3)).await;
    assert!(!pulse.ticks().is_empty());
}

impl Fixture {
    fn jobs(&self) -> JobSender<Pulse> {
        self.handle
            .jobs()
            .and_then(|jobs| jobs.downcast_ref::<JobSender<Pulse>>())
            .cloned()
            .unwrap_or_else(|| panic!("no work mailbox"))
    }
}

fn bump(component: &mut Pulse, _: &mut Ctx<Pulse>) {
    component.ticks += 1;
}

#[tokio::test(start_paused = true)]
async fn a_busy_component_refuses_try_send_with_full_and_send_waits() {
    let pulse = mount();
    let jobs = pulse.jobs();
    pulse.act("block", json!({"ms": 1000})).await;
    let mut queued = 0;
    let refused = loop {
        match try_send_job(&jobs, Box::new(Once(bump))) {
            Ok(()) => queued += 1,
            Err(error) => break error,
        }
        assert!(queued <= 64, "the mailbox holds 64 jobs");
    };
    assert_eq!(refused, PushError::Full);
    assert_eq!(queued, 64);
    // `send` waits for room, then everything runs in order.
    assert_eq!(send_job(&jobs, Box::new(Once(bump))).await, Ok(()));
    sleep(Duration::from_millis(1100)).await;
    assert_eq!(pulse.ticks().last(), Some(&65));
}

#[tokio::test(start_paused = true)]
async fn a_destroyed_component_is_gone() {
    let pulse = mount();
    let jobs = pulse.jobs();
    pulse.handle.leave(Arc::from("conn"), LeaveReason::Cleanup);
    sleep(Duration::from_millis(5)).await;
    assert_eq!(
        try_send_job(&jobs, Box::new(Once(bump))),
        Err(PushError::Gone)
    );
    assert_eq!(
        send_job(&jobs, Box::new(Once(bump))).await,
        Err(PushError::Gone)
    );
}

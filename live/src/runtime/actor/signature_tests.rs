//! Signature renewal on a paused clock (default interval, 1 s): a change made when the
//! last signature is an interval old is signed by the call that made it, before its
//! reply; a change inside the interval is signed by the timer, a quarter interval after
//! the interval ends.

// Test code: `serde_json::Value` indexing returns `Null` for a missing key.
#![allow(clippy::indexing_slicing)]

use super::push_tests::mount;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::sleep;

/// The frames' types, with the signed version for `STATE_SIGNATURE`.
fn kinds(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .map(|frame| match frame["type"].as_str() {
            Some("STATE_SIGNATURE") => {
                format!(
                    "STATE_SIGNATURE v{}",
                    frame["payload"]["signedState"]["version"]
                )
            }
            kind => kind.unwrap_or_default().to_owned(),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_change_after_the_interval_is_signed_by_its_call_before_the_reply() {
    let pulse = mount();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(
        kinds(&pulse.frames()),
        ["STATE_UPDATE", "MESSAGE_RESPONSE"],
        "the mount: its signed state and reply"
    );
    sleep(Duration::from_millis(1_100)).await;
    pulse.queue_call("bump", Value::Null, Some("r1")).await;
    sleep(Duration::from_millis(10)).await;
    assert_eq!(
        kinds(&pulse.frames()),
        ["STATE_DELTA", "STATE_SIGNATURE v2", "ACTION_RESPONSE"],
        "signed by the call itself, in the same batch as its delta"
    );
    sleep(Duration::from_secs(3)).await;
    assert_eq!(
        kinds(&pulse.frames()),
        Vec::<String>::new(),
        "nothing left to sign"
    );
}

#[tokio::test(start_paused = true)]
async fn a_change_inside_the_interval_is_signed_by_the_timer_after_it() {
    let pulse = mount();
    sleep(Duration::from_millis(1)).await;
    pulse.frames();
    pulse.act("after", json!({"ms": 100})).await;
    sleep(Duration::from_millis(200)).await;
    assert_eq!(
        kinds(&pulse.frames()),
        ["STATE_DELTA"],
        "inside the interval: not yet"
    );
    sleep(Duration::from_millis(1_000)).await;
    assert_eq!(
        kinds(&pulse.frames()),
        Vec::<String>::new(),
        "until a quarter interval after it"
    );
    sleep(Duration::from_millis(100)).await;
    assert_eq!(kinds(&pulse.frames()), ["STATE_SIGNATURE v2"]);
}

#[tokio::test(start_paused = true)]
async fn frequent_changes_renew_once_per_interval() {
    let pulse = mount();
    sleep(Duration::from_millis(1)).await;
    pulse.frames();
    pulse.act("every", json!({"ms": 100})).await;
    sleep(Duration::from_millis(2_950)).await;
    let frames = pulse.frames();
    let signatures: Vec<usize> = frames
        .iter()
        .enumerate()
        .filter(|(_, frame)| frame["type"] == "STATE_SIGNATURE")
        .map(|(at, _)| at)
        .collect();
    assert_eq!(signatures.len(), 2, "at 1 s and 2 s: {:?}", kinds(&frames));
    for at in signatures {
        let delta = at.checked_sub(1).and_then(|before| frames.get(before));
        assert_eq!(
            delta.map(|frame| &frame["type"]),
            Some(&json!("STATE_DELTA")),
            "each right after the delta that made it due"
        );
    }
}

use super::{Call, Caller, ClusterSignal, HandedEvent, Mail, RoomDelivery, open};
use crate::component::Identity;
use crate::room::EventSender;
use serde_json::Value;
use std::sync::Arc;

/// A mailbox's buffer holds at least four messages once used, and a queued message is
/// this size, so small messages keep an idle component small (docs/performance.md).
#[test]
fn mailbox_messages_stay_small() {
    let mail = std::mem::size_of::<Mail>();
    println!("Mail: {mail} B");
    assert!(mail <= 16, "Mail grew to {mail} B: box the new variant");
}

#[test]
fn a_member_mailbox_delivers_room_events_only_as_room_controls() {
    let (handle, mut inbox) = open(Arc::from("c1"));
    let delivery = RoomDelivery {
        room_id: Arc::from("room"),
        event: Arc::new(HandedEvent {
            name: "moved".to_owned(),
            data: Value::Null,
            sender: EventSender::App,
        }),
    };
    handle.member_mailbox().deliver(delivery);
    match inbox.try_recv() {
        Some(Mail::Room(delivery)) => assert_eq!(&*delivery.room_id, "room"),
        other => panic!("expected a room delivery, got {other:?}"),
    }
}

#[test]
fn a_cluster_mailbox_does_not_keep_the_actor_reachable() {
    let (handle, mut inbox) = open(Arc::from("c1"));
    let mailbox = handle.cluster_mailbox();
    assert!(mailbox.signal(ClusterSignal::Reclaimed));
    assert!(matches!(inbox.try_recv(), Some(Mail::Cluster(_))));
    // The handle (and every clone a room or connection holds) is gone: the actor's
    // mailbox closes, and the link's tasks learn that they should stop.
    drop(handle);
    assert!(!mailbox.signal(ClusterSignal::Reclaimed));
}

fn action(request_id: &str) -> Call {
    Call::Action {
        caller: Caller {
            connection_id: Arc::from("conn"),
            identity: Identity::anonymous(),
        },
        action: "increment".to_owned(),
        payload: Value::Null,
        expect_response: true,
        request_id: Some(request_id.to_owned()),
    }
}

#[test]
fn membership_changes_overtake_queued_calls_and_a_full_mailbox_gives_the_call_back() {
    let (handle, mut inbox) = open(Arc::from("c1"));
    let mut queued = 0;
    let refused = loop {
        match handle.try_call(action(&format!("r{queued}"))) {
            Ok(()) => queued += 1,
            Err(refused) => break refused,
        }
    };
    assert_eq!(queued, 64, "the call lane's bound");
    match refused {
        crate::support::queue::TrySendError::Full(mail) => {
            assert_eq!(mail.request_id(), Some("r64"));
            assert!(mail.into_call().is_some());
        }
        other => panic!("expected a full mailbox, got {other:?}"),
    }
    // A leave is not held back by the full call lane, and is received first.
    handle.leave(Arc::from("conn"), crate::room::LeaveReason::Cleanup);
    assert!(!inbox.no_urgent());
    assert!(matches!(inbox.try_recv(), Some(Mail::Leave(_))));
    match inbox.try_recv() {
        Some(Mail::Call(call)) => assert_eq!(call.request_id(), Some("r0")),
        other => panic!("expected the first call, got {other:?}"),
    }
}

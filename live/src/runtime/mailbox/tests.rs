use super::{Call, ClusterSignal, Control, HandedEvent, RoomDelivery, open};
use crate::room::EventSender;
use serde_json::Value;
use std::sync::Arc;

/// A mailbox's buffer holds at least four messages once used, and a queued message is
/// this size, so small messages keep an idle component small (docs/performance.md).
#[test]
fn mailbox_messages_stay_small() {
    let control = std::mem::size_of::<Control>();
    let call = std::mem::size_of::<Box<Call>>();
    println!("Control: {control} B, Box<Call>: {call} B");
    assert!(
        control <= 16,
        "Control grew to {control} B: box the new variant"
    );
    assert_eq!(call, std::mem::size_of::<usize>());
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
    match inbox.control.try_recv() {
        Some(Control::Room(delivery)) => assert_eq!(&*delivery.room_id, "room"),
        other => panic!("expected a room delivery, got {other:?}"),
    }
}

#[test]
fn a_cluster_mailbox_does_not_keep_the_actor_reachable() {
    let (handle, mut inbox) = open(Arc::from("c1"));
    let mailbox = handle.cluster_mailbox();
    assert!(mailbox.signal(ClusterSignal::Reclaimed));
    assert!(matches!(
        inbox.control.try_recv(),
        Some(Control::Cluster(_))
    ));
    // The handle (and every clone a room or connection holds) is gone: the actor's
    // mailbox closes, and the link's tasks learn that they should stop.
    drop(handle);
    assert!(!mailbox.signal(ClusterSignal::Reclaimed));
}

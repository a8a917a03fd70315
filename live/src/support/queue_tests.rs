#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::queue::{TrySendError, bounded, unbounded};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(5);

#[tokio::test]
async fn messages_arrive_in_order_and_the_queue_ends_with_its_last_sender() {
    let (tx, mut rx) = unbounded();
    let second = tx.clone();
    tx.try_send(1).unwrap();
    second.try_send(2).unwrap();
    drop(tx);
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert!(rx.is_empty());
    let waiting = tokio::spawn(async move { rx.recv().await });
    tokio::task::yield_now().await;
    drop(second);
    let ended = timeout(BOUND, waiting).await.unwrap().unwrap();
    assert_eq!(ended, None);
}

#[tokio::test]
async fn a_full_bounded_queue_refuses_try_send_and_makes_send_wait() {
    let (tx, mut rx) = bounded(2);
    tx.try_send(1).unwrap();
    tx.send(2).await.unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    let sender = tx.clone();
    let mut blocked = tokio::spawn(async move { sender.send(3).await });
    assert!(
        timeout(Duration::from_millis(50), &mut blocked)
            .await
            .is_err()
    );
    assert_eq!(rx.recv().await, Some(1));
    timeout(BOUND, blocked).await.unwrap().unwrap().unwrap();
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, Some(3));
}

#[tokio::test]
async fn without_a_receiver_sends_fail_and_queued_messages_are_dropped() {
    let (tx, rx) = bounded(4);
    let queued = Arc::new(());
    tx.try_send(Arc::clone(&queued)).unwrap();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(
        Arc::strong_count(&queued),
        1,
        "the queued message was not dropped"
    );
    assert!(matches!(
        tx.try_send(Arc::new(())),
        Err(TrySendError::Closed(_))
    ));
    assert!(
        timeout(BOUND, tx.send(Arc::new(())))
            .await
            .unwrap()
            .is_err()
    );
}

#[tokio::test]
async fn a_weak_sender_does_not_keep_the_queue_open() {
    let (tx, mut rx) = unbounded::<u8>();
    let weak = tx.downgrade();
    let upgraded = weak.upgrade().unwrap();
    drop(tx);
    upgraded.try_send(7).unwrap();
    drop(upgraded);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.recv().await, Some(7));
    assert_eq!(rx.recv().await, None);
}

#[tokio::test]
async fn urgent_messages_overtake_the_others_and_are_never_refused_for_room() {
    let (tx, mut rx) = bounded(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    tx.try_send_urgent(10).unwrap();
    tx.try_send_urgent(11).unwrap();
    assert!(!rx.no_urgent());
    assert_eq!(rx.recv().await, Some(10));
    assert_eq!(rx.recv().await, Some(11));
    assert!(rx.no_urgent());
    assert_eq!(rx.recv().await, Some(1));
    // Urgent messages took no place: the bound is free again after the one ordinary message.
    tx.try_send(3).unwrap();
    assert_eq!(rx.recv().await, Some(3));
    assert!(rx.is_empty());
}

#[tokio::test]
async fn an_urgent_message_wakes_a_waiting_receiver_and_is_dropped_with_the_receiver() {
    let (tx, mut rx) = bounded::<Arc<()>>(4);
    let waiting = tokio::spawn(async move {
        let first = rx.recv().await;
        (first, rx)
    });
    tokio::task::yield_now().await;
    let message = Arc::new(());
    tx.try_send_urgent(Arc::clone(&message)).unwrap();
    let (first, rx) = timeout(BOUND, waiting).await.unwrap().unwrap();
    assert!(first.is_some());
    drop(first);
    tx.try_send_urgent(Arc::clone(&message)).unwrap();
    drop(rx);
    assert_eq!(
        Arc::strong_count(&message),
        1,
        "the queued message was not dropped"
    );
    assert!(tx.try_send_urgent(message).is_err());
}

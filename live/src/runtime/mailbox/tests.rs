use super::{Call, Control};

/// tokio allocates a channel's first block of 32 slots up front, so every component pays
/// 32 × the message size for each mailbox before any message arrives (docs/performance.md).
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

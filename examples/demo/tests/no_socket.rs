//! Proof that `live::testing` opens no socket: while test clients are connected, components
//! mounted and a room live, this process holds no socket file descriptor. (A test binary of
//! its own, so that no other test's sockets are open at the time.) A harness that used a
//! loopback listener would hold at least three.

use demo::{Counter, LiveChat};
use live::testing::TestServer;
use serde_json::json;

/// The process's open socket descriptors (Linux: `/proc/self/fd` links named `socket:[..]`).
fn open_sockets() -> Vec<String> {
    let entries = std::fs::read_dir("/proc/self/fd").unwrap_or_else(|e| panic!("/proc: {e}"));
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| target.starts_with("socket:"))
        .collect()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_harness_holds_no_socket_while_clients_talk() {
    let before = open_sockets();
    let server = TestServer::from_server(demo::server().unwrap_or_else(|e| panic!("{e}")));
    let (alice, bob) = (server.connect().await, server.connect().await);
    let counter = alice.mount_component::<Counter>(json!({})).await;
    let chat = bob.mount_component::<LiveChat>(json!({})).await;
    alice
        .invoke(&counter, Counter::actions().add(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    bob.invoke(&chat, LiveChat::actions().send("hi".into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        open_sockets(),
        before,
        "the test server or its clients opened a socket"
    );

    // The check sees a socket when there is one.
    let listener = std::net::UdpSocket::bind("0.0.0.0:0");
    if let Ok(_socket) = &listener {
        assert_eq!(
            open_sockets().len(),
            before.len() + 1,
            "the check counts sockets"
        );
    }
}

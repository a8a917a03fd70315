//! The framework's own work per action, without sockets: `N` calls of `Counter.increment`
//! through `live::testing` (the real runtime behind the in-memory transport), one at a
//! time, on a current-thread runtime.
//!
//! Meant to run under callgrind, which counts instructions (the same count on every run,
//! whatever else the machine does), with collection limited to the server side of the
//! connection (its task runs the reader, the component's actor and the writer):
//!
//! ```text
//! cargo build --release -p live-tests --bin action_cost
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!   --toggle-collect='live::runtime::transport::read_loop*' \
//!   target/release/action_cost 20000
//! ```
//!
//! Instructions per action = the total callgrind prints ÷ N (mounting is a handful of
//! calls among tens of thousands). docs/performance.md has the figures.

use demo::Counter;
use live::testing::TestServer;
use serde_json::json;

fn main() {
    let calls: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("runtime: {error}"));
    runtime.block_on(async {
        let server = TestServer::build(
            live::LiveServer::builder()
                .without_registered_components()
                .component::<Counter>()
                .rate_limit(None),
        );
        let client = server.connect().await;
        let id = client.mount_component::<Counter>(json!({})).await;
        for _ in 0..calls {
            client.invoke_ok(&id, Counter::actions().increment()).await;
        }
        let count: i64 = client.invoke_ok(&id, Counter::actions().increment()).await;
        assert_eq!(count, i64::try_from(calls).unwrap_or(i64::MAX) + 1);
        println!("{calls} actions; count {count}");
    });
}

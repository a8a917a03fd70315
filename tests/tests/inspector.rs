//! The inspector: its page is served only when turned on, its data component refuses
//! connections without the inspector role, and with the token (or the role from the app's
//! auth provider) it shows this server's real figures, refreshed every second.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::BoxFuture;
use live::LiveServer;
use live::client::{ClientError, LiveClient};
use live::component::Session;
use live::security::AuthProvider;
use live::server::{INSPECTOR_ROLE, Inspector};
use live_tests::transports::http_get;
use live_tests::{connect, eventually, mount, start};
use serde_json::{Map, Value, json};

/// The app's own provider: `ops` gets the inspector role, `user` does not.
#[derive(Debug)]
struct AppAuth;

impl AuthProvider for AppAuth {
    fn name(&self) -> &str {
        "app"
    }

    fn authenticate<'a>(
        &'a self,
        credentials: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Option<Session>> {
        let role = match credentials.get("user").and_then(Value::as_str) {
            Some("ops") => Some(INSPECTOR_ROLE),
            Some("user") => Some("user"),
            _ => None,
        };
        let session = role.map(|role| Session {
            id: "someone".to_owned(),
            roles: vec![role.to_owned()],
            permissions: Vec::new(),
            extra: Map::new(),
        });
        Box::pin(std::future::ready(session))
    }
}

fn server(inspector: Option<Inspector>) -> LiveServer {
    let builder = LiveServer::builder()
        .without_registered_components()
        .component::<demo::Counter>()
        .auth_provider(AppAuth);
    let builder = match inspector {
        Some(inspector) => builder.inspector(inspector),
        None => builder,
    };
    builder
        .build()
        .unwrap_or_else(|error| panic!("config: {error}"))
}

async fn auth(client: &LiveClient, payload: Value) -> Value {
    client
        .request(json!({"type": "AUTH", "payload": payload}))
        .await
        .unwrap_or_else(|error| panic!("AUTH: {error}"))
}

async fn mount_error(client: &LiveClient) -> String {
    match client.mount("LiveInspector", Value::Null).await {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("expected the mount to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn the_inspector_is_off_by_default() {
    let running = start(&server(None)).await;
    let (status, _) = http_get(running.local_addr(), "/live/inspector").await;
    assert!(status.contains("404"), "{status}");
    let client = connect(&running).await;
    assert!(mount_error(&client).await.contains("LiveInspector"));
    running.shutdown().await;
}

#[tokio::test]
async fn without_the_role_the_inspector_refuses_to_mount() {
    let running = start(&server(Some(Inspector::new().token("s3cret")))).await;
    let (status, page) = http_get(running.local_addr(), "/live/inspector").await;
    assert!(status.contains("200"), "{status}");
    assert!(
        page.contains("/api/live/ws"),
        "the page connects to the Live path"
    );

    let anonymous = connect(&running).await;
    let refused = mount_error(&anonymous).await;
    assert!(refused.starts_with("AUTH_DENIED"), "{refused}");

    let wrong = connect(&running).await;
    let reply = auth(&wrong, json!({"inspectorToken": "guess"})).await;
    assert_eq!(reply["success"], false, "{reply}");
    assert!(mount_error(&wrong).await.starts_with("AUTH_DENIED"));

    let user = connect(&running).await;
    assert_eq!(auth(&user, json!({"user": "user"})).await["success"], true);
    assert!(mount_error(&user).await.starts_with("AUTH_DENIED"));
    running.shutdown().await;
}

#[tokio::test]
async fn with_the_token_or_the_role_it_shows_live_figures() {
    let running = start(&server(Some(Inspector::new().token("s3cret")))).await;
    let worker = connect(&running).await;
    let counter = mount(&worker, "Counter").await;
    for _ in 0..5 {
        assert!(
            worker
                .call(&counter, "increment", Value::Null)
                .await
                .is_ok()
        );
    }

    for credentials in [json!({"inspectorToken": "s3cret"}), json!({"user": "ops"})] {
        let viewer = connect(&running).await;
        assert_eq!(auth(&viewer, credentials).await["success"], true);
        let mounted = match viewer.mount("LiveInspector", Value::Null).await {
            Ok(mounted) => mounted,
            Err(error) => panic!("inspector mount: {error}"),
        };
        let id = mounted.id;
        eventually("the inspector shows the workload", || {
            let viewer = &viewer;
            let id = &id;
            async move {
                let Some(state) = viewer.state(id) else {
                    return false;
                };
                let counted = state["topActions"].as_array().is_some_and(|rows| {
                    rows.iter().any(|row| {
                        row["component"] == "Counter"
                            && row["action"] == "increment"
                            && row["calls"] == 5
                            && row["p99Ms"].as_f64().is_some_and(|ms| ms > 0.0)
                    })
                });
                counted
                    && state["connections"].as_u64() >= Some(2)
                    && state["history"].as_array().is_some_and(|h| !h.is_empty())
                    && state["instance"] == "standalone"
                    && state["owners"].as_array().is_some_and(|owners| {
                        owners.iter().any(|o| o["singleton"] == "LiveInspector")
                    })
            }
        })
        .await;
        viewer.close().await;
    }
    running.shutdown().await;
}

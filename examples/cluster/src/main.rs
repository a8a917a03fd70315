//! `cargo run -p example-cluster`: two Live servers joined through one Redis.
//!
//! Uses `LIVE_REDIS_URL` if set; otherwise starts its own `redis-server` (which must be on
//! the `PATH`) on a free port, and stops it on exit. The servers listen on `LIVE_ADDR_A`
//! and `LIVE_ADDR_B` (default `127.0.0.1:3001` and `127.0.0.1:3002`) and serve the demo
//! components (and the demo page at `/`). A client on each server then mounts
//! `SharedCounter`: a change made through server B shows up on server A. Serves until
//! Ctrl-C (or exits right away with `CLUSTER_EXAMPLE_EXIT=1`). See docs/scaling.md.

use live::LiveServer;
use live::client::LiveClient;
use live::cluster::{RedisCluster, RedisClusterConfig};
use serde_json::json;
use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

/// A `redis-server` this example started; stopped when dropped.
struct OwnRedis(Child);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Redis to use: `LIVE_REDIS_URL`, or a fresh `redis-server` on a free port.
async fn redis() -> Result<(String, Option<OwnRedis>), String> {
    if let Ok(url) = std::env::var("LIVE_REDIS_URL") {
        return Ok((url, None));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| {
            format!("could not start redis-server ({error}); install it or set LIVE_REDIS_URL")
        })?;
    let own = OwnRedis(child);
    // Wait until it accepts connections.
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((format!("redis://127.0.0.1:{port}"), Some(own)));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("redis-server did not start listening".to_owned())
}

/// One demo server in the cluster.
async fn member(redis_url: &str) -> Result<LiveServer, String> {
    let config = RedisClusterConfig::from_env().map_err(|error| error.to_string())?;
    let cluster = RedisCluster::connect(redis_url, config)
        .await
        .map_err(|error| error.to_string())?;
    demo::builder()
        .config(live::LiveConfig::from_env())
        .cluster(cluster)
        .build()
        .map_err(|error| error.to_string())
}

/// A change through server B, seen on server A.
async fn show(url_a: &str, url_b: &str) -> Result<i64, String> {
    let error = |error: live::client::ClientError| error.to_string();
    let alice = LiveClient::connect(url_a).await.map_err(error)?;
    let bob = LiveClient::connect(url_b).await.map_err(error)?;
    let on_a = alice
        .mount("SharedCounter", json!({}))
        .await
        .map_err(error)?;
    let on_b = bob.mount("SharedCounter", json!({})).await.map_err(error)?;
    let result = bob
        .call(&on_b.id, "increment", json!(null))
        .await
        .map_err(error)?;
    let count = result.and_then(|v| v.as_i64()).unwrap_or_default();
    alice
        .wait_for_state(&on_a.id, |state| state["count"] == json!(count))
        .await
        .map_err(error)?;
    Ok(count)
}

#[tokio::main]
async fn main() -> ExitCode {
    demo::init_logging();
    let (redis_url, own_redis) = match redis().await {
        Ok(redis) => redis,
        Err(error) => {
            eprintln!("example-cluster: {error}");
            return ExitCode::FAILURE;
        }
    };
    let addr_a = std::env::var("LIVE_ADDR_A").unwrap_or_else(|_| "127.0.0.1:3001".to_owned());
    let addr_b = std::env::var("LIVE_ADDR_B").unwrap_or_else(|_| "127.0.0.1:3002".to_owned());
    let mut running = Vec::new();
    let mut stdout = std::io::stdout();
    for (label, addr) in [("A", &addr_a), ("B", &addr_b)] {
        let started = match member(&redis_url).await {
            Ok(server) => server
                .bind(addr)
                .await
                .map_err(|error| error.to_string())
                .map(|r| (server, r)),
            Err(error) => Err(error),
        };
        match started {
            Ok((server, server_running)) => {
                let _ = writeln!(
                    stdout,
                    "Server {label} listening on {} (cluster instance {}, Redis {redis_url})",
                    server_running.url(),
                    server.cluster_instance_id().unwrap_or("?")
                );
                running.push(server_running);
            }
            Err(error) => {
                eprintln!("example-cluster: server {label}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let urls: Vec<String> = running.iter().map(live::RunningServer::url).collect();
    let (Some(url_a), Some(url_b)) = (urls.first(), urls.get(1)) else {
        return ExitCode::FAILURE;
    };
    match show(url_a, url_b).await {
        Ok(count) => {
            let _ = writeln!(
                stdout,
                "SharedCounter incremented through B to {count}, seen on A: one singleton, two servers."
            );
        }
        Err(error) => {
            eprintln!("example-cluster: the cluster check failed: {error}");
            return ExitCode::FAILURE;
        }
    }
    let _ = writeln!(
        stdout,
        "Open http://{} and http://{} side by side. Stop with Ctrl-C.",
        running
            .first()
            .map(|r| r.local_addr().to_string())
            .unwrap_or_default(),
        running
            .get(1)
            .map(|r| r.local_addr().to_string())
            .unwrap_or_default(),
    );
    let _ = stdout.flush();
    if std::env::var("CLUSTER_EXAMPLE_EXIT").as_deref() != Ok("1") {
        let _ = tokio::signal::ctrl_c().await;
    }
    for server in running {
        server.shutdown().await;
    }
    drop(own_redis);
    ExitCode::SUCCESS
}

//! Scenario `uploads`: one client sends a file in binary chunks (§15), one chunk at a time,
//! each answered with `FILE_UPLOAD_PROGRESS` before the next, as FluxStack's client does.
//! Live checks every rule and streams the bytes to its store; the baseline writes the same
//! bytes to a file with no checks. The figure is the payload's MB/s from start to complete.

use super::client::Conn;
use super::scenarios::Figure;
use super::server::ServerProcess;
use super::stats::CpuClock;
use anyhow::{Context, Result, bail};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// The component the scenario uploads to (`BenchUpload` in Live; the baseline takes any).
pub const COMPONENT: &str = "BenchUpload";
/// The MIME type uploaded (allowed by the bench server).
pub const FILE_TYPE: &str = "application/octet-stream";

/// Uploads `mib` MiB in chunks of `chunk` bytes; returns the throughput and the server's
/// CPU time per MiB.
pub async fn upload(server: &ServerProcess, mib: usize, chunk: usize) -> Result<Vec<Figure>> {
    let mut conn = Conn::connect(server.addr).await?;
    let id = conn.mount(COMPONENT, None).await?;
    let size = mib * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let started = Instant::now();
    let cpu = CpuClock::start(server.pid);
    let upload_id = "bench-upload";
    let request_id = conn.request_id();
    conn.send(format!(
        r#"{{"type":"FILE_UPLOAD_START","componentId":"{id}","uploadId":"{upload_id}","filename":"bench.bin","fileType":"{FILE_TYPE}","fileSize":{size},"chunkSize":{chunk},"requestId":"{request_id}"}}"#
    ))
    .await?;
    conn.read_until(|message| message.request_id.as_deref() == Some(&request_id))
        .await?;
    let total = size.div_ceil(chunk);
    for (index, bytes) in data.chunks(chunk).enumerate() {
        let request_id = conn.request_id();
        let header = format!(
            r#"{{"type":"FILE_UPLOAD_CHUNK","componentId":"{id}","uploadId":"{upload_id}","chunkIndex":{index},"totalChunks":{total},"requestId":"{request_id}"}}"#
        );
        let length = u32::try_from(header.len()).context("header length")?;
        let mut frame = Vec::with_capacity(4 + header.len() + bytes.len());
        frame.extend_from_slice(&length.to_le_bytes());
        frame.extend_from_slice(header.as_bytes());
        frame.extend_from_slice(bytes);
        conn.send_message(Message::binary(frame)).await?;
        let mut refused = None;
        conn.read_until(|message| {
            if message.request_id.as_deref() != Some(&request_id) {
                return false;
            }
            if message.kind == "ERROR" {
                refused = Some(message.error.as_deref().unwrap_or("?").to_owned());
            }
            true
        })
        .await?;
        if let Some(error) = refused {
            bail!("chunk {index} refused: {error}");
        }
    }
    let request_id = conn.request_id();
    conn.send(format!(
        r#"{{"type":"FILE_UPLOAD_COMPLETE","componentId":"{id}","uploadId":"{upload_id}","requestId":"{request_id}"}}"#
    ))
    .await?;
    conn.read_until(|message| {
        message.kind == "FILE_UPLOAD_COMPLETE" && message.request_id.as_deref() == Some(&request_id)
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let cpu = cpu.seconds();
    conn.close().await;
    #[allow(clippy::cast_precision_loss)]
    let megabytes = size as f64 / 1e6;
    let name = format!("upload {mib} MiB in {} KiB binary chunks", chunk / 1024);
    Ok(vec![
        Figure::rate(name.clone(), megabytes / seconds, "MB/s"),
        Figure::cpu(&name, cpu, u64::try_from(mib).unwrap_or_default(), "MiB"),
    ])
}

//! File uploads end to end (reference §15): a real server on 127.0.0.1, the Rust client,
//! files on disk. The hostile suite checks every rule's exact error and that a refused
//! upload leaves no file behind.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::client::{ClientError, LiveClient, UploadOptions};
use live::upload::UploadConfig;
use live_tests::transports::{Transport, http_get_bytes};
use live_tests::uploads::{config, files, fresh_dir, png, rss_kib, server};
use live_tests::{connect, eventually, mount, next_json, start};
use serde_json::{Value, json};
use std::path::Path;

const MIB: usize = 1024 * 1024;

fn ok<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| panic!("{error}"))
}

async fn request(client: &LiveClient, message: Value) -> Value {
    ok(client.request(message).await)
}

fn start_frame(component: &str, id: &str, name: &str, mime: &str, size: usize) -> Value {
    json!({"type": "FILE_UPLOAD_START", "componentId": component, "uploadId": id, "filename": name, "fileType": mime, "fileSize": size, "chunkSize": 65536})
}

async fn start_upload(client: &LiveClient, frame: Value) -> Value {
    request(client, frame).await
}

/// Starts an upload that must be accepted.
async fn started(client: &LiveClient, component: &str, id: &str, mime: &str, size: usize) {
    let name = if mime == "image/png" {
        "a.png"
    } else {
        "a.txt"
    };
    let reply = start_upload(client, start_frame(component, id, name, mime, size)).await;
    assert_eq!(reply["success"], true, "{reply}");
}

async fn binary_chunk(
    client: &LiveClient,
    component: &str,
    id: &str,
    index: usize,
    data: &[u8],
) -> Value {
    ok(client
        .upload_chunk(component, id, index, 0, data, true)
        .await)
}

async fn complete(client: &LiveClient, component: &str, id: &str) -> Value {
    request(
        client,
        json!({"type": "FILE_UPLOAD_COMPLETE", "componentId": component, "uploadId": id}),
    )
    .await
}

/// Waits (at most 10 s) until neither stored nor partial files remain in `dir`.
async fn nothing_left(dir: &Path) {
    eventually("no file left behind", || async {
        files(dir) == (vec![], vec![])
    })
    .await;
}

fn start_error(reply: &Value) -> &str {
    assert_eq!(reply["type"], "FILE_UPLOAD_START_RESPONSE", "{reply}");
    assert_eq!(reply["success"], false, "{reply}");
    reply["error"].as_str().unwrap_or_default()
}

fn chunk_error(reply: &Value) -> &str {
    assert_eq!(reply["type"], "ERROR", "{reply}");
    reply["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_image_uploads_in_binary_chunks_reaches_the_component_and_is_served() {
    let dir = fresh_dir("upload-ok");
    let running = start(&server(config(&dir))).await;
    let client = connect(&running).await;
    let id = mount(&client, "Uploader").await;
    let data = png(200_000);
    let mut progress = Vec::new();
    let options = UploadOptions::default();
    let uploaded = ok(client
        .upload(&id, "cat.png", "image/png", &data, &options, |bytes| {
            progress.push(bytes)
        })
        .await);
    assert_eq!(progress, [65536, 131072, 196608, 200000]);
    let url = uploaded.file_url.clone().unwrap_or_default();
    assert!(
        url.starts_with("/uploads/") && url.ends_with(".png"),
        "{url}"
    );
    assert_eq!(uploaded.reply["filename"], "cat.png");
    assert_eq!(uploaded.reply["componentId"], id.as_str());
    let state = ok(client
        .wait_for_state(&id, |state| {
            state["files"].as_array().is_some_and(|f| !f.is_empty())
        })
        .await);
    assert_eq!(state["files"], json!([format!("cat.png {url} 200000")]));

    let (head, body) = http_get_bytes(running.local_addr(), &url).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: image/png"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(!head.contains("content-disposition"), "{head}");
    assert_eq!(body, data);
    let (head, _) = http_get_bytes(running.local_addr(), "/uploads/..%2fCargo.toml").await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let (head, _) = http_get_bytes(running.local_addr(), "/uploads/.partial").await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");

    // A text document goes to the other upload method (found by its type), as an attachment.
    let text = b"hello".to_vec();
    let doc = ok(client
        .upload(
            &id,
            "notes.txt",
            "text/plain",
            &text,
            &UploadOptions {
                binary: false,
                ..UploadOptions::default()
            },
            |_| {},
        )
        .await);
    let doc_url = doc.file_url.unwrap_or_default();
    let (head, body) = http_get_bytes(running.local_addr(), &doc_url).await;
    assert!(
        head.to_ascii_lowercase()
            .contains("content-disposition: attachment"),
        "{head}"
    );
    assert_eq!(body, text);
    assert_eq!(
        files(&dir).1,
        Vec::<String>::new(),
        "no partial file remains"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The reference client's frames, and the server's replies field by field in order
/// (timestamps aside).
#[tokio::test]
async fn fluxstack_wire_shapes_byte_for_byte() {
    let dir = fresh_dir("upload-wire");
    let running = start(&server(config(&dir))).await;
    let client = connect(&running).await;
    let id = mount(&client, "Uploader").await;
    // START with uploadId only in payload (the reference server's quirk) is accepted too.
    ok(client.send_text(format!(r#"{{"type":"FILE_UPLOAD_START","componentId":"{id}","payload":{{"uploadId":"W1"}},"filename":"w.png","fileType":"image/png","fileSize":10,"chunkSize":8,"requestId":"s1"}}"#)).await);
    let reply = next_text(&client).await;
    assert_eq!(
        reply,
        format!(
            r#"{{"type":"FILE_UPLOAD_START_RESPONSE","componentId":"{id}","uploadId":"W1","success":true,"requestId":"s1"}}"#
        )
    );
    // JSON chunk with base64 data ("\x89PNG\r\n\x1a\n").
    ok(client.send_text(format!(r#"{{"type":"FILE_UPLOAD_CHUNK","componentId":"{id}","uploadId":"W1","chunkIndex":0,"totalChunks":2,"data":"iVBORw0KGgo=","requestId":"c1"}}"#)).await);
    let reply = next_text(&client).await;
    let (before, after) = split_timestamp(&reply);
    assert_eq!(
        before,
        format!(
            r#"{{"type":"FILE_UPLOAD_PROGRESS","componentId":"{id}","uploadId":"W1","chunkIndex":0,"totalChunks":2,"bytesUploaded":8,"totalBytes":10,"progress":80,"#
        )
    );
    assert_eq!(after, r#","requestId":"c1"}"#);
    // Binary chunk: the reply echoes the header's requestId.
    let header = json!({"type": "FILE_UPLOAD_CHUNK", "componentId": id, "uploadId": "W1", "chunkIndex": 1, "totalChunks": 2, "requestId": "c2"});
    let header = header.to_string();
    let mut frame = u32::try_from(header.len())
        .unwrap_or(0)
        .to_le_bytes()
        .to_vec();
    frame.extend_from_slice(header.as_bytes());
    frame.extend_from_slice(b"zz");
    ok(client.send_binary(frame).await);
    let reply = next_text(&client).await;
    let (before, after) = split_timestamp(&reply);
    assert_eq!(
        before,
        format!(
            r#"{{"type":"FILE_UPLOAD_PROGRESS","componentId":"{id}","uploadId":"W1","chunkIndex":1,"totalChunks":2,"bytesUploaded":10,"totalBytes":10,"progress":100,"#
        )
    );
    assert_eq!(after, r#","requestId":"c2"}"#);
    ok(client.send_text(format!(r#"{{"type":"FILE_UPLOAD_COMPLETE","componentId":"{id}","uploadId":"W1","requestId":"d1"}}"#)).await);
    let reply = loop {
        let text = next_text(&client).await;
        if text.contains("FILE_UPLOAD_COMPLETE") {
            break text;
        }
    };
    let stored = files(&dir).0;
    let name = stored.first().cloned().unwrap_or_default();
    let (before, after) = split_timestamp(&reply);
    assert_eq!(
        before,
        format!(
            r#"{{"type":"FILE_UPLOAD_COMPLETE","componentId":"{id}","uploadId":"W1","success":true,"filename":"w.png","fileUrl":"/uploads/{name}","#
        )
    );
    assert_eq!(after, r#","requestId":"d1"}"#);
    // A failed completion: componentId "" and the error.
    ok(client.send_text(r#"{"type":"FILE_UPLOAD_COMPLETE","componentId":"x","uploadId":"nope","requestId":"d2"}"#).await);
    let reply = next_text(&client).await;
    let (before, after) = split_timestamp(&reply);
    assert_eq!(
        before,
        r#"{"type":"FILE_UPLOAD_COMPLETE","componentId":"","uploadId":"nope","success":false,"error":"Upload nope not found","#
    );
    assert_eq!(after, r#","requestId":"d2"}"#);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The next JSON frame as text (one frame of a batch at a time; key order kept).
async fn next_text(client: &LiveClient) -> String {
    next_json(client).await.to_string()
}

/// `(before, after)` the `"timestamp":<number>` field.
fn split_timestamp(text: &str) -> (String, String) {
    let Some((before, rest)) = text.split_once(r#""timestamp":"#) else {
        panic!("no timestamp in {text}");
    };
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    assert!(digits > 0, "timestamp is a number: {text}");
    (
        before.to_owned(),
        rest.get(digits..).unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn hostile_start_requests_get_their_exact_errors_and_leave_nothing() {
    let dir = fresh_dir("upload-start");
    let mut settings = config(&dir);
    settings.max_concurrent = 2;
    settings.quota_bytes = 3 * MIB as u64;
    let running = start(&server(settings)).await;
    let client = connect(&running).await;
    let other = connect(&running).await;
    let id = mount(&client, "Uploader").await;
    let plain = mount(&client, "Plain").await;
    let others = mount(&other, "Uploader").await;
    let png_start =
        |component: &str, upload: &str| start_frame(component, upload, "a.png", "image/png", 100);
    let cases: Vec<(Value, String)> = vec![
        (
            png_start("nope", "u1"),
            "Component not found for upload".into(),
        ),
        (
            png_start(&others, "u1"),
            "Component not found for upload".into(),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "uploadId": "u1", "filename": "a.png", "fileType": "image/png", "fileSize": 1, "chunkSize": 1}),
            "Component not found for upload".into(),
        ),
        (
            png_start(&plain, "u1"),
            "Component 'Plain' accepts no uploads".into(),
        ),
        (
            png_start(&id, ""),
            "Invalid uploadId: must be 1-128 characters".into(),
        ),
        (
            png_start(&id, &"x".repeat(129)),
            "Invalid uploadId: must be 1-128 characters".into(),
        ),
        (
            start_frame(&id, "u1", "../../etc/passwd.png", "image/png", 100),
            "Invalid filename: path separators are not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "a\\b.png", "image/png", 100),
            "Invalid filename: path separators are not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "a\u{0}.png", "image/png", 100),
            "Invalid filename: control characters are not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "a\u{7}.png", "image/png", 100),
            "Invalid filename: control characters are not allowed".into(),
        ),
        (
            start_frame(
                &id,
                "u1",
                &format!("{}.png", "a".repeat(252)),
                "image/png",
                100,
            ),
            "Invalid filename: longer than 255 bytes".into(),
        ),
        (
            start_frame(&id, "u1", "", "image/png", 100),
            "Invalid filename: empty".into(),
        ),
        (
            start_frame(&id, "u1", "run.exe", "image/png", 100),
            "File extension '.exe' is not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "cat.php.sh.png", "image/png", 100),
            "File extension '.sh' is not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "a.svg", "image/svg+xml+evil", 100),
            "File type 'image/svg+xml+evil' is not allowed".into(),
        ),
        (
            start_frame(&id, "u1", "a.json", "application/json", 100),
            "Component 'Uploader' has several uploads; name one in uploadName: image, document"
                .into(),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "componentId": id, "uploadId": "u1", "uploadName": "document", "filename": "a.png", "fileType": "image/png", "fileSize": 1, "chunkSize": 1}),
            "File type 'image/png' is not allowed".into(),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "componentId": id, "uploadId": "u1", "uploadName": "video", "filename": "a.png", "fileType": "image/png", "fileSize": 1, "chunkSize": 1}),
            "Component 'Uploader' has no upload named 'video'".into(),
        ),
        (
            start_frame(&id, "u1", "a.png", "image/png", 0),
            format!(
                "Invalid fileSize: must be a positive integer of at most {} bytes",
                30 * MIB
            ),
        ),
        (
            start_frame(&id, "u1", "a.png", "image/png", 30 * MIB + 1),
            format!(
                "Invalid fileSize: must be a positive integer of at most {} bytes",
                30 * MIB
            ),
        ),
        (
            start_frame(&id, "u1", "a.pdf", "application/pdf", 50 * MIB + 1),
            format!(
                "Invalid fileSize: must be a positive integer of at most {} bytes",
                50 * MIB
            ),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "componentId": id, "uploadId": "u1", "filename": "a.png", "fileType": "image/png", "fileSize": 1.5, "chunkSize": 1}),
            format!(
                "Invalid fileSize: must be a positive integer of at most {} bytes",
                30 * MIB
            ),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "componentId": id, "uploadId": "u1", "filename": "a.png", "fileType": "image/png", "fileSize": 10, "chunkSize": 0}),
            "Invalid chunkSize: must be between 1 and 1048576 bytes".into(),
        ),
        (
            json!({"type": "FILE_UPLOAD_START", "componentId": id, "uploadId": "u1", "filename": "a.png", "fileType": "image/png", "fileSize": 10, "chunkSize": MIB + 1}),
            "Invalid chunkSize: must be between 1 and 1048576 bytes".into(),
        ),
    ];
    for (frame, expected) in cases {
        let reply = start_upload(&client, frame.clone()).await;
        assert_eq!(start_error(&reply), expected, "{frame}");
    }
    nothing_left(&dir).await;

    // Concurrency, id reuse and quota.
    started(&client, &id, "c1", "image/png", MIB).await;
    let reply = start_upload(&client, png_start(&id, "c1")).await;
    assert_eq!(start_error(&reply), "Upload c1 already exists");
    started(&client, &id, "c2", "image/png", MIB).await;
    let reply = start_upload(&client, png_start(&id, "c3")).await;
    assert_eq!(
        start_error(&reply),
        "Too many concurrent uploads (max 2 per connection)"
    );
    // The other connection has its own quota and concurrency.
    let reply = start_upload(&other, png_start(&others, "c1")).await;
    assert_eq!(reply["success"], true, "{reply}");
    // Cancel one (a bad chunk), then the quota (3 MiB, 2 MiB reserved) refuses 2 MiB more.
    let reply = binary_chunk(&client, &id, "c2", 5, b"x").await;
    assert_eq!(
        chunk_error(&reply),
        "Chunk out of order: expected chunk 0, got 5"
    );
    let reply = start_upload(
        &client,
        start_frame(&id, "q1", "a.png", "image/png", 2 * MIB + 1),
    )
    .await;
    assert_eq!(
        start_error(&reply),
        format!("Upload quota exceeded ({} bytes per 24 hours)", 3 * MIB)
    );
    drop(other);
    drop(client);
    nothing_left(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn hostile_chunks_and_completions_get_their_exact_errors_and_leave_nothing() {
    let dir = fresh_dir("upload-chunks");
    let running = start(&server(config(&dir))).await;
    let client = connect(&running).await;
    let other = connect(&running).await;
    let id = mount(&client, "Uploader").await;

    // Unknown upload, and another connection's upload.
    let reply = binary_chunk(&client, &id, "ghost", 0, b"x").await;
    assert_eq!(chunk_error(&reply), "Upload ghost not found");
    started(&client, &id, "mine", "image/png", 16).await;
    let reply = binary_chunk(&other, &id, "mine", 0, b"x").await;
    assert_eq!(chunk_error(&reply), "Upload mine not found");
    let reply = complete(&other, &id, "mine").await;
    assert_eq!(reply["error"], "Upload mine not found");

    // Each bad chunk cancels its upload: the next chunk finds nothing.
    let bad: Vec<(&str, Vec<Value>, &str)> = vec![
        (
            "gap",
            vec![json!([0, "iVBORw0KGgo="]), json!([2, "AA=="])],
            "Chunk out of order: expected chunk 1, got 2",
        ),
        (
            "repeat",
            vec![json!([0, "iVBORw0KGgo="]), json!([0, "AA=="])],
            "Chunk out of order: expected chunk 1, got 0",
        ),
        (
            "negative",
            vec![json!([-1, "AA=="])],
            "Invalid chunkIndex: must be a non-negative integer",
        ),
        (
            "fraction",
            vec![json!([0.5, "AA=="])],
            "Invalid chunkIndex: must be a non-negative integer",
        ),
        (
            "base64",
            vec![json!([0, "!!!"])],
            "Invalid chunk data: expected base64",
        ),
        (
            "nodata",
            vec![json!([0, null])],
            "Invalid chunk data: expected base64",
        ),
        (
            "past",
            vec![json!([0, "iVBORw0KGgoAAAAAAAAAAAAA"])],
            "Chunk exceeds the declared fileSize of 16 bytes",
        ),
    ];
    for (upload, chunks, expected) in bad {
        started(&client, &id, upload, "image/png", 16).await;
        let mut last = Value::Null;
        for chunk in chunks {
            let mut frame = json!({"type": "FILE_UPLOAD_CHUNK", "componentId": id, "uploadId": upload, "chunkIndex": chunk[0], "totalChunks": 1});
            if !chunk[1].is_null() {
                frame["data"] = chunk[1].clone();
            }
            last = request(&client, frame).await;
        }
        assert_eq!(chunk_error(&last), expected, "{upload}");
        let reply = binary_chunk(&client, &id, upload, 0, b"x").await;
        assert_eq!(chunk_error(&reply), format!("Upload {upload} not found"));
    }
    // The 1 MiB hard cap (adaptive chunks may exceed the declared chunkSize up to it).
    started(&client, &id, "big", "image/png", 3 * MIB).await;
    let reply = binary_chunk(&client, &id, "big", 0, &png(MIB)).await;
    assert_eq!(
        reply["type"], "FILE_UPLOAD_PROGRESS",
        "a 1 MiB chunk with chunkSize 64 KiB is accepted"
    );
    let reply = binary_chunk(&client, &id, "big", 1, &vec![0; MIB + 1]).await;
    assert_eq!(chunk_error(&reply), "Chunk too large (max 1048576 bytes)");

    // Malformed binary frames: a connection-level ERROR, nothing else.
    for frame in [
        vec![1u8, 0],
        vec![0xff, 0xff, 0xff, 0xff, b'{', b'}'],
        vec![2, 0, 0, 0, b'{', b'x'],
        {
            let mut frame = 2u32.to_le_bytes().to_vec();
            frame.extend_from_slice(b"{}");
            frame
        },
    ] {
        ok(client.send_binary(frame).await);
        // Replies to earlier requests are in the frame log too: skip to the connection error.
        let reply = loop {
            let frame = next_json(&client).await;
            if frame["type"] == "ERROR" && frame["requestId"].is_null() {
                break frame;
            }
        };
        assert!(
            reply["error"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Invalid upload chunk frame: "),
            "{reply}"
        );
    }

    // Completion: too early, wrong magic bytes, refused by the component.
    started(&client, &id, "early", "image/png", 16).await;
    let _ = binary_chunk(&client, &id, "early", 0, &png(8)).await;
    let reply = complete(&client, &id, "early").await;
    assert_eq!(reply["error"], "Upload incomplete: received 8 of 16 bytes");
    assert_eq!(reply["componentId"], "");
    started(&client, &id, "fake", "image/png", 16).await;
    let _ = binary_chunk(&client, &id, "fake", 0, b"GIF89a0123456789").await;
    let reply = complete(&client, &id, "fake").await;
    assert_eq!(
        reply["error"],
        "File content does not match its type 'image/png'"
    );
    let refused = client
        .upload(
            &id,
            "refuse.png",
            "image/png",
            &png(100),
            &UploadOptions::default(),
            |_| {},
        )
        .await;
    match refused {
        Err(ClientError::Server { message, .. }) => assert_eq!(message, "refused by the component"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The bad chunks' uploads are gone at once; "big" and "mine" go when the client closes.
    drop(client);
    drop(other);
    nothing_left(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_upload_is_cancelled_when_its_connection_closes() {
    let dir = fresh_dir("upload-close");
    let mut settings = config(&dir);
    settings.idle_timeout = std::time::Duration::from_secs(3600);
    let running = start(&server(settings)).await;
    let client = connect(&running).await;
    let id = mount(&client, "Uploader").await;
    started(&client, &id, "u", "image/png", 100).await;
    let reply = binary_chunk(&client, &id, "u", 0, &png(50)).await;
    assert_eq!(reply["bytesUploaded"], 50);
    assert_eq!(
        files(&dir).1.len(),
        1,
        "the partial file exists while uploading"
    );
    client.close().await;
    nothing_left(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// 20 MiB in 64 KiB binary chunks: the bytes stream to disk, so the process's RSS (server
/// and client share it) grows by a few MiB at most.
#[tokio::test]
async fn a_20_mib_upload_streams_to_disk_without_growing_memory() {
    let dir = fresh_dir("upload-20mib");
    let running = start(&server(config(&dir))).await;
    let client = connect(&running).await;
    let id = mount(&client, "Uploader").await;
    let data = png(20 * MIB);
    // Warm up the path once (allocator pools, the store's first file).
    ok(client
        .upload(
            &id,
            "warm.png",
            "image/png",
            &png(MIB),
            &UploadOptions::default(),
            |_| {},
        )
        .await);
    let before = rss_kib();
    let mut peak = before;
    let uploaded = ok(client
        .upload(
            &id,
            "big.png",
            "image/png",
            &data,
            &UploadOptions::default(),
            |_| {
                peak = peak.max(rss_kib());
            },
        )
        .await);
    let after = rss_kib();
    println!(
        "20 MiB upload in 64 KiB binary chunks: RSS before {before} KiB, peak {peak} KiB (+{} KiB), after {after} KiB",
        peak.saturating_sub(before)
    );
    assert!(
        peak.saturating_sub(before) < 8 * 1024,
        "RSS grew by {} KiB",
        peak - before
    );
    let stored = std::fs::metadata(
        dir.join(
            uploaded
                .file_url
                .unwrap_or_default()
                .trim_start_matches("/uploads/"),
        ),
    );
    assert_eq!(stored.map(|meta| meta.len()).ok(), Some(20 * MIB as u64));
    let _ = std::fs::remove_dir_all(&dir);
}

/// 200 uploads started and abandoned: the idle purge deletes every partial file, and memory
/// returns to its baseline.
#[tokio::test]
async fn abandoned_uploads_are_purged() {
    let dir = fresh_dir("upload-purge");
    let mut settings: UploadConfig = config(&dir);
    settings.max_concurrent = 20;
    // Long enough for the 200 starts to finish before the first purge.
    settings.idle_timeout = std::time::Duration::from_secs(4);
    let running = start(&server(settings)).await;
    let mut clients = Vec::new();
    for _ in 0..10 {
        let client = connect(&running).await;
        let id = mount(&client, "Uploader").await;
        clients.push((client, id));
    }
    // Warm-up round, purged before the baseline.
    for (client, id) in &clients {
        started(client, id, "warm", "image/png", 4096).await;
    }
    nothing_left(&dir).await;
    let baseline = rss_kib();
    for (client, id) in &clients {
        for n in 0..20 {
            let upload = format!("u{n}");
            started(client, id, &upload, "image/png", 4096).await;
            let reply = binary_chunk(client, id, &upload, 0, &png(1024)).await;
            assert_eq!(reply["type"], "FILE_UPLOAD_PROGRESS");
        }
    }
    let started_files = files(&dir).1.len();
    let during = rss_kib();
    nothing_left(&dir).await;
    // Give the purge's frees a moment to settle, then read memory.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after = rss_kib();
    println!(
        "200 abandoned uploads: {started_files} partial files, RSS baseline {baseline} KiB, while open {during} KiB, after purge {after} KiB"
    );
    assert_eq!(started_files, 200);
    assert!(
        after.saturating_sub(baseline) < 4 * 1024,
        "RSS {baseline} → {after} KiB"
    );
    // The purged ids are gone: a chunk for one is refused.
    let (client, id) = &clients[0];
    let reply = binary_chunk(client, id, "u0", 1, b"x").await;
    assert_eq!(chunk_error(&reply), "Upload u0 not found");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The standalone server, axum (`axum_pages`) and actix-web (`actix_pages`) all take uploads
/// and serve the stored files, refusing traversal.
#[tokio::test]
async fn every_transport_takes_uploads_and_serves_them() {
    for transport in Transport::ALL {
        let dir = fresh_dir("upload-transport");
        let served = transport.serve(&server(config(&dir))).await;
        let client = served.connect().await;
        let id = mount(&client, "Uploader").await;
        let data = png(3000);
        let uploaded = ok(client
            .upload(
                &id,
                "t.png",
                "image/png",
                &data,
                &UploadOptions::default(),
                |_| {},
            )
            .await);
        let url = uploaded.file_url.unwrap_or_default();
        let (head, body) = http_get_bytes(served.addr(), &url).await;
        assert!(head.starts_with("HTTP/1.1 200"), "[{transport}] {head}");
        let lower = head.to_ascii_lowercase();
        assert!(
            lower.contains("content-type: image/png"),
            "[{transport}] {head}"
        );
        assert!(
            lower.contains("x-content-type-options: nosniff"),
            "[{transport}] {head}"
        );
        assert_eq!(body, data, "[{transport}]");
        for bad in [
            "/uploads/..%2f..%2fetc%2fpasswd",
            "/uploads/.partial",
            "/uploads/",
        ] {
            let (head, _) = http_get_bytes(served.addr(), bad).await;
            assert!(
                head.starts_with("HTTP/1.1 404"),
                "[{transport}] {bad}: {head}"
            );
        }
        client.close().await;
        served.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

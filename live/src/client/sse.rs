//! Reading a Server-Sent Events stream (the SSE transport's `GET /sse` response body) into
//! `(event, data)` pairs.

use crate::protocol::kinds::SseEvent;
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// Reads SSE events from a response body: `(event, data)` pairs, comments and events
/// without data dropped (as FluxStack's client does).
pub(super) struct EventReader {
    body: Incoming,
    buffer: Vec<u8>,
}

impl EventReader {
    pub(super) fn new(body: Incoming) -> Self {
        Self {
            body,
            buffer: Vec::new(),
        }
    }

    pub(super) async fn next(&mut self) -> Option<(SseEvent, String)> {
        loop {
            while let Some(end) = find(&self.buffer, b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse_event(&String::from_utf8_lossy(&block)) {
                    return Some(event);
                }
            }
            let frame = self.body.frame().await?.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn parse_event(block: &str) -> Option<(SseEvent, String)> {
    let mut name = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = SseEvent::parse(value.trim());
        } else if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
    }
    Some((name.unwrap_or(SseEvent::Message), data?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_and_comments_dropped() {
        assert_eq!(parse_event(": ping\n\n"), None);
        assert_eq!(
            parse_event("event: message\ndata: {\"a\":\ndata: 1}\n\n"),
            Some((SseEvent::Message, "{\"a\":\n1}".to_owned()))
        );
        assert_eq!(parse_event("event: close\n\n"), None);
    }
}

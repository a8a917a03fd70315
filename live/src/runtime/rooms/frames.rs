//! The frames a room sends, each encoded once per broadcast.

use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::encode;
use crate::protocol::room_frame::{FrameError, RoomBroadcast};
use crate::support::now_ms;
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// A JSON room frame (`ROOM_EVENT`, `ROOM_STATE`, `ROOM_SYSTEM`) whose body is encoded
/// once; each recipient's copy only prepends its own `componentId` (§10.3).
pub(crate) struct JsonRoomFrame {
    /// `"type":…,"roomId":…,"event":…,"data":…,"timestamp":…}` — the object without its `{`.
    tail: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: ServerKind,
    room_id: &'a str,
    event: &'a str,
    data: &'a Value,
    timestamp: u64,
}

impl JsonRoomFrame {
    /// Encodes the shared body.
    pub(crate) fn new(kind: ServerKind, room_id: &str, event: &str, data: &Value) -> Self {
        let body = encode(&Body {
            kind,
            room_id,
            event,
            data,
            timestamp: now_ms(),
        });
        Self {
            tail: body.get(1..).map(<[u8]>::to_vec).unwrap_or_default(),
        }
    }

    /// The frame for one recipient.
    pub(crate) fn frame_for(&self, component_id: &str) -> Bytes {
        let id = encode(&component_id);
        let mut frame = Vec::with_capacity(self.tail.len() + id.len() + 17);
        frame.extend_from_slice(b"{\"componentId\":");
        frame.extend_from_slice(&id);
        frame.push(b',');
        frame.extend_from_slice(&self.tail);
        Bytes::from(frame)
    }
}

/// A binary room frame (`0x02`/`0x03`) with its payload encoded once.
pub(crate) fn binary(
    frame_type: u8,
    room_id: &str,
    event: &str,
    payload: &[u8],
) -> Result<RoomBroadcast, FrameError> {
    RoomBroadcast::new(frame_type, room_id, event, payload)
}

/// `ROOM_JOINED` for a server-side (typed) join: `roomId`/`event`/`data` at the top level.
pub(crate) fn joined_by_server(component_id: &str, room_id: &str, state: &Value) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Joined<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        component_id: &'a str,
        room_id: &'a str,
        event: &'static str,
        data: serde_json::Value,
        timestamp: u64,
    }
    encode(&Joined {
        kind: ServerKind::RoomJoined,
        component_id,
        room_id,
        event: "$room:joined",
        data: serde_json::json!({ "state": state }),
        timestamp: now_ms(),
    })
}

/// `ROOM_JOINED` answering a client's `ROOM_JOIN`.
pub(crate) fn joined_by_client(
    component_id: &str,
    room_id: &str,
    state: &Value,
    request_id: Option<&str>,
) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Joined<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        component_id: &'a str,
        payload: serde_json::Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    }
    encode(&Joined {
        kind: ServerKind::RoomJoined,
        component_id,
        payload: serde_json::json!({ "roomId": room_id, "state": state }),
        request_id,
    })
}

/// A component `BROADCAST` to the other members of its default room (§10.7).
pub(crate) fn broadcast(sender: &str, room_id: &str, kind: &str, data: &Value) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Broadcast<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        component_id: &'a str,
        payload: serde_json::Value,
        room: &'a str,
    }
    encode(&Broadcast {
        kind: ServerKind::Broadcast,
        component_id: sender,
        payload: serde_json::json!({ "type": kind, "data": data }),
        room: room_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_room_frames_put_the_recipient_first_and_share_the_body() {
        let frame = JsonRoomFrame::new(
            ServerKind::RoomEvent,
            "chat-1",
            "message:new",
            &json!({"text": "hi"}),
        );
        let a: Value = serde_json::from_slice(&frame.frame_for("c1")).unwrap_or_default();
        let b: Value = serde_json::from_slice(&frame.frame_for("c2")).unwrap_or_default();
        assert_eq!(a.get("componentId"), Some(&json!("c1")));
        assert_eq!(b.get("componentId"), Some(&json!("c2")));
        assert_eq!(a.get("type"), Some(&json!("ROOM_EVENT")));
        assert_eq!(a.get("roomId"), Some(&json!("chat-1")));
        assert_eq!(a.get("event"), Some(&json!("message:new")));
        assert_eq!(a.get("data"), Some(&json!({"text": "hi"})));
        assert!(a.get("timestamp").is_some_and(Value::is_u64));
        assert!(
            frame
                .frame_for("c1")
                .starts_with(br#"{"componentId":"c1","type""#)
        );
    }
}

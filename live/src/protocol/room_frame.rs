//! Binary room frames of typed rooms (protocol reference §1.3, §10.4).
//!
//! ```text
//! [type u8][compIdLen u8][compId][roomIdLen u8][roomId][eventLen u16 BE][event][payload]
//! ```
//!
//! Only the component id differs between the members of a room, so a broadcast
//! builds everything after it once ([`RoomBroadcast`]) and then one frame per
//! recipient ([`RoomBroadcast::frame_for`]).

use bytes::Bytes;

/// Frame type of a room event, system events (`$sub:join`, `$sub:leave`) included.
pub(crate) const ROOM_EVENT: u8 = 0x02;

/// Frame type of a room state change (event `$state:update`).
pub(crate) const ROOM_STATE: u8 = 0x03;

/// The shortest room frame the client accepts; shorter ones are dropped.
const MIN_FRAME_LEN: usize = 6;

/// Why a room frame could not be built or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FrameError {
    /// A component id longer than the u8 length prefix allows (bytes).
    #[error("component id is {0} bytes, over the 255-byte limit of a room frame")]
    ComponentIdTooLong(usize),
    /// A room id longer than the u8 length prefix allows (bytes).
    #[error("room id is {0} bytes, over the 255-byte limit of a room frame")]
    RoomIdTooLong(usize),
    /// An event name longer than the u16 length prefix allows (bytes).
    #[error("event name is {0} bytes, over the 65535-byte limit of a room frame")]
    EventTooLong(usize),
    /// A frame shorter than 6 bytes, or shorter than its length prefixes claim.
    #[error("truncated room frame")]
    Truncated,
    /// A frame type other than [`ROOM_EVENT`] or [`ROOM_STATE`].
    #[error("unknown room frame type 0x{0:02x}")]
    UnknownType(u8),
    /// An id or event name that is not UTF-8.
    #[error("invalid UTF-8 in room frame")]
    InvalidUtf8,
}

/// The part of a frame shared by every recipient: room id, event name, encoded
/// payload; built once per broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoomBroadcast {
    /// [`ROOM_EVENT`] or [`ROOM_STATE`].
    frame_type: u8,
    /// `[roomIdLen u8][roomId][eventLen u16 BE][event][payload]`.
    tail: Bytes,
}

impl RoomBroadcast {
    /// Builds the shared part. Refuses a frame type other than [`ROOM_EVENT`] or
    /// [`ROOM_STATE`], a room id over 255 bytes and an event name over 65,535 bytes.
    pub(crate) fn new(
        frame_type: u8,
        room_id: &str,
        event: &str,
        payload: &[u8],
    ) -> Result<Self, FrameError> {
        if !is_room_type(frame_type) {
            return Err(FrameError::UnknownType(frame_type));
        }
        let room_len =
            u8::try_from(room_id.len()).map_err(|_| FrameError::RoomIdTooLong(room_id.len()))?;
        let event_len =
            u16::try_from(event.len()).map_err(|_| FrameError::EventTooLong(event.len()))?;
        let mut tail = Vec::with_capacity(3 + room_id.len() + event.len() + payload.len());
        tail.push(room_len);
        tail.extend_from_slice(room_id.as_bytes());
        tail.extend_from_slice(&event_len.to_be_bytes());
        tail.extend_from_slice(event.as_bytes());
        tail.extend_from_slice(payload);
        Ok(Self {
            frame_type,
            tail: Bytes::from(tail),
        })
    }

    /// The frame type, [`ROOM_EVENT`] or [`ROOM_STATE`].
    #[cfg(test)]
    pub(crate) fn frame_type(&self) -> u8 {
        self.frame_type
    }

    /// The shared bytes after the recipient's component id.
    #[cfg(test)]
    pub(crate) fn tail(&self) -> &Bytes {
        &self.tail
    }

    /// The frame for one recipient: `[type][compIdLen u8][compId]` + tail. One
    /// allocation of the exact size. Refuses a component id over 255 bytes.
    pub(crate) fn frame_for(&self, component_id: &str) -> Result<Bytes, FrameError> {
        let id_len = u8::try_from(component_id.len())
            .map_err(|_| FrameError::ComponentIdTooLong(component_id.len()))?;
        let mut frame = Vec::with_capacity(2 + component_id.len() + self.tail.len());
        frame.push(self.frame_type);
        frame.push(id_len);
        frame.extend_from_slice(component_id.as_bytes());
        frame.extend_from_slice(&self.tail);
        Ok(Bytes::from(frame))
    }
}

/// A room frame read by [`decode`], borrowing from the frame bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoomFrame<'a> {
    /// [`ROOM_EVENT`] or [`ROOM_STATE`].
    pub(crate) frame_type: u8,
    /// The recipient component.
    pub(crate) component_id: &'a str,
    /// The room.
    pub(crate) room_id: &'a str,
    /// The event name, e.g. `counter:updated` or `$state:update`.
    pub(crate) event: &'a str,
    /// The encoded data (msgpack), possibly empty.
    pub(crate) payload: &'a [u8],
}

/// Reads a room frame (for the Rust client, tests and fuzzing). The type must be
/// [`ROOM_EVENT`] or [`ROOM_STATE`], the frame at least 6 bytes long as the browser
/// client requires (so a frame whose ids, event and payload are all empty is
/// refused), the length prefixes within the frame, and the strings UTF-8.
pub(crate) fn decode(frame: &[u8]) -> Result<RoomFrame<'_>, FrameError> {
    let (&frame_type, rest) = frame.split_first().ok_or(FrameError::Truncated)?;
    if !is_room_type(frame_type) {
        return Err(FrameError::UnknownType(frame_type));
    }
    if frame.len() < MIN_FRAME_LEN {
        return Err(FrameError::Truncated);
    }
    let (&id_len, rest) = rest.split_first().ok_or(FrameError::Truncated)?;
    let (component_id, rest) = take_str(rest, usize::from(id_len))?;
    let (&room_len, rest) = rest.split_first().ok_or(FrameError::Truncated)?;
    let (room_id, rest) = take_str(rest, usize::from(room_len))?;
    let (event_len, rest) = rest.split_first_chunk::<2>().ok_or(FrameError::Truncated)?;
    let (event, payload) = take_str(rest, usize::from(u16::from_be_bytes(*event_len)))?;
    Ok(RoomFrame {
        frame_type,
        component_id,
        room_id,
        event,
        payload,
    })
}

/// Tells whether `frame_type` is a room frame type.
fn is_room_type(frame_type: u8) -> bool {
    frame_type == ROOM_EVENT || frame_type == ROOM_STATE
}

/// Splits `len` bytes of UTF-8 off the front of `bytes`.
fn take_str(bytes: &[u8], len: usize) -> Result<(&str, &[u8]), FrameError> {
    let (text, rest) = bytes.split_at_checked(len).ok_or(FrameError::Truncated)?;
    let text = std::str::from_utf8(text).map_err(|_| FrameError::InvalidUtf8)?;
    Ok((text, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The §10.4 example frame.
    fn reference_frame() -> Vec<u8> {
        let mut bytes = vec![0x02, 0x06];
        bytes.extend_from_slice(b"comp-1");
        bytes.push(0x0e);
        bytes.extend_from_slice(b"counter:global");
        bytes.extend_from_slice(&[0x00, 0x0f]);
        bytes.extend_from_slice(b"counter:updated");
        bytes.extend_from_slice(&[0x81, 0xa5, b'c', b'o', b'u', b'n', b't', 0x0a]);
        bytes
    }

    #[test]
    fn reference_example() {
        let payload = super::super::msgpack::to_vec(&serde_json::json!({"count": 10}));
        let broadcast =
            RoomBroadcast::new(ROOM_EVENT, "counter:global", "counter:updated", &payload).unwrap();
        let frame = broadcast.frame_for("comp-1").unwrap();
        assert_eq!(frame.as_ref(), reference_frame().as_slice());
        let decoded = decode(&frame).unwrap();
        assert_eq!(
            decoded,
            RoomFrame {
                frame_type: ROOM_EVENT,
                component_id: "comp-1",
                room_id: "counter:global",
                event: "counter:updated",
                payload: &payload,
            }
        );
        // One allocation of the exact size: taking the only handle back into a
        // `Vec` reuses the allocation and shows its capacity.
        let len = frame.len();
        assert_eq!(Vec::from(frame).capacity(), len);
    }

    #[test]
    fn state_frames_round_trip() {
        let broadcast = RoomBroadcast::new(ROOM_STATE, "r", "$state:update", &[0x80]).unwrap();
        assert_eq!(broadcast.frame_type(), ROOM_STATE);
        let frame = broadcast.frame_for("c").unwrap();
        assert_eq!(
            frame.as_ref(),
            [
                0x03, 1, b'c', 1, b'r', 0, 13, b'$', b's', b't', b'a', b't', b'e', b':', b'u',
                b'p', b'd', b'a', b't', b'e', 0x80
            ]
        );
        let decoded = decode(&frame).unwrap();
        assert_eq!(decoded.frame_type, ROOM_STATE);
        assert_eq!(decoded.event, "$state:update");
        assert_eq!(decoded.payload, [0x80]);
    }

    #[test]
    fn recipients_share_the_tail() {
        let payload = vec![0xab; 1000];
        let broadcast = RoomBroadcast::new(ROOM_EVENT, "room", "ev", &payload).unwrap();
        let first = broadcast.frame_for("alpha").unwrap();
        let second = broadcast.frame_for("b").unwrap();
        assert_eq!(&first[..7], [0x02, 5, b'a', b'l', b'p', b'h', b'a']);
        assert_eq!(&second[..3], [0x02, 1, b'b']);
        assert_eq!(&first[7..], broadcast.tail().as_ref());
        assert_eq!(&second[3..], broadcast.tail().as_ref());
        assert_eq!(decode(&first).unwrap().payload, payload.as_slice());
        assert_eq!(decode(&second).unwrap().payload, payload.as_slice());
    }

    #[test]
    fn length_limits() {
        let id_255 = "i".repeat(255);
        let id_256 = "i".repeat(256);
        let event_max = "e".repeat(65_535);
        let event_over = "e".repeat(65_536);

        let broadcast = RoomBroadcast::new(ROOM_EVENT, &id_255, &event_max, &[]).unwrap();
        let frame = broadcast.frame_for(&id_255).unwrap();
        assert_eq!(frame.len(), 1 + 1 + 255 + 1 + 255 + 2 + 65_535);
        let decoded = decode(&frame).unwrap();
        assert_eq!(decoded.component_id, id_255);
        assert_eq!(decoded.room_id, id_255);
        assert_eq!(decoded.event, event_max);
        assert!(decoded.payload.is_empty());

        assert_eq!(
            broadcast.frame_for(&id_256),
            Err(FrameError::ComponentIdTooLong(256))
        );
        assert_eq!(
            RoomBroadcast::new(ROOM_EVENT, &id_256, "e", &[]),
            Err(FrameError::RoomIdTooLong(256))
        );
        assert_eq!(
            RoomBroadcast::new(ROOM_EVENT, "r", &event_over, &[]),
            Err(FrameError::EventTooLong(65_536))
        );
        // Lengths are UTF-8 bytes: 128 × "é" is 256 bytes.
        assert_eq!(
            broadcast.frame_for(&"é".repeat(128)),
            Err(FrameError::ComponentIdTooLong(256))
        );
        assert_eq!(
            FrameError::ComponentIdTooLong(256).to_string(),
            "component id is 256 bytes, over the 255-byte limit of a room frame"
        );
    }

    #[test]
    fn empty_fields() {
        let broadcast = RoomBroadcast::new(ROOM_EVENT, "r", "", &[]).unwrap();
        let frame = broadcast.frame_for("").unwrap();
        assert_eq!(frame.as_ref(), [0x02, 0, 1, b'r', 0, 0]);
        let decoded = decode(&frame).unwrap();
        assert_eq!(
            (decoded.component_id, decoded.room_id, decoded.event),
            ("", "r", "")
        );
        assert!(decoded.payload.is_empty());
        // All empty is 5 bytes, which the browser client drops.
        let frame = RoomBroadcast::new(ROOM_EVENT, "", "", &[])
            .unwrap()
            .frame_for("")
            .unwrap();
        assert_eq!(decode(&frame), Err(FrameError::Truncated));
    }

    #[test]
    fn refuses_other_types() {
        assert_eq!(
            RoomBroadcast::new(0x01, "r", "e", &[]),
            Err(FrameError::UnknownType(0x01))
        );
        let mut frame = reference_frame();
        for frame_type in [0x00, 0x01, 0x04, 0xff] {
            frame[0] = frame_type;
            assert_eq!(decode(&frame), Err(FrameError::UnknownType(frame_type)));
        }
    }

    #[test]
    fn refuses_invalid_utf8() {
        let mut frame = reference_frame();
        frame[2] = 0xff; // in the component id
        assert_eq!(decode(&frame), Err(FrameError::InvalidUtf8));
        let mut frame = reference_frame();
        frame[9] = 0xc3; // in the room id
        assert_eq!(decode(&frame), Err(FrameError::InvalidUtf8));
        let mut frame = reference_frame();
        frame[26] = 0x80; // in the event
        assert_eq!(decode(&frame), Err(FrameError::InvalidUtf8));
        // The payload is opaque bytes.
        let mut frame = reference_frame();
        let last = frame.len() - 1;
        frame[last] = 0xff;
        assert!(decode(&frame).is_ok());
    }

    #[test]
    fn every_cut_point_is_refused() {
        let frame = reference_frame();
        let payload_start = frame.len() - 8;
        for cut in 0..payload_start {
            assert_eq!(
                decode(&frame[..cut]),
                Err(FrameError::Truncated),
                "cut at {cut}"
            );
        }
        // Cutting inside the payload leaves a shorter, still consistent frame.
        for cut in payload_start..=frame.len() {
            assert_eq!(
                decode(&frame[..cut]).unwrap().payload,
                &frame[payload_start..cut]
            );
        }
        // Length prefixes that overrun the frame.
        assert_eq!(
            decode(&[0x02, 200, b'a', b'b', b'c', b'd']),
            Err(FrameError::Truncated)
        );
        assert_eq!(
            decode(&[0x02, 0, 200, b'a', b'b', b'c']),
            Err(FrameError::Truncated)
        );
        assert_eq!(
            decode(&[0x02, 0, 1, b'r', 0xff, 0xff]),
            Err(FrameError::Truncated)
        );
        assert_eq!(
            decode(&[0x02, 0, 2, b'r', b's', 0x00]),
            Err(FrameError::Truncated)
        );
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn decode_never_panics_on_room_types(
            frame_type in prop_oneof![Just(ROOM_EVENT), Just(ROOM_STATE)],
            rest in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut bytes = vec![frame_type];
            bytes.extend_from_slice(&rest);
            let _ = decode(&bytes);
        }

        #[test]
        fn round_trips(
            frame_type in prop_oneof![Just(ROOM_EVENT), Just(ROOM_STATE)],
            component_id in ".{0,40}",
            room_id in ".{1,40}",
            event in ".{0,60}",
            payload in prop::collection::vec(any::<u8>(), 0..200),
        ) {
            let broadcast = RoomBroadcast::new(frame_type, &room_id, &event, &payload).unwrap();
            let frame = broadcast.frame_for(&component_id).unwrap();
            prop_assert_eq!(
                decode(&frame).unwrap(),
                RoomFrame {
                    frame_type,
                    component_id: &component_id,
                    room_id: &room_id,
                    event: &event,
                    payload: &payload,
                }
            );
        }
    }
}

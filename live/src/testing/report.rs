//! What a failed harness assertion prints: the component, expected and actual side by side,
//! and the last frames the client received.

use crate::client::ServerFrame;
use std::fmt::Write;

/// The panic message of a failed assertion about `component` (`id`).
pub(super) fn failure(
    what: &str,
    component: &str,
    id: &str,
    expected: &str,
    actual: &str,
    frames: &[ServerFrame],
) -> String {
    let mut out = format!("live::testing: {what}\n  component: {component} (id {id})\n\n");
    side_by_side(&mut out, expected, actual);
    out.push_str("\n  last frames received (oldest first):\n");
    if frames.is_empty() {
        out.push_str("    (none)\n");
    }
    for frame in frames {
        let line = match frame {
            ServerFrame::Json(json) => json.to_string(),
            ServerFrame::Binary(bytes) => match crate::client::decode_room_frame(bytes) {
                Ok(room) => format!("{room:?}"),
                Err(_) => format!("binary frame of {} bytes", bytes.len()),
            },
            ServerFrame::Closed { code, reason } => format!("closed {code} {reason}"),
        };
        let _ = writeln!(out, "    {line}");
    }
    out
}

/// Two texts in two columns, `expected | actual`, lines that differ marked with `>`.
fn side_by_side(out: &mut String, expected: &str, actual: &str) {
    let left: Vec<&str> = expected.lines().collect();
    let right: Vec<&str> = actual.lines().collect();
    let width = left
        .iter()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
        .max("expected".len());
    let _ = writeln!(out, "    {:width$} | actual", "expected");
    let _ = writeln!(out, "    {:-<width$}-+-{:-<8}", "", "");
    for row in 0..left.len().max(right.len()) {
        let l = left.get(row).copied().unwrap_or("");
        let r = right.get(row).copied().unwrap_or("");
        let mark = if l == r { ' ' } else { '>' };
        let _ = writeln!(out, "  {mark} {l:width$} | {r}");
    }
}

#[cfg(test)]
mod tests {
    use super::failure;
    use crate::client::ServerFrame;
    use serde_json::json;

    #[test]
    fn a_failure_names_the_component_shows_both_states_and_the_frames() {
        let text = failure(
            "state differs",
            "Counter",
            "ab12cd34",
            "Counter {\n    count: 5,\n}",
            "Counter {\n    count: 4,\n}",
            &[ServerFrame::Json(json!({"type": "STATE_DELTA"}))],
        );
        assert!(text.contains("component: Counter (id ab12cd34)"), "{text}");
        assert!(text.contains("    expected      | actual"), "{text}");
        assert!(text.contains("  >     count: 5, |     count: 4,"), "{text}");
        assert!(text.contains("    Counter {     | Counter {"), "{text}");
        assert!(text.contains(r#"{"type":"STATE_DELTA"}"#), "{text}");
    }
}

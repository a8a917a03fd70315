//! Who is in a room (PRESENCE_WIRE.md): one entry per user (or per connection), kept by
//! the room that runs the hooks and followed by the other servers through the
//! `$presence:*` events it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// One presence entry, as it travels (camelCase JSON): its key, the member that made it
/// (its fields inline), and how many connections share it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: String,
    #[serde(flatten)]
    pub(crate) member: Present,
    pub(crate) connections: u64,
}

/// A member, as presence sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Present {
    pub(crate) component_id: String,
    pub(crate) connection_id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) joined_at: u64,
    pub(crate) meta: Value,
}

/// A change to announce: `$presence:<event>` with its data.
pub(crate) type Diff = (&'static str, Value, Option<String>);

/// A room's presence table.
#[derive(Debug, Default)]
pub(crate) struct Presence {
    by_connection: bool,
    entries: BTreeMap<String, Entry>,
    /// Member component id → its key (the table that runs the hooks only).
    keys: HashMap<String, String>,
}

impl Presence {
    /// An empty table grouped by user (`by_connection`: one entry per connection).
    pub(crate) fn new(by_connection: bool) -> Self {
        Self {
            by_connection,
            ..Self::default()
        }
    }

    fn key_of(&self, member: &Present) -> String {
        match (&member.user_id, self.by_connection) {
            (Some(user), false) => format!("user:{user}"),
            _ => format!("conn:{}", member.connection_id),
        }
    }

    /// A member joined: `$presence:join` for a new key (to all but the subject),
    /// `$presence:update` for another connection of a known one.
    pub(crate) fn join(&mut self, member: Present) -> Option<Diff> {
        if self.keys.contains_key(&member.component_id) {
            return None;
        }
        let key = self.key_of(&member);
        self.keys.insert(member.component_id.clone(), key.clone());
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.connections += 1;
            return Some(("$presence:update", json!({ "entry": entry }), None));
        }
        let subject = member.component_id.clone();
        let entry = Entry {
            key: key.clone(),
            member,
            connections: 1,
        };
        let data = json!({ "entry": &entry });
        self.entries.insert(key, entry);
        Some(("$presence:join", data, Some(subject)))
    }

    /// A member left: `$presence:leave` for its key's last connection (to all but the
    /// subject), `$presence:update` otherwise.
    pub(crate) fn leave(&mut self, component_id: &str) -> Option<Diff> {
        let key = self.keys.remove(component_id)?;
        let entry = self.entries.get_mut(&key)?;
        if entry.connections > 1 {
            entry.connections -= 1;
            return Some(("$presence:update", json!({ "entry": entry }), None));
        }
        self.entries.remove(&key);
        Some((
            "$presence:leave",
            json!({ "key": key }),
            Some(component_id.to_owned()),
        ))
    }

    /// Every entry, in `joinedAt` order, then key.
    pub(crate) fn list(&self) -> Vec<Entry> {
        let mut list: Vec<Entry> = self.entries.values().cloned().collect();
        list.sort_by(|a, b| (a.member.joined_at, &a.key).cmp(&(b.member.joined_at, &b.key)));
        list
    }

    /// `$presence:state` data: the whole list.
    pub(crate) fn state(&self) -> Value {
        json!({ "entries": self.list() })
    }

    /// Replaces the entries (a follower, from the owner's list).
    pub(crate) fn replace(&mut self, entries: Vec<Entry>) {
        self.entries = entries
            .into_iter()
            .map(|entry| (entry.key.clone(), entry))
            .collect();
    }

    /// Follows a `$presence:*` event the owner sent (a follower).
    pub(crate) fn follow(&mut self, event: &str, data: &Value) {
        match event {
            "$presence:join" | "$presence:update" => {
                if let Some(entry) = data
                    .get("entry")
                    .and_then(|entry| serde_json::from_value::<Entry>(entry.clone()).ok())
                {
                    self.entries.insert(entry.key.clone(), entry);
                }
            }
            "$presence:leave" => {
                if let Some(key) = data.get("key").and_then(Value::as_str) {
                    self.entries.remove(key);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(component: &str, user: Option<&str>, at: u64) -> Present {
        Present {
            component_id: component.to_owned(),
            connection_id: format!("conn-{component}"),
            user_id: user.map(str::to_owned),
            session_id: None,
            joined_at: at,
            meta: json!({"name": component}),
        }
    }

    #[test]
    fn an_entry_travels_as_flat_camel_case_json_and_back() {
        let mut table = Presence::new(false);
        let joined = table.join(member("c1", Some("u1"), 7));
        let Some((_, data, _)) = joined else {
            panic!("no join");
        };
        assert_eq!(
            data.to_string(),
            r#"{"entry":{"key":"user:u1","componentId":"c1","connectionId":"conn-c1","userId":"u1","sessionId":null,"joinedAt":7,"meta":{"name":"c1"},"connections":1}}"#
        );
        let mut follower = Presence::new(false);
        follower.follow("$presence:join", &data);
        assert_eq!(follower.list(), table.list());
    }

    #[test]
    fn tabs_of_one_user_share_an_entry() {
        let mut table = Presence::new(false);
        let first = table.join(member("c1", Some("u1"), 1));
        assert_eq!(first.map(|d| d.0), Some("$presence:join"));
        let second = table.join(member("c2", Some("u1"), 2));
        assert_eq!(second.map(|d| d.0), Some("$presence:update"));
        assert_eq!(table.list().len(), 1);
        assert_eq!(table.list().first().map(|e| e.connections), Some(2));
        assert_eq!(table.leave("c1").map(|d| d.0), Some("$presence:update"));
        assert_eq!(table.leave("c2").map(|d| d.0), Some("$presence:leave"));
        assert!(table.list().is_empty());
    }

    #[test]
    fn per_connection_grouping_and_order() {
        let mut table = Presence::new(true);
        table.join(member("c2", Some("u1"), 5));
        table.join(member("c1", Some("u1"), 3));
        table.join(member("c3", None, 3));
        let keys: Vec<String> = table.list().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["conn:conn-c1", "conn:conn-c3", "conn:conn-c2"]);
        let mut follower = Presence::new(true);
        follower.replace(table.list());
        let (event, data, _) = table.leave("c3").unwrap_or(("", Value::Null, None));
        follower.follow(event, &data);
        assert_eq!(follower.list(), table.list());
    }
}

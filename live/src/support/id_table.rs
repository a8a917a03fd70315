//! [`IdTable`]: the table keyed by ids that every call looks up (a connection's
//! components, a component's viewers).

use std::collections::HashMap;
use std::sync::Arc;

/// The hash table behind [`IdTable`]'s second and later entries.
///
/// `foldhash`'s fast hasher instead of the standard SipHash: a lookup of a 21-byte id costs
/// a fraction, and its state is 8 bytes instead of 16. Flooding a table with colliding
/// keys needs control of the keys inserted; these are random ids the server chose, and a
/// client only looks them up. Its seed is still random per table.
type IdMap<V> = HashMap<Arc<str>, V, foldhash::fast::RandomState>;

/// A table keyed by ids the server made (connection and component ids), looked up on
/// every call.
///
/// Its first entry is kept inline, the rest in a hash table: most connections mount one
/// component and a private component has one viewer, so the lookup on every call reads no
/// table, and the table is not allocated at all. A lookup with the very `Arc` the entry
/// was inserted with (a component finding its caller) compares pointers, not bytes.
#[derive(Debug)]
pub(crate) struct IdTable<V> {
    first: Option<(Arc<str>, V)>,
    rest: IdMap<V>,
}

impl<V> Default for IdTable<V> {
    fn default() -> Self {
        Self {
            first: None,
            rest: IdMap::default(),
        }
    }
}

impl<V> IdTable<V> {
    /// How many entries it holds.
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// The entry of `id`, with the key it was inserted with.
    pub(crate) fn get_key_value(&self, id: &str) -> Option<(&Arc<str>, &V)> {
        match &self.first {
            Some((key, value)) if same_id(key, id) => Some((key, value)),
            // Inserting fills `first` before `rest`, so an empty `first` means no entries.
            Some(_) if !self.rest.is_empty() => self.rest.get_key_value(id),
            _ => None,
        }
    }

    /// The value of `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&V> {
        self.get_key_value(id).map(|(_, value)| value)
    }

    /// Inserts or replaces the value of `id`; gives back the value it replaced.
    pub(crate) fn insert(&mut self, id: Arc<str>, value: V) -> Option<V> {
        match &mut self.first {
            None => {
                self.first = Some((id, value));
                None
            }
            Some((key, old)) if same_id(key, &id) => Some(std::mem::replace(old, value)),
            Some(_) => self.rest.insert(id, value),
        }
    }

    /// Removes `id`'s entry; gives back its value. A later entry moves up inline.
    pub(crate) fn remove(&mut self, id: &str) -> Option<V> {
        match &self.first {
            Some((key, _)) if same_id(key, id) => {
                let promoted = self.rest.keys().next().cloned();
                let next = promoted.and_then(|key| self.rest.remove_entry(&key));
                std::mem::replace(&mut self.first, next).map(|(_, value)| value)
            }
            Some(_) => self.rest.remove(id),
            None => None,
        }
    }

    /// The values, the inline one first.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.first
            .iter()
            .map(|(_, value)| value)
            .chain(self.rest.values())
    }

    /// Takes every entry out, leaving the table empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (Arc<str>, V)> + '_ {
        self.first.take().into_iter().chain(self.rest.drain())
    }
}

/// Whether `key` is `id`: the same bytes, found without reading them when both are the
/// same allocation.
fn same_id(key: &Arc<str>, id: &str) -> bool {
    std::ptr::eq(key.as_ptr(), id.as_ptr()) && key.len() == id.len() || **key == *id
}

#[cfg(test)]
mod tests {
    use super::IdTable;
    use std::sync::Arc;

    fn ids(table: &IdTable<u32>) -> Vec<u32> {
        let mut values: Vec<u32> = table.values().copied().collect();
        values.sort_unstable();
        values
    }

    #[test]
    fn entries_are_found_by_bytes_and_by_the_same_arc() {
        let mut table = IdTable::default();
        let first: Arc<str> = Arc::from("c-1");
        assert_eq!(table.insert(Arc::clone(&first), 1), None);
        assert_eq!(table.insert(Arc::from("c-2"), 2), None);
        assert_eq!(table.insert(Arc::from("c-3"), 3), None);
        assert_eq!(table.len(), 3);
        assert_eq!(table.get(&first), Some(&1));
        assert_eq!(table.get(&String::from("c-1")), Some(&1));
        assert_eq!(table.get("c-3"), Some(&3));
        assert_eq!(table.get("c-4"), None);
        let entry = table
            .get_key_value("c-2")
            .map(|(key, value)| (&**key, *value));
        assert_eq!(entry, Some(("c-2", 2)));
    }

    #[test]
    fn inserting_an_existing_id_replaces_its_value() {
        let mut table = IdTable::default();
        table.insert(Arc::from("a"), 1);
        table.insert(Arc::from("b"), 2);
        assert_eq!(table.insert(Arc::from("a"), 10), Some(1));
        assert_eq!(table.insert(Arc::from("b"), 20), Some(2));
        assert_eq!(table.len(), 2);
        assert_eq!(ids(&table), vec![10, 20]);
    }

    #[test]
    fn removing_the_inline_entry_moves_a_later_one_up() {
        let mut table = IdTable::default();
        for (at, id) in ["a", "b", "c"].into_iter().enumerate() {
            table.insert(Arc::from(id), u32::try_from(at).unwrap_or_default());
        }
        assert_eq!(table.remove("a"), Some(0));
        assert_eq!(table.remove("a"), None);
        assert_eq!(table.len(), 2);
        assert_eq!(table.get("b"), Some(&1));
        assert_eq!(table.get("c"), Some(&2));
        assert_eq!(table.remove("c"), Some(2));
        assert_eq!(table.remove("b"), Some(1));
        assert_eq!(table.len(), 0);
        assert_eq!(table.get("b"), None);
        // Empty again: the next entry goes inline and is found.
        table.insert(Arc::from("d"), 3);
        assert_eq!(table.get("d"), Some(&3));
    }

    #[test]
    fn drain_takes_every_entry() {
        let mut table = IdTable::default();
        table.insert(Arc::from("a"), 1);
        table.insert(Arc::from("b"), 2);
        let mut drained: Vec<(String, u32)> = table
            .drain()
            .map(|(id, value)| (id.to_string(), value))
            .collect();
        drained.sort();
        assert_eq!(drained, vec![("a".into(), 1), ("b".into(), 2)]);
        assert_eq!(table.len(), 0);
        assert_eq!(table.values().count(), 0);
    }
}

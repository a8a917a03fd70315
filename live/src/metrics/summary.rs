//! What the inspector shows of the metrics (feature `metrics`): per action its calls and
//! latency p99, read back from the same text Prometheus scrapes; and the recent closes.

use std::collections::{BTreeMap, VecDeque};

/// One action's totals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActionSummary {
    /// The component's name.
    pub(crate) component: String,
    /// The action's name.
    pub(crate) action: String,
    /// Calls of every outcome.
    pub(crate) calls: u64,
    /// Calls that did not end `ok`.
    pub(crate) failed: u64,
    /// The upper bound of the latency bucket holding the 99th percentile, in seconds
    /// (`None`: it never ran, or the slowest 1 % are above the last bucket).
    pub(crate) p99_seconds: Option<f64>,
}

/// A connection's close, as the inspector lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecentClose {
    /// Unix time, in milliseconds.
    pub(crate) at_ms: u64,
    /// The close code the server sent.
    pub(crate) code: u16,
}

/// How many closes [`RecentCloses`] keeps.
const RECENT: usize = 20;

/// The last [`RECENT`] closes, newest last.
#[derive(Debug, Default)]
pub(crate) struct RecentCloses(VecDeque<RecentClose>);

impl RecentCloses {
    pub(crate) fn push(&mut self, close: RecentClose) {
        if self.0.len() == RECENT {
            self.0.pop_front();
        }
        self.0.push_back(close);
    }

    pub(crate) fn list(&self) -> Vec<RecentClose> {
        self.0.iter().copied().collect()
    }
}

/// One sample line: its name, labels and value (`None` for a comment or a line it cannot
/// read; the text comes from our own registry).
fn sample(line: &str) -> Option<(&str, BTreeMap<&str, &str>, f64)> {
    if line.starts_with('#') {
        return None;
    }
    let (series, value) = line.rsplit_once(' ')?;
    let value = if value == "+Inf" {
        f64::INFINITY
    } else {
        value.parse().ok()?
    };
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => {
            let labels = rest
                .strip_suffix('}')?
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key, value.trim_matches('"')))
                .collect();
            (name, labels)
        }
        None => (series, BTreeMap::new()),
    };
    Some((name, labels, value))
}

/// Per action: calls, failures and the p99 latency bucket, from the text format.
pub(crate) fn actions(text: &str) -> Vec<ActionSummary> {
    type Key<'a> = (&'a str, &'a str);
    let mut totals: BTreeMap<Key<'_>, (u64, u64)> = BTreeMap::new();
    let mut buckets: BTreeMap<Key<'_>, Vec<(f64, f64)>> = BTreeMap::new();
    for (name, labels, value) in text.lines().filter_map(sample) {
        let (Some(component), Some(action)) = (labels.get("component"), labels.get("action"))
        else {
            continue;
        };
        let key = (*component, *action);
        match name {
            "live_actions_total" => {
                // Counts are whole numbers: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let count = value as u64;
                let entry = totals.entry(key).or_default();
                entry.0 += count;
                if labels.get("outcome") != Some(&"ok") {
                    entry.1 += count;
                }
            }
            "live_action_duration_seconds_bucket" => {
                let le = labels.get("le").and_then(|le| match *le {
                    "+Inf" => Some(f64::INFINITY),
                    le => le.parse().ok(),
                });
                if let Some(le) = le {
                    buckets.entry(key).or_default().push((le, value));
                }
            }
            _ => {}
        }
    }
    totals
        .into_iter()
        .map(|((component, action), (calls, failed))| ActionSummary {
            component: component.to_owned(),
            action: action.to_owned(),
            calls,
            failed,
            p99_seconds: buckets
                .get(&(component, action))
                .and_then(|buckets| p99(buckets)),
        })
        .collect()
}

/// The smallest finite bucket bound holding 99 % of the observations (cumulative buckets).
fn p99(buckets: &[(f64, f64)]) -> Option<f64> {
    let total = buckets
        .iter()
        .find(|(le, _)| le.is_infinite())
        .map(|(_, count)| *count)?;
    if total <= 0.0 {
        return None;
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    sorted
        .iter()
        .find(|(_, count)| *count >= total * 0.99)
        .map(|(le, _)| *le)
        .filter(|le| le.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_calls_and_p99_from_the_text_format() {
        let text = "# HELP x\n\
            live_actions_total{component=\"C\",action=\"a\",outcome=\"ok\"} 98\n\
            live_actions_total{component=\"C\",action=\"a\",outcome=\"error\"} 2\n\
            live_action_duration_seconds_bucket{component=\"C\",action=\"a\",le=\"0.001\"} 50\n\
            live_action_duration_seconds_bucket{component=\"C\",action=\"a\",le=\"0.002\"} 99\n\
            live_action_duration_seconds_bucket{component=\"C\",action=\"a\",le=\"+Inf\"} 100\n";
        let summary = actions(text);
        assert_eq!(
            summary,
            vec![ActionSummary {
                component: "C".to_owned(),
                action: "a".to_owned(),
                calls: 100,
                failed: 2,
                p99_seconds: Some(0.002),
            }]
        );
    }

    #[test]
    fn keeps_the_last_closes() {
        let mut closes = RecentCloses::default();
        for code in 0..30 {
            closes.push(RecentClose { at_ms: 0, code });
        }
        let list = closes.list();
        assert_eq!(list.len(), RECENT);
        assert_eq!(list.first().map(|c| c.code), Some(10));
    }
}

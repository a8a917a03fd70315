//! Pairs Live's figures with the baseline's and prints them.

use super::scenarios::Figure;
use super::server::ServerKind;

/// One row of the results: a figure for Live and for the baseline.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub scenario: String,
    /// Live's figure (`NaN` if its run failed).
    pub live: f64,
    /// The baseline's figure (`NaN` if its run failed).
    pub baseline: f64,
    /// The unit of both.
    pub unit: &'static str,
    /// Rates: higher is better; latencies and memory: lower is better.
    pub higher_is_better: bool,
}

impl Row {
    /// 1.0 means as good as the baseline, higher is better: Live ÷ baseline for rates,
    /// baseline ÷ Live for latencies and memory.
    pub fn ratio(&self) -> f64 {
        if self.higher_is_better {
            self.live / self.baseline
        } else {
            self.baseline / self.live
        }
    }
}

/// One server's figures over several rounds of a scenario: each figure's median (by name,
/// in the order they first appear; a round without it, or with `NaN`, is left out).
pub fn median_of_rounds(rounds: &[Vec<Figure>]) -> Vec<Figure> {
    let mut medians: Vec<Figure> = Vec::new();
    for figure in rounds.iter().flatten() {
        if medians.iter().any(|kept| kept.name == figure.name) {
            continue;
        }
        let mut values: Vec<f64> = rounds
            .iter()
            .flatten()
            .filter(|other| other.name == figure.name && !other.value.is_nan())
            .map(|other| other.value)
            .collect();
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        let value = match (values.len() % 2, values.get(middle)) {
            (_, None) => f64::NAN,
            (1, Some(&value)) => value,
            (_, Some(&upper)) => values
                .get(middle.wrapping_sub(1))
                .map_or(upper, |&lower| f64::midpoint(lower, upper)),
        };
        medians.push(Figure {
            value,
            ..figure.clone()
        });
    }
    medians
}

/// Rows from each kind's figures, matched by name (in Live's order, then any the
/// baseline alone has).
pub fn pair(figures: &[(ServerKind, Vec<Figure>)]) -> Vec<Row> {
    let of = |kind: ServerKind| {
        figures
            .iter()
            .filter(move |(k, _)| *k == kind)
            .flat_map(|(_, found)| found.iter())
    };
    let mut rows: Vec<Row> = Vec::new();
    for figure in of(ServerKind::Live).chain(of(ServerKind::Baseline)) {
        if rows.iter().any(|row| row.scenario == figure.name) {
            continue;
        }
        let value = |kind: ServerKind| {
            of(kind)
                .find(|other| other.name == figure.name)
                .map_or(f64::NAN, |other| other.value)
        };
        rows.push(Row {
            scenario: figure.name.clone(),
            live: value(ServerKind::Live),
            baseline: value(ServerKind::Baseline),
            unit: figure.unit,
            higher_is_better: figure.higher_is_better,
        });
    }
    rows
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "—".to_owned()
    } else if value.abs() >= 1000.0 {
        let whole = format!("{value:.0}");
        let (sign, digits) = whole.split_at(usize::from(whole.starts_with('-')));
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{sign}{grouped}")
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn ratio(row: &Row) -> String {
    let ratio = row.ratio();
    if ratio.is_finite() {
        format!("{ratio:.2}")
    } else {
        "—".to_owned()
    }
}

/// One row as a line of text.
pub fn line(row: &Row) -> String {
    format!(
        "{}: live {} / baseline {} {} (ratio {})",
        row.scenario,
        number(row.live),
        number(row.baseline),
        row.unit,
        ratio(row)
    )
}

/// The results as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| scenario | Live | baseline | unit | ratio |\n|---|---:|---:|---|---:|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.scenario,
            number(row.live),
            number(row.baseline),
            row.unit,
            ratio(row)
        ));
    }
    out
}

/// The results as a JSON array of `{scenario, live, baseline, unit, ratio}`.
pub fn json(rows: &[Row]) -> String {
    let values: Vec<serde_json::Value> = rows.iter().map(serde_json::Value::from).collect();
    serde_json::to_string_pretty(&values).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(name: &str, value: f64, higher_is_better: bool) -> Figure {
        Figure {
            name: name.to_owned(),
            value,
            unit: "u",
            higher_is_better,
        }
    }

    #[test]
    fn ratios_are_oriented_so_higher_is_better() {
        let rows = pair(&[
            (
                ServerKind::Live,
                vec![figure("rate", 50.0, true), figure("latency", 2.0, false)],
            ),
            (
                ServerKind::Baseline,
                vec![figure("rate", 100.0, true), figure("latency", 1.0, false)],
            ),
        ]);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|row| (row.ratio() - 0.5).abs() < 1e-9));
        let json: serde_json::Value = serde_json::from_str(&json(&rows)).unwrap_or_default();
        assert_eq!(json[0]["scenario"], "rate");
        assert_eq!(json[1]["ratio"], 0.5);
    }

    #[test]
    fn rounds_give_each_figures_median() {
        let rounds = [
            vec![figure("rate", 30.0, true), figure("p99", 9.0, false)],
            vec![figure("rate", 10.0, true), figure("p99", f64::NAN, false)],
            vec![figure("rate", 20.0, true), figure("p99", 5.0, false)],
            vec![figure("only here", 4.0, true)],
        ];
        let medians = median_of_rounds(&rounds);
        let value = |name: &str| {
            medians
                .iter()
                .find(|figure| figure.name == name)
                .map(|figure| figure.value)
        };
        assert_eq!(medians.len(), 3);
        assert_eq!(value("rate"), Some(20.0), "odd count: the middle one");
        assert_eq!(
            value("p99"),
            Some(7.0),
            "even count, NaN left out: the mean of two"
        );
        assert_eq!(value("only here"), Some(4.0));
        assert!(median_of_rounds(&[]).is_empty());
    }

    #[test]
    fn a_missing_side_is_null() {
        let rows = pair(&[
            (ServerKind::Live, vec![figure("only live", 1.0, true)]),
            (ServerKind::Baseline, Vec::new()),
        ]);
        let json: serde_json::Value = serde_json::from_str(&json(&rows)).unwrap_or_default();
        assert!(json[0]["baseline"].is_null());
        assert!(json[0]["ratio"].is_null());
        assert_eq!(number(1_234_567.0), "1,234,567");
    }
}

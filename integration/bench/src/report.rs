//! The figures collected in a run, the targets as checks on them, and the one table
//! (printed) and JSON document (written) that show both.

use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The columns of figures: the three servers and the machine's ceilings.
pub const MINIS3: &str = "minis3";
pub const SEAWEEDFS: &str = "seaweedfs";
pub const MOTO: &str = "moto";
pub const CEILING: &str = "ceiling";

/// Every figure measured, by column and metric; a missing one is reported as null.
#[derive(Debug, Default)]
pub struct Results {
    figures: BTreeMap<String, BTreeMap<String, f64>>,
    pub notes: Vec<String>,
}

impl Results {
    pub fn set(&mut self, column: &str, metric: &str, value: f64) {
        if value.is_finite() {
            self.figures
                .entry(column.to_string())
                .or_default()
                .insert(metric.to_string(), value);
        }
    }

    pub fn get(&self, column: &str, metric: &str) -> Option<f64> {
        self.figures.get(column)?.get(metric).copied()
    }

    pub fn note(&mut self, note: String) {
        eprintln!("bench: note: {note}");
        self.notes.push(note);
    }
}

/// One condition of a target, on the minis3 figure of a row.
#[derive(Clone, Copy)]
enum Check {
    /// minis3 >= factor x the row's ceiling.
    MinTimesCeiling(f64),
    /// minis3 >= factor x a peer's figure.
    MinTimesPeer(&'static str, f64),
    /// minis3 <= a fixed bound.
    Max(f64),
    /// minis3 <= factor x minis3's figure for another metric.
    MaxTimesOther(&'static str, f64),
}

struct Row {
    metric: &'static str,
    figure: &'static str,
    unit: &'static str,
    /// The ceiling column's metric this row compares with, and what that ceiling is.
    ceiling: Option<(&'static str, &'static str)>,
    checks: &'static [Check],
}

const SMALL_GET_CHECKS: &[Check] = &[
    Check::MinTimesCeiling(0.7),
    Check::MinTimesPeer(SEAWEEDFS, 3.0),
    Check::MinTimesPeer(MOTO, 20.0),
];
const SMALL_PUT_CHECKS: &[Check] = &[
    Check::MinTimesCeiling(0.3),
    Check::MinTimesPeer(SEAWEEDFS, 2.0),
    Check::MinTimesPeer(MOTO, 20.0),
];

const fn row(
    metric: &'static str,
    figure: &'static str,
    unit: &'static str,
    ceiling: Option<(&'static str, &'static str)>,
    checks: &'static [Check],
) -> Row {
    Row {
        metric,
        figure,
        unit,
        ceiling,
        checks,
    }
}

const ACTIX: &str = "bare actix-web";

// One row per line reads as the table it prints.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    row("small_get_c1_ops", "4 KiB GET, 1 conn", "ops/s", Some(("small_get_c1_ops", ACTIX)), SMALL_GET_CHECKS),
    row("small_get_c1_p50_ms", "  p50 latency", "ms", Some(("small_get_c1_p50_ms", ACTIX)), &[]),
    row("small_get_c1_p99_ms", "  p99 latency", "ms", Some(("small_get_c1_p99_ms", ACTIX)), &[]),
    row("small_get_c16_ops", "4 KiB GET, 16 conns", "ops/s", Some(("small_get_c16_ops", ACTIX)), SMALL_GET_CHECKS),
    row("small_get_c16_p50_ms", "  p50 latency", "ms", Some(("small_get_c16_p50_ms", ACTIX)), &[]),
    row("small_get_c16_p99_ms", "  p99 latency", "ms", Some(("small_get_c16_p99_ms", ACTIX)), &[]),
    row("small_put_c1_ops", "4 KiB PUT, 1 conn", "ops/s", Some(("small_put_c1_ops", ACTIX)), SMALL_PUT_CHECKS),
    row("small_put_c1_p50_ms", "  p50 latency", "ms", Some(("small_put_c1_p50_ms", ACTIX)), &[]),
    row("small_put_c1_p99_ms", "  p99 latency", "ms", Some(("small_put_c1_p99_ms", ACTIX)), &[]),
    row("small_put_c16_ops", "4 KiB PUT, 16 conns", "ops/s", Some(("small_put_c16_ops", ACTIX)), SMALL_PUT_CHECKS),
    row("small_put_c16_p50_ms", "  p50 latency", "ms", Some(("small_put_c16_p50_ms", ACTIX)), &[]),
    row("small_put_c16_p99_ms", "  p99 latency", "ms", Some(("small_put_c16_p99_ms", ACTIX)), &[]),
    row("large_put_mbps", "256 MiB PUT", "MB/s", Some(("md5_mbps", "single-core MD5")), &[Check::MinTimesCeiling(0.8)]),
    row("large_put_rss_mib", "  peak server RSS", "MiB", None, &[Check::Max(64.0)]),
    row("large_get_mbps", "256 MiB GET", "MB/s", Some(("loopback_mbps", "loopback TCP copy")), &[]),
    row("large_get_rss_mib", "  peak server RSS", "MiB", None, &[Check::Max(64.0)]),
    row("list_10k_ms", "ListObjectsV2 page, 10k keys", "ms", None, &[]),
    row("list_10k_first_ms", "  first fetch", "ms", None, &[]),
    row("list_100k_ms", "ListObjectsV2 page, 100k keys", "ms", None, &[Check::MaxTimesOther("list_10k_ms", 1.5)]),
    row("list_100k_first_ms", "  first fetch", "ms", None, &[]),
    row("cold_start_ms", "cold start to first 200", "ms", None, &[Check::Max(50.0)]),
    row("md5_mbps", "MD5, one core", "MB/s", Some(("md5_mbps", "single-core MD5")), &[]),
    row("sha256_mbps", "SHA-256, one core", "MB/s", Some(("sha256_mbps", "single-core SHA-256")), &[]),
    row("loopback_mbps", "loopback TCP copy, 1 GiB", "MB/s", Some(("loopback_mbps", "loopback TCP copy")), &[]),
];

fn check_text(check: Check) -> String {
    match check {
        Check::MinTimesCeiling(f) => format!(">={f}x ceiling"),
        Check::MinTimesPeer(peer, f) => format!(">={f}x {}", display_name(peer)),
        Check::Max(v) => format!("<={v}"),
        Check::MaxTimesOther(metric, f) => format!("<={f}x {metric}"),
    }
}

fn display_name(column: &str) -> &str {
    match column {
        SEAWEEDFS => "SeaweedFS",
        other => other,
    }
}

/// Evaluates a check: the value compared and whether it holds (None when a figure is missing).
fn evaluate(check: Check, row: &Row, results: &Results) -> (Option<f64>, Option<bool>) {
    let Some(own) = results.get(MINIS3, row.metric) else {
        return (None, None);
    };
    match check {
        Check::MinTimesCeiling(f) => {
            let ratio = row
                .ceiling
                .and_then(|(m, _)| results.get(CEILING, m))
                .map(|c| own / c);
            (ratio, ratio.map(|r| r >= f))
        }
        Check::MinTimesPeer(peer, f) => {
            let ratio = results.get(peer, row.metric).map(|p| own / p);
            (ratio, ratio.map(|r| r >= f))
        }
        Check::Max(v) => (Some(own), Some(own <= v)),
        Check::MaxTimesOther(metric, f) => {
            let ratio = results.get(MINIS3, metric).map(|o| own / o);
            (ratio, ratio.map(|r| r <= f))
        }
    }
}

/// Numbers with about three significant digits; "-" for a missing one.
fn fmt(value: Option<f64>) -> String {
    match value {
        None => "-".to_string(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// Prints the table and returns the same as JSON.
pub fn render(results: &Results, context: Value) -> Value {
    let header = [
        "figure",
        "unit",
        "minis3",
        "SeaweedFS",
        "moto",
        "ceiling",
        "minis3/ceil",
        "target",
        "met",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let mut rows_json = Vec::new();
    for row in ROWS {
        let ceiling = row.ceiling.and_then(|(m, _)| results.get(CEILING, m));
        let minis3 = results.get(MINIS3, row.metric);
        let ceiling_only = row.metric.starts_with("md5")
            || row.metric.starts_with("sha256")
            || row.metric.starts_with("loopback");
        let ratio = match (minis3, ceiling) {
            (Some(m), Some(c)) if c != 0.0 => Some(m / c),
            _ => None,
        };
        let mut checks_json = Vec::new();
        let mut verdict = Some(true);
        for &check in row.checks {
            let (value, met) = evaluate(check, row, results);
            checks_json.push(json!({"target": check_text(check), "value": value, "met": met}));
            verdict = match (verdict, met) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        let target = row
            .checks
            .iter()
            .map(|c| check_text(*c))
            .collect::<Vec<_>>()
            .join(", ");
        let met_text = if row.checks.is_empty() {
            String::new()
        } else {
            match verdict {
                Some(true) => "yes".to_string(),
                Some(false) => "NO".to_string(),
                None => "?".to_string(),
            }
        };
        let cell = |column: &str| {
            if ceiling_only {
                "".to_string()
            } else {
                fmt(results.get(column, row.metric))
            }
        };
        lines.push(vec![
            row.figure.to_string(),
            row.unit.to_string(),
            cell(MINIS3),
            cell(SEAWEEDFS),
            cell(MOTO),
            fmt(ceiling),
            if ceiling_only {
                String::new()
            } else {
                ratio.map_or("-".to_string(), |r| format!("{r:.2}"))
            },
            target.clone(),
            met_text,
        ]);
        let figure = |column: &str| {
            if ceiling_only {
                Value::Null
            } else {
                json!(results.get(column, row.metric))
            }
        };
        rows_json.push(json!({
            "metric": row.metric,
            "figure": row.figure.trim(),
            "unit": row.unit,
            "minis3": figure(MINIS3),
            "seaweedfs": figure(SEAWEEDFS),
            "moto": figure(MOTO),
            "ceiling": ceiling,
            "ceiling_is": row.ceiling.map(|(_, what)| what),
            "minis3_to_ceiling": if ceiling_only { None } else { ratio },
            "target": if target.is_empty() { Value::Null } else { json!(target) },
            "checks": checks_json,
            "met": if row.checks.is_empty() { Value::Null } else { json!(verdict) },
        }));
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!();
    for (n, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i < 2 || i == 7 {
                    format!("{cell:<w$}", w = widths[i])
                } else {
                    format!("{cell:>w$}", w = widths[i])
                }
            })
            .collect();
        println!("{}", cells.join("  ").trim_end());
        if n == 0 {
            println!(
                "{}",
                "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
            );
        }
    }
    println!("ceilings: 4 KiB GET/PUT rows = {ACTIX} server, same client; 256 MiB PUT = single-core MD5; 256 MiB GET = loopback TCP copy");
    if !results.notes.is_empty() {
        println!("notes:");
        for note in &results.notes {
            println!("  - {note}");
        }
    }
    let figures: BTreeMap<&String, &BTreeMap<String, f64>> = results.figures.iter().collect();
    json!({
        "context": context,
        "rows": rows_json,
        "figures": figures,
        "notes": results.notes,
    })
}

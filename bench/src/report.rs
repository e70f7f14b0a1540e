//! The result table: one row per metric, printed as plain text and as Markdown.

use std::fmt::Write as _;

/// Whether a measured value meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target is met.
    Pass,
    /// The target is missed.
    Miss,
    /// Context only (the other side of a comparison); no target of its own.
    Info,
}

impl Verdict {
    /// `Pass` when `ok`, `Miss` otherwise.
    pub fn from_bool(ok: bool) -> Verdict {
        if ok { Verdict::Pass } else { Verdict::Miss }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Miss => "MISS",
            Verdict::Info => "",
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub metric: String,
    /// The measured value, formatted with its unit.
    pub value: String,
    /// The target, or empty for context rows.
    pub target: String,
    /// Pass, miss or context.
    pub verdict: Verdict,
}

impl Row {
    /// A row with a target.
    pub fn new(
        metric: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        verdict: Verdict,
    ) -> Row {
        Row {
            metric: metric.into(),
            value: value.into(),
            target: target.into(),
            verdict,
        }
    }

    /// A context row (no target).
    pub fn info(metric: impl Into<String>, value: impl Into<String>) -> Row {
        Row::new(metric, value, "", Verdict::Info)
    }
}

const HEADERS: [&str; 4] = ["metric", "measured", "target", "result"];

fn cells(row: &Row) -> [&str; 4] {
    [&row.metric, &row.value, &row.target, row.verdict.label()]
}

/// The table as aligned plain text.
pub fn text(rows: &[Row]) -> String {
    let mut widths = HEADERS.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(cells(row)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, items: [&str; 4]| {
        for (i, (item, width)) in items.iter().zip(widths).enumerate() {
            let sep = if i == 0 { "" } else { "  " };
            let _ = write!(out, "{sep}{item:<width$}");
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(&mut out, HEADERS);
    let rule = widths.map(|w| "-".repeat(w));
    line(&mut out, [&rule[0], &rule[1], &rule[2], &rule[3]]);
    for row in rows {
        line(&mut out, cells(row));
    }
    out
}

/// The table as Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| metric | measured | target | result |\n|---|---:|---|---|\n");
    for row in rows {
        let [metric, value, target, verdict] = cells(row).map(|c| c.replace('|', "\\|"));
        let _ = writeln!(out, "| {metric} | {value} | {target} | {verdict} |");
    }
    out
}

/// Formats a duration given in seconds with a unit that suits it.
pub fn seconds(value: f64) -> String {
    if value >= 1.0 {
        format!("{value:.2} s")
    } else if value >= 1e-3 {
        format!("{:.2} ms", value * 1e3)
    } else if value >= 1e-6 {
        format!("{:.1} µs", value * 1e6)
    } else {
        format!("{:.0} ns", value * 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_render() {
        let rows = [
            Row::new("a|b", "1", "≥ 2", Verdict::Miss),
            Row::info("c", "3"),
        ];
        assert!(text(&rows).contains("MISS"));
        assert!(markdown(&rows).contains("| a\\|b | 1 | ≥ 2 | MISS |"));
        assert_eq!(seconds(0.0015), "1.50 ms");
        assert_eq!(seconds(2.5e-7), "250 ns");
    }
}

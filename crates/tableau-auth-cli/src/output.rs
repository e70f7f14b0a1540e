//! The result on stdout (and only the result).

use std::io::Write as _;
use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Writes `text` and a newline to stdout. A closed pipe (`tableau-auth token | head -c0`) is
/// not an error worth a panic.
pub(crate) fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// An instant as RFC 3339 (UTC, whole seconds).
pub(crate) fn rfc3339(instant: SystemTime) -> Option<String> {
    let at = OffsetDateTime::from(instant).replace_nanosecond(0).ok()?;
    at.format(&Rfc3339).ok()
}

//! Drives `wrk` and reads its report.

use std::path::Path;
use std::process::Command;

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy)]
pub struct WrkResult {
    /// `Requests/sec`.
    pub requests_per_sec: f64,
    /// The 99th percentile latency from `--latency`, in seconds.
    pub p99_seconds: f64,
    /// Completed requests.
    pub requests: u64,
    /// `Non-2xx or 3xx responses` (0 when the line is absent).
    pub non_2xx: u64,
    /// Sum of the `Socket errors` counters (0 when the line is absent).
    pub socket_errors: u64,
}

/// Load settings shared by every run.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// `-t`.
    pub threads: u32,
    /// `-c`.
    pub connections: u32,
    /// `-d` of the measured run, in seconds.
    pub seconds: u32,
    /// `-d` of the discarded warm-up run, in seconds (0: none).
    pub warmup_seconds: u32,
}

/// Runs a warm-up and then the measured run of `wrk` with `script` against `url`.
pub fn run(load: Load, script: &Path, url: &str) -> Result<WrkResult, String> {
    if load.warmup_seconds > 0 {
        run_once(
            load.threads,
            load.connections,
            load.warmup_seconds,
            script,
            url,
        )?;
    }
    run_once(load.threads, load.connections, load.seconds, script, url)
}

fn run_once(
    threads: u32,
    connections: u32,
    seconds: u32,
    script: &Path,
    url: &str,
) -> Result<WrkResult, String> {
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk (install it with `apt-get install -y wrk`): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse(&stdout).ok_or_else(|| format!("cannot read wrk's report:\n{stdout}"))
}

/// Parses a `wrk --latency` report.
pub fn parse(report: &str) -> Option<WrkResult> {
    let mut requests_per_sec = None;
    let mut p99_seconds = None;
    let mut requests = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in report.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = rest.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("99%") {
            p99_seconds = duration(rest.trim());
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().unwrap_or(u64::MAX);
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        } else if line.contains(" requests in ") {
            requests = line.split_whitespace().next().and_then(|n| n.parse().ok());
        }
    }
    Some(WrkResult {
        requests_per_sec: requests_per_sec?,
        p99_seconds: p99_seconds?,
        requests: requests?,
        non_2xx,
        socket_errors,
    })
}

/// `wrk`'s durations: `812.00us`, `1.23ms`, `2.00s`, `1.50m`.
fn duration(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some(number * scale)
}

/// A Lua string literal holding `text` verbatim (a long bracket that `text` cannot close).
pub fn lua_string(text: &str) -> String {
    let mut level = 0;
    loop {
        let close = format!("]{}]", "=".repeat(level));
        if !text.contains(&close) {
            let eq = "=".repeat(level);
            // A long bracket drops a newline right after the opening; start with none.
            return format!("[{eq}[{text}]{eq}]");
        }
        level += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:1/api/3.27/sessions/current
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   470.21us  120.00us   5.00ms   90.00%
    Req/Sec    68.20k     2.00k   70.00k    80.00%
  Latency Distribution
     50%  450.00us
     75%  500.00us
     90%  600.00us
     99%    1.20ms
  339000 requests in 5.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  67800.12
Transfer/sec:     20.00MB
";

    #[test]
    fn parses_a_report() {
        let r = parse(REPORT).expect("parses");
        assert!((r.requests_per_sec - 67800.12).abs() < 1e-6);
        assert!((r.p99_seconds - 0.0012).abs() < 1e-12);
        assert_eq!(r.requests, 339_000);
        assert_eq!(r.non_2xx, 7);
        assert_eq!(r.socket_errors, 3);
    }

    #[test]
    fn lua_strings_cannot_be_closed_early() {
        assert_eq!(lua_string("a"), "[[a]]");
        assert_eq!(lua_string("x]]y"), "[=[x]]y]=]");
    }
}

//! Child processes: the release mock binary and the bare server, killed on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running child whose first stdout line announced its URL.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Kept open so the child never writes to a closed pipe.
    stdout: BufReader<ChildStdout>,
    /// `http://HOST:PORT`.
    pub url: String,
    /// The lines after the first, up to the number asked for.
    pub extra_lines: Vec<String>,
}

impl Server {
    /// Starts `program args…`, reads the first line (which must start with `prefix` followed
    /// by the URL) and `extra` more lines.
    pub fn start(
        program: &Path,
        args: &[&str],
        prefix: &str,
        extra: usize,
    ) -> Result<Self, String> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("no stdout pipe".into());
        };
        let mut server = Server {
            child,
            stdout: BufReader::new(stdout),
            url: String::new(),
            extra_lines: Vec::new(),
        };
        let first = server.line()?;
        server.url = first
            .strip_prefix(prefix)
            .ok_or_else(|| {
                format!(
                    "unexpected first line from {}: {first:?}",
                    program.display()
                )
            })?
            .trim()
            .to_owned();
        for _ in 0..extra {
            let line = server.line()?;
            server.extra_lines.push(line);
        }
        Ok(server)
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err("the server closed its stdout before printing its URL".into()),
            Ok(_) => Ok(line.trim_end().to_owned()),
            Err(e) => Err(format!("cannot read the server's stdout: {e}")),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The value after `label:` on the first extra line containing `label`.
    pub fn field(&self, label: &str) -> Option<String> {
        self.extra_lines
            .iter()
            .find(|line| line.contains(label))
            .and_then(|line| line.split_once(':'))
            .map(|(_, value)| value.trim().to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process in bytes, from `VmRSS` in `/proc/PID/status`.
pub fn resident_bytes(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// The mock binary next to this one (`target/release/tableau-mock-server` when this is
/// `target/release/tableau-bench`).
pub fn sibling_mock() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("tableau-mock-server")))
        .unwrap_or_else(|| PathBuf::from("target/release/tableau-mock-server"))
}

// `/proc` exists only on Linux: elsewhere the test is not built, so `cargo test` works on
// other Unix systems.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_resident_memory() {
        let rss = resident_bytes(std::process::id()).expect("VmRSS");
        assert!(rss > 0);
    }
}

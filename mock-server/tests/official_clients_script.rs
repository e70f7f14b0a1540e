//! `official-clients/run.sh` when Tableau's clients cannot be installed: in CI (`CI` set, as
//! `.ci/run` does) the run fails, so a CI run cannot pass without them; outside CI it is
//! skipped, loudly. A `python3` that always fails stands in for an unreachable PyPI, and an
//! empty executable for the mock binary (the script stops before starting it).

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch folder with `bin/python3` (exits 1) and `target/release/tableau-mock-server`.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("official-clients-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in [
            (
                "bin/python3",
                "#!/bin/sh\necho 'no registry here' >&2\nexit 1\n",
            ),
            ("target/release/tableau-mock-server", "#!/bin/sh\nexit 99\n"),
        ] {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Scratch(dir)
    }

    fn run(&self, ci: Option<&str>) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("official-clients/run.sh");
        let path = format!(
            "{}:{}",
            self.0.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command
            .arg(script)
            .arg(self.0.join("target"))
            .env("PATH", path)
            .env_remove("CI");
        if let Some(ci) = ci {
            command.env("CI", ci);
        }
        command.output().expect("bash runs")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn in_ci_a_failed_install_fails_the_run() {
    let scratch = Scratch::new("ci");
    for ci in ["true", "1"] {
        let output = scratch.run(Some(ci));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "CI={ci}: {stderr}");
        assert!(
            stderr.contains("FAILED") && stderr.contains("may not be skipped"),
            "CI={ci}: {stderr}"
        );
    }
}

#[test]
fn outside_ci_a_failed_install_is_skipped_loudly() {
    let scratch = Scratch::new("local");
    for ci in [None, Some(""), Some("false"), Some("0")] {
        let output = scratch.run(ci);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "CI={ci:?}: {stderr}");
        assert!(
            stderr.contains("SKIPPED") && stderr.contains("did NOT run"),
            "CI={ci:?}: {stderr}"
        );
    }
}

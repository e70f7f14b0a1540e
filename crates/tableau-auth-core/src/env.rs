//! The [`Env`] seam: environment variables and secret files, real or faked.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Where providers read environment variables and `_FILE` secrets from.
///
/// Production code uses [`ProcessEnv`]; tests build a [`StaticEnv`] from a slice, so they
/// never touch the process environment (`std::env::set_var` is unsound with threads).
pub trait Env: Send + Sync + fmt::Debug {
    /// The value of a variable, or `None` when unset. Not decoded: the caller decides what a
    /// non-UTF-8 value means.
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// The bytes of a file (for `*_FILE` variables).
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// A shared environment is an environment (so a test can keep a handle on one it changes).
impl<T: Env + ?Sized> Env for std::sync::Arc<T> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        (**self).var_os(name)
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        (**self).read_file(path)
    }
}

/// The real process environment and file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// An in-memory environment for tests. `Debug` lists variable names, never values.
///
/// ```
/// use std::path::Path;
/// use tableau_auth_core::{Env, StaticEnv};
///
/// let env = StaticEnv::from_vars(&[("TABLEAU_SITE", "finance")])
///     .with_file("/run/secrets/pat", "s3cret\n");
/// assert_eq!(env.var_os("TABLEAU_SITE").unwrap(), "finance");
/// assert!(env.var_os("TABLEAU_PAT_NAME").is_none());
/// assert_eq!(env.read_file(Path::new("/run/secrets/pat")).unwrap(), b"s3cret\n");
/// assert!(!format!("{env:?}").contains("finance"));
/// ```
#[derive(Clone, Default)]
pub struct StaticEnv {
    vars: BTreeMap<String, OsString>,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl StaticEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// An environment holding these variables.
    pub fn from_vars(vars: &[(&str, &str)]) -> Self {
        let mut env = Self::new();
        for (name, value) in vars {
            env.vars.insert((*name).to_owned(), OsString::from(*value));
        }
        env
    }

    /// Adds or replaces a variable (any `OsString`, so tests can use non-UTF-8 values).
    #[must_use]
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Adds a file that [`Env::read_file`] will return.
    #[must_use]
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), contents.into());
        self
    }
}

impl fmt::Debug for StaticEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticEnv")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Env for StaticEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files.get(path).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            )
        })
    }
}

//! What a check returns.

use std::fmt::Display;

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed; the message says what was proven.
    Pass(String),
    /// The check failed; the message says what went wrong.
    Fail(String),
    /// The check did not run (for example: it needs the mock's control API).
    Skip(String),
}

impl Outcome {
    /// `pass`, `fail` or `skip`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass(_) => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip(_) => "skip",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Outcome::Pass(m) | Outcome::Fail(m) | Outcome::Skip(m) => m,
        }
    }
}

/// A check's failure, built with [`fail`] or [`ResultExt::context`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl<T: Into<String>> From<T> for Failure {
    fn from(message: T) -> Self {
        Failure(message.into())
    }
}

/// What a check function returns: `Ok(message)` on success.
pub type CheckResult = Result<String, Failure>;

/// Fails a check with a message.
pub fn fail<T>(message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(message.into()))
}

/// Fails the check unless `condition` holds.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failure> {
    if condition {
        Ok(())
    } else {
        Err(Failure(message()))
    }
}

/// Adds what was being done to an error, turning it into a [`Failure`].
pub trait ResultExt<T> {
    /// Wraps the error as `"{what}: {error}"`.
    fn context(self, what: &str) -> Result<T, Failure>;
}

impl<T, E: Display> ResultExt<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, Failure> {
        self.map_err(|e| Failure(format!("{what}: {e}")))
    }
}

impl<T> ResultExt<T> for Option<T> {
    fn context(self, what: &str) -> Result<T, Failure> {
        self.ok_or_else(|| Failure(format!("{what}: missing")))
    }
}

//! [`Redacted`]: a field wrapper whose `Debug` prints `[redacted]`, so that types holding a
//! secret can derive `Debug`.

use std::fmt;
use std::ops::{Deref, DerefMut};

/// What every `Debug` implementation in this workspace prints in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// Holds a value that must never be printed: `Debug` shows [`REDACTED`], whatever `T` is.
/// Everything else goes through to the value (`Deref`), so a `Redacted<SecretString>` is
/// exposed with `expose_secret()` like the `SecretString` itself.
///
/// ```
/// use secrecy::{ExposeSecret, SecretString};
/// use tableau_auth_core::Redacted;
///
/// #[derive(Debug)]
/// struct Login {
///     user: String,
///     password: Redacted<SecretString>,
/// }
///
/// let login = Login { user: "jdoe".into(), password: Redacted::new("s3cret".into()) };
/// assert_eq!(format!("{login:?}"), r#"Login { user: "jdoe", password: [redacted] }"#);
/// assert_eq!(login.password.expose_secret(), "s3cret");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Redacted(value)
    }

    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Redacted(value)
    }
}

impl<T> Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Redacted<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

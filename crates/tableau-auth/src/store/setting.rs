//! [`StoreSetting`]: `TABLEAU_SESSION_STORE`, parsed.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use tableau_auth_core::Env;

use super::{FileStore, SessionStore};
use crate::error::Error;

/// The suffix of the variable after the provider's prefix: `TABLEAU_SESSION_STORE`.
const VARIABLE: &str = "SESSION_STORE";

/// Where sessions are shared between processes: the value of `TABLEAU_SESSION_STORE`.
///
/// | value | store |
/// |---|---|
/// | `none` | none: each process signs in for itself |
/// | `file` | a [`FileStore`] in the per-user cache directory ([`FileStore::default_dir`]) |
/// | `file:PATH` | a [`FileStore`] in `PATH` |
/// | `redis://…`, `rediss://…` | a `RedisStore` (feature `redis`) |
///
/// `none` and `file` are case-insensitive; a path is used verbatim. The library's default is
/// `none`, the `tableau-auth` command's `file`. `Debug` and `Display` never show a Redis
/// password.
///
/// ```
/// use tableau_auth::{StaticEnv, StoreSetting};
///
/// let env = StaticEnv::from_vars(&[("TABLEAU_SESSION_STORE", "file:/run/tableau")]);
/// let setting = StoreSetting::from_env(&env, "TABLEAU_", StoreSetting::none())?;
/// assert_eq!(setting.to_string(), "file:/run/tableau");
///
/// let unset = StoreSetting::from_env(&StaticEnv::new(), "TABLEAU_", StoreSetting::file())?;
/// assert_eq!(unset, StoreSetting::file());
///
/// let env = StaticEnv::from_vars(&[("TABLEAU_SESSION_STORE", "memcached://x")]);
/// let err = StoreSetting::from_env(&env, "TABLEAU_", StoreSetting::none()).unwrap_err();
/// assert!(err.to_string().contains("TABLEAU_SESSION_STORE"));
/// # Ok::<(), tableau_auth::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct StoreSetting(Kind);

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    None,
    FileDefault,
    File(PathBuf),
    Redis(String),
}

impl StoreSetting {
    /// No store.
    pub fn none() -> StoreSetting {
        StoreSetting(Kind::None)
    }

    /// A file store in the per-user cache directory.
    pub fn file() -> StoreSetting {
        StoreSetting(Kind::FileDefault)
    }

    /// A file store in `dir`.
    pub fn file_at(dir: impl Into<PathBuf>) -> StoreSetting {
        StoreSetting(Kind::File(dir.into()))
    }

    /// Parses a value of `TABLEAU_SESSION_STORE`. The error says what is accepted and never
    /// repeats the value (it may be a Redis URL with a password).
    pub fn parse(text: &str) -> Result<StoreSetting, Error> {
        Self::parse_named(text, &format!("TABLEAU_{VARIABLE}"))
    }

    /// Reads `{prefix}SESSION_STORE` (`TABLEAU_SESSION_STORE` for the prefix `TABLEAU_`) from
    /// `env`; unset, empty or all whitespace gives `default`. Errors name the variable.
    pub fn from_env(
        env: &dyn Env,
        prefix: &str,
        default: StoreSetting,
    ) -> Result<StoreSetting, Error> {
        let name = format!("{prefix}{VARIABLE}");
        let Some(value) = env.var_os(&name) else {
            return Ok(default);
        };
        let Some(text) = value.to_str() else {
            return Err(Error::Configuration(format!("{name} is not valid UTF-8")));
        };
        if text.trim().is_empty() {
            return Ok(default);
        }
        Self::parse_named(text, &name)
    }

    fn parse_named(text: &str, name: &str) -> Result<StoreSetting, Error> {
        let scheme = text
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        if text.eq_ignore_ascii_case("none") {
            Ok(StoreSetting::none())
        } else if text.eq_ignore_ascii_case("file") {
            Ok(StoreSetting::file())
        } else if let Some(path) = text
            .get(..5)
            .filter(|head| head.eq_ignore_ascii_case("file:"))
            .map(|_| &text[5..])
        {
            if path.trim().is_empty() {
                return Err(Error::Configuration(format!(
                    "{name} is `file:` without a directory; write file:PATH, or file for the \
                     per-user cache directory"
                )));
            }
            Ok(StoreSetting::file_at(path))
        } else if matches!(scheme.as_deref(), Some("redis" | "rediss")) {
            if cfg!(feature = "redis") {
                Ok(StoreSetting(Kind::Redis(text.to_owned())))
            } else {
                Err(Error::Configuration(format!(
                    "{name} names a Redis store, but this build of tableau-auth has no Redis \
                     support (its `redis` feature)"
                )))
            }
        } else {
            Err(Error::Configuration(format!(
                "{name} is not a session store: expected none, file, file:PATH, or a \
                 redis:// or rediss:// URL"
            )))
        }
    }

    /// Whether this is `none`.
    pub fn is_none(&self) -> bool {
        self.0 == Kind::None
    }

    /// Opens the store (`None` for `none`): creates and checks a file store's directory (the
    /// per-user cache directory read through `env`), or parses a Redis URL (nothing is sent
    /// until the first use).
    pub fn open(&self, env: &dyn Env) -> Result<Option<Arc<dyn SessionStore>>, Error> {
        Ok(match &self.0 {
            Kind::None => None,
            Kind::FileDefault => Some(Arc::new(FileStore::open_default(env)?)),
            Kind::File(dir) => Some(Arc::new(FileStore::open(dir.clone())?)),
            #[cfg(feature = "redis")]
            Kind::Redis(url) => Some(Arc::new(super::RedisStore::open(url)?)),
            #[cfg(not(feature = "redis"))]
            Kind::Redis(_) => {
                return Err(Error::Configuration(
                    "this build of tableau-auth has no Redis support (its `redis` feature)".into(),
                ));
            }
        })
    }
}

impl fmt::Display for StoreSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::None => f.write_str("none"),
            Kind::FileDefault => f.write_str("file"),
            Kind::File(dir) => write!(f, "file:{}", dir.display()),
            Kind::Redis(url) => f.write_str(&redacted_url(url)),
        }
    }
}

impl fmt::Debug for StoreSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSetting({self})")
    }
}

/// A Redis URL with its user information hidden (it may hold a password).
fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}://[redacted]@{}", &url[..start], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use tableau_auth_core::StaticEnv;

    use super::*;

    fn read(value: &str) -> Result<StoreSetting, Error> {
        let env = StaticEnv::from_vars(&[("PROD_TABLEAU_SESSION_STORE", value)]);
        StoreSetting::from_env(&env, "PROD_TABLEAU_", StoreSetting::none())
    }

    #[test]
    fn every_form_of_the_variable() {
        assert_eq!(read("none").unwrap(), StoreSetting::none());
        assert_eq!(read("NONE").unwrap(), StoreSetting::none());
        assert_eq!(read("File").unwrap(), StoreSetting::file());
        assert_eq!(read("   ").unwrap(), StoreSetting::none(), "blank is unset");
        assert_eq!(
            read("file: dir with spaces ").unwrap(),
            StoreSetting::file_at(" dir with spaces "),
            "a path is verbatim"
        );
        let redis = read("rediss://app:hunter2@cache:6380/1").unwrap();
        assert_eq!(redis.to_string(), "rediss://[redacted]@cache:6380/1");
        assert!(!format!("{redis:?}").contains("hunter2"));
        for bad in [
            "file:",
            "memcached://app:hunter2@x",
            "redis",
            "/tmp/x",
            "fil",
        ] {
            let err = read(bad).unwrap_err().to_string();
            assert!(err.contains("PROD_TABLEAU_SESSION_STORE"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    #[cfg(all(unix, not(target_os = "macos")))]
    fn open_builds_the_store_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let env = StaticEnv::from_vars(&[("HOME", dir.path().to_str().unwrap())]);
        assert!(StoreSetting::none().open(&env).unwrap().is_none());
        let store = StoreSetting::file().open(&env).unwrap().unwrap();
        let expected = dir.path().join(".cache/tableau-auth/sessions");
        assert_eq!(store.describe(), format!("file {}", expected.display()));
        assert!(expected.is_dir());
        let redis = read("redis://app:hunter2@127.0.0.1:1/0").unwrap();
        let store = redis.open(&env).unwrap().unwrap();
        assert!(
            !store.describe().contains("hunter2"),
            "{}",
            store.describe()
        );
    }
}

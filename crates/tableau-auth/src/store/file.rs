//! [`FileStore`]: sealed sessions in a per-user directory, one file per identity, with an
//! advisory file lock per identity.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use fs4::TryLockError;
use tableau_auth_core::Env;

use super::{SessionStore, StoreGuard, StoreKey};
use crate::error::Error;

/// The directory under the platform's cache directory (`~/.cache/tableau-auth/sessions`).
const APP_DIR: [&str; 2] = ["tableau-auth", "sessions"];
/// The name of an identity's sealed session.
const ENTRY_SUFFIX: &str = ".session";
/// The name of an identity's lock file (never replaced, so the lock is always on one inode).
const LOCK_SUFFIX: &str = ".lock";

/// Sessions shared by the processes of one user on one machine: one sealed file per identity
/// in a directory only that user can read.
///
/// - The directory is created `0700` and its files `0600`; a directory or entry found looser
///   is tightened (with a warning), and refused when it cannot be (another user's).
/// - Each identity has a lock file; the lock (`flock`; `LockFileEx` on Windows) is advisory and
///   held around "check, else sign in and write", so the processes of a machine form one
///   single flight. The operating system releases it when the process dies, however it dies:
///   a killed process leaves nothing stuck.
/// - An entry is replaced atomically (written to a temporary file in the same directory, then
///   renamed), so a reader never sees half an entry.
///
/// On Windows the modes are not checked; the per-user cache directory's own permissions
/// protect it.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: Arc<PathBuf>,
}

impl FileStore {
    /// A store in `dir`, created (with its missing parents, `0700`) when it does not exist.
    /// Fails when the directory cannot be created, or is looser than `0700` and cannot be
    /// tightened.
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStore, Error> {
        let dir = dir.into();
        let store = FileStore { dir: Arc::new(dir) };
        store.prepare()?;
        Ok(store)
    }

    /// A store in the per-user cache directory ([`FileStore::default_dir`]).
    pub fn open_default(env: &dyn Env) -> Result<FileStore, Error> {
        FileStore::open(FileStore::default_dir(env)?)
    }

    /// `tableau-auth/sessions` under the platform's per-user cache directory, read through
    /// `env`: `$XDG_CACHE_HOME` (when absolute) or `$HOME/.cache` on Linux and other Unix
    /// systems (the XDG base directory rules), `$HOME/Library/Caches` on macOS,
    /// `%LOCALAPPDATA%` on Windows.
    pub fn default_dir(env: &dyn Env) -> Result<PathBuf, Error> {
        let var = |name: &str| {
            env.var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        let base = if cfg!(windows) {
            var("LOCALAPPDATA").filter(|path| path.is_absolute())
        } else if cfg!(target_os = "macos") {
            var("HOME")
                .filter(|path| path.is_absolute())
                .map(|home| home.join("Library").join("Caches"))
        } else {
            var("XDG_CACHE_HOME")
                .filter(|path| path.is_absolute())
                .or_else(|| {
                    var("HOME")
                        .filter(|path| path.is_absolute())
                        .map(|home| home.join(".cache"))
                })
        };
        let base = base.ok_or_else(|| {
            store_error(
                "file",
                "there is no per-user cache directory (HOME, XDG_CACHE_HOME or LOCALAPPDATA is \
                 unset or not absolute); name a directory with TABLEAU_SESSION_STORE=file:PATH",
                None,
            )
        })?;
        Ok(APP_DIR.iter().fold(base, |path, part| path.join(part)))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file an identity's sealed session is kept in.
    pub fn entry_path(&self, key: &StoreKey) -> PathBuf {
        self.dir.join(format!("{key}{ENTRY_SUFFIX}"))
    }

    fn lock_path(&self, key: &StoreKey) -> PathBuf {
        self.dir.join(format!("{key}{LOCK_SUFFIX}"))
    }

    fn error(&self, message: impl Into<String>, cause: Option<io::Error>) -> Error {
        store_error(&self.describe(), message, cause)
    }

    /// Creates the directory, or checks (and tightens) an existing one.
    fn prepare(&self) -> Result<(), Error> {
        let dir = &*self.dir;
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(self.error("the path exists and is not a directory", None)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                create_private_dir(dir)
                    .map_err(|err| self.error("cannot create the directory", Some(err)))?;
            }
            Err(err) => return Err(self.error("cannot read the directory", Some(err))),
        }
        self.tighten(dir, 0o700, "directory")
    }

    /// Makes `path` private (`mode`) if group or others have any access; refuses it if that
    /// fails (a file or directory of another user).
    #[cfg(unix)]
    fn tighten(&self, path: &Path, mode: u32, what: &str) -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::symlink_metadata(path)
            .or_else(|_| fs::metadata(path))
            .map_err(|err| self.error(format!("cannot read the {what}'s mode"), Some(err)))?;
        let current = meta.permissions().mode() & 0o777;
        if current & 0o077 == 0 {
            return Ok(());
        }
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|err| {
            self.error(
                format!(
                    "the {what} {} is readable by other users (mode {current:o}) and its mode \
                     cannot be changed to {mode:o}; use a directory of your own",
                    path.display()
                ),
                Some(err),
            )
        })?;
        tracing::warn!(
            path = %path.display(),
            was = format_args!("{current:o}"),
            now = format_args!("{mode:o}"),
            "the session store's {what} was readable by other users; tightened its mode"
        );
        Ok(())
    }

    #[cfg(not(unix))]
    fn tighten(&self, _path: &Path, _mode: u32, _what: &str) -> Result<(), Error> {
        Ok(())
    }

    /// Reads the entry at `path` (`None` when there is none), checking it is a private
    /// regular file.
    fn read_entry(&self, path: &Path) -> Result<Option<Vec<u8>>, Error> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                return Err(self.error(
                    format!("{} is not a regular file; remove it", path.display()),
                    None,
                ));
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.error("cannot read the session entry", Some(err))),
        }
        self.tighten(path, 0o600, "session entry")?;
        match fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            // Removed between the two calls (a sign-out).
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(self.error("cannot read the session entry", Some(err))),
        }
    }

    /// Replaces the entry at `path` atomically with `bytes` (mode `0600`).
    fn write_entry(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let temp = path.with_extension(format!(
            "tmp-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let written = (|| {
            let mut file = private_options().create_new(true).open(&temp)?;
            file.write_all(bytes)?;
            file.sync_data()?;
            fs::rename(&temp, path)
        })();
        written.map_err(|err| {
            let _ = fs::remove_file(&temp);
            self.error("cannot write the session entry", Some(err))
        })
    }

    fn remove_entry(&self, path: &Path) -> Result<(), Error> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(self.error("cannot remove the session entry", Some(err))),
        }
    }

    /// Opens (creating it `0600`) the identity's lock file and takes its lock, blocking.
    fn take_lock(&self, key: &StoreKey) -> Result<File, Error> {
        let path = self.lock_path(key);
        let file = private_options()
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|err| self.error("cannot open the lock file", Some(err)))?;
        self.tighten(&path, 0o600, "lock file")?;
        // Called through the trait: std's own `File::try_lock` needs Rust 1.89.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {
                tracing::debug!(
                    store = %self.describe(),
                    key = %key,
                    "waiting for the session store lock (another process is signing in)"
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(self.error("cannot lock the lock file", Some(err)));
            }
        }
        fs4::FileExt::lock(&file)
            .map_err(|err| self.error("cannot lock the lock file", Some(err)))?;
        Ok(file)
    }

    /// Runs blocking file work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(FileStore) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|_| self.error("the file task ended without a result", None))?
    }
}

#[async_trait]
impl SessionStore for FileStore {
    fn describe(&self) -> String {
        format!("file {}", self.dir.display())
    }

    async fn read(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        let path = self.entry_path(key);
        self.blocking(move |store| store.read_entry(&path)).await
    }

    async fn lock(&self, key: &StoreKey) -> Result<Box<dyn StoreGuard>, Error> {
        let key = key.clone();
        let (key, lock) = self
            .blocking(move |store| store.take_lock(&key).map(|lock| (key, lock)))
            .await?;
        Ok(Box::new(FileGuard {
            store: self.clone(),
            key,
            lock: Some(lock),
        }))
    }
}

/// A held file lock. Dropping it closes the lock file, which releases the lock.
#[derive(Debug)]
struct FileGuard {
    store: FileStore,
    key: StoreKey,
    lock: Option<File>,
}

#[async_trait]
impl StoreGuard for FileGuard {
    async fn read(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let path = self.store.entry_path(&self.key);
        self.store
            .blocking(move |store| store.read_entry(&path))
            .await
    }

    async fn write(&mut self, entry: &[u8]) -> Result<(), Error> {
        let path = self.store.entry_path(&self.key);
        let entry = entry.to_vec();
        self.store
            .blocking(move |store| store.write_entry(&path, &entry))
            .await
    }

    async fn remove(&mut self) -> Result<(), Error> {
        let path = self.store.entry_path(&self.key);
        self.store
            .blocking(move |store| store.remove_entry(&path))
            .await
    }

    async fn release(mut self: Box<Self>) -> Result<(), Error> {
        if let Some(lock) = self.lock.take() {
            fs4::FileExt::unlock(&lock)
                .map_err(|err| self.store.error("cannot unlock the lock file", Some(err)))?;
        }
        Ok(())
    }
}

/// Options for the store's files: `0600` from their creation on Unix.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates `dir` and its missing parents, `0700` on Unix.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

pub(super) fn store_error(
    store: &str,
    message: impl Into<String>,
    cause: Option<io::Error>,
) -> Error {
    Error::SessionStore {
        store: store.to_owned(),
        message: match &cause {
            Some(cause) => format!("{}: {cause}", message.into()),
            None => message.into(),
        },
        source: cause.map(|cause| Arc::new(cause) as Arc<dyn std::error::Error + Send + Sync>),
    }
}

#[cfg(test)]
mod tests {
    use tableau_auth_core::StaticEnv;

    use super::*;

    #[test]
    fn the_default_directory_follows_the_platform_convention() {
        let env = StaticEnv::from_vars(&[("HOME", "/home/ana")]);
        let dir = FileStore::default_dir(&env).unwrap();
        if cfg!(target_os = "macos") {
            assert_eq!(
                dir,
                Path::new("/home/ana/Library/Caches/tableau-auth/sessions")
            );
        } else if cfg!(unix) {
            assert_eq!(dir, Path::new("/home/ana/.cache/tableau-auth/sessions"));
            let xdg = env.clone().with_var("XDG_CACHE_HOME", "/var/cache/ana");
            assert_eq!(
                FileStore::default_dir(&xdg).unwrap(),
                Path::new("/var/cache/ana/tableau-auth/sessions")
            );
            // A relative XDG_CACHE_HOME is ignored, as the XDG rules say.
            let relative = env.with_var("XDG_CACHE_HOME", "cache");
            assert_eq!(FileStore::default_dir(&relative).unwrap(), dir);
        }
        let err = FileStore::default_dir(&StaticEnv::new()).unwrap_err();
        assert!(
            err.to_string().contains("TABLEAU_SESSION_STORE=file:PATH"),
            "{err}"
        );
    }
}

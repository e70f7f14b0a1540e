//! Generators for LUIDs, session tokens and secrets: random, or seeded for stable snapshots.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Source of ids, tokens and secrets.
pub struct IdGenerator {
    rng: Mutex<StdRng>,
}

impl std::fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdGenerator")
    }
}

impl IdGenerator {
    /// Seeded (deterministic) when `seed` is given, otherwise from the OS.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut guard = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// A LUID (UUID v4, lower-case, hyphenated).
    pub fn luid(&self) -> String {
        self.uuid().to_string()
    }

    /// A random UUID v4 (what [`luid`](Self::luid) renders).
    pub fn uuid(&self) -> uuid::Uuid {
        let bytes: [u8; 16] = self.with_rng(|rng| rng.random());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn chars(&self, alphabet: &[u8], len: usize) -> String {
        self.with_rng(|rng| {
            (0..len)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect()
        })
    }

    /// A three-part session token `<22>|<32>|<site LUID>` (docs/protocol.md section 4).
    pub fn session_token(&self, site_luid: &str) -> String {
        let first = self.chars(URL_SAFE, 22);
        let second = self.chars(ALPHANUMERIC, 32);
        format!("{first}|{second}|{site_luid}")
    }

    /// A PAT secret in Tableau's shape (`<22>==:<32>`).
    pub fn pat_secret(&self) -> String {
        let first = self.chars(URL_SAFE, 22);
        let second = self.chars(ALPHANUMERIC, 32);
        format!("{first}==:{second}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_generators_repeat() {
        let a = IdGenerator::new(Some(7));
        let b = IdGenerator::new(Some(7));
        assert_eq!(a.luid(), b.luid());
        let token = a.session_token("site");
        assert_eq!(token, b.session_token("site"));
        let parts: Vec<&str> = token.split('|').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 22);
        assert_eq!(parts[1].len(), 32);
        assert!(uuid::Uuid::parse_str(&a.luid()).is_ok());
    }
}

//! Generators for LUIDs, session tokens and secrets: random, or seeded for stable snapshots.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

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

    /// Appends `len` characters drawn uniformly from `alphabet` (at most 64 symbols), taken
    /// from one `fill_bytes` of the generator rather than one `random_range` per character:
    /// a byte is used when it is below the largest multiple of the alphabet's size (so every
    /// symbol stays equally likely) and reduced modulo the size.
    fn push_chars(rng: &mut StdRng, out: &mut String, alphabet: &[u8], len: usize) {
        debug_assert!(!alphabet.is_empty() && alphabet.len() <= 64);
        let size = alphabet.len();
        let limit = 256 - 256 % size;
        let mut buf = [0u8; 64];
        let mut wanted = len;
        while wanted > 0 {
            rng.fill_bytes(&mut buf);
            for &byte in &buf {
                if usize::from(byte) < limit {
                    out.push(char::from(alphabet[usize::from(byte) % size]));
                    wanted -= 1;
                    if wanted == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// `<first>SEP<second>TAIL` with `first` 22 URL-safe and `second` 32 alphanumeric
    /// characters: the shape of session tokens and PAT secrets.
    fn two_part(&self, separator: &str, tail: &[&str]) -> String {
        let tail_len: usize = tail.iter().map(|part| part.len()).sum();
        let mut out = String::with_capacity(22 + separator.len() + 32 + tail_len);
        self.with_rng(|rng| {
            Self::push_chars(rng, &mut out, URL_SAFE, 22);
            out.push_str(separator);
            Self::push_chars(rng, &mut out, ALPHANUMERIC, 32);
        });
        tail.iter().for_each(|part| out.push_str(part));
        out
    }

    /// A three-part session token `<22>|<32>|<site LUID>` (docs/protocol.md section 4).
    pub fn session_token(&self, site_luid: &str) -> String {
        self.two_part("|", &["|", site_luid])
    }

    /// A PAT secret in Tableau's shape (`<22>==:<32>`).
    pub fn pat_secret(&self) -> String {
        self.two_part("==:", &[])
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

    #[test]
    fn tokens_and_secrets_use_every_symbol_about_equally() {
        let ids = IdGenerator::new(Some(11));
        let mut first = std::collections::HashMap::<char, usize>::new();
        let mut second = std::collections::HashMap::<char, usize>::new();
        for _ in 0..2000 {
            let secret = ids.pat_secret();
            let (a, b) = secret.split_once("==:").unwrap();
            assert_eq!((a.len(), b.len()), (22, 32), "{secret}");
            a.chars().for_each(|c| *first.entry(c).or_default() += 1);
            b.chars().for_each(|c| *second.entry(c).or_default() += 1);
        }
        // Every symbol is drawn, none far from its expected share (seeded: no flakiness).
        for (counts, alphabet, per_token) in [(&first, URL_SAFE, 22), (&second, ALPHANUMERIC, 32)] {
            let expected = 2000 * per_token / alphabet.len();
            assert_eq!(counts.len(), alphabet.len());
            for &symbol in alphabet {
                let n = counts[&char::from(symbol)];
                assert!(
                    n * 4 > expected * 3 && n * 4 < expected * 5,
                    "{}: {n} vs {expected}",
                    char::from(symbol)
                );
            }
        }
    }
}

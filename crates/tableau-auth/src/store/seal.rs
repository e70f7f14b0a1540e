//! Sealing sessions for a store: the store key (a hash of the identity, no secret), the
//! encryption key (HKDF-SHA256 over the credential's secret, salted by the identity), and the
//! sealed record (XChaCha20-Poly1305, a random nonce per write).

use std::time::{Duration, SystemTime};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tableau_auth_core::{ApiVersion, CredentialKind, Scope, StoreIdentity};
use url::Url;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::session::{Session, SessionParts};

/// The first bytes of every sealed entry (format version 1).
const MAGIC: &[u8; 4] = b"tas1";
/// The length of an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// The domain of every hash and key of the store format.
const DOMAIN: &str = "tableau-auth session store v1";

/// The name a store files one identity's session under: the hex SHA-256 of the identity's
/// public parts (server, site, credential kind, named parts). It names no secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreKey(String);

impl StoreKey {
    /// The key as text: 64 lower-case hex digits, safe as a file name and a Redis key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The keys of one identity on one server and site.
pub(crate) struct Keys {
    /// Where the entry is filed.
    pub(crate) store_key: StoreKey,
    /// The credential family of the identity (a record of another family is not taken).
    kind: CredentialKind,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("store_key", &self.store_key)
            .finish_non_exhaustive()
    }
}

/// Why an entry could not be opened (it is ignored and replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// Not a sealed entry of this format (cut short, another program's file).
    NotSealed,
    /// The seal does not open: sealed under another secret (a rotated or different
    /// credential), for another identity, or altered.
    Foreign,
    /// It opened, but what is inside is not a session record this version understands.
    Corrupt,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unreadable::NotSealed => "it is not a sealed session entry (cut short or foreign)",
            Unreadable::Foreign => {
                "it does not open with this credential's key (sealed under another secret, \
                 for another identity, or altered)"
            }
            Unreadable::Corrupt => "its content is not a session record",
        })
    }
}

impl Keys {
    /// Derives the keys of `identity` on `server` (the client's configured URL) and `site`.
    pub(crate) fn derive(
        server: &Url,
        site: &str,
        identity: &StoreIdentity,
    ) -> Result<Keys, Error> {
        let public = public_identity(server, site, identity);
        let store_key = StoreKey(hex(&Sha256::digest(&public)));
        let hkdf = Hkdf::<Sha256>::new(Some(&public), identity.secret().expose_secret());
        let mut key = Zeroizing::new([0_u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit (255 * 32): this does not fail.
        hkdf.expand(
            format!("{DOMAIN}: xchacha20poly1305 key").as_bytes(),
            &mut *key,
        )
        .map_err(|_| Error::Configuration("cannot derive the session store's key".into()))?;
        Ok(Keys {
            store_key,
            kind: identity.kind(),
            cipher: XChaCha20Poly1305::new(&Key::from(*key)),
        })
    }

    /// Seals `session` (written at `now`): magic, nonce, ciphertext and tag.
    pub(crate) fn seal(&self, session: &Session, now: SystemTime) -> Vec<u8> {
        let record = Record::of(session, now);
        let plain = Zeroizing::new(serde_json::to_vec(&record).unwrap_or_default());
        let mut nonce = [0_u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: self.store_key.as_str().as_bytes(),
                },
            )
            // XChaCha20-Poly1305 only fails on messages longer than 256 GiB.
            .unwrap_or_default();
        let mut entry = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&nonce);
        entry.extend_from_slice(&sealed);
        entry
    }

    /// Opens an entry sealed by [`seal`](Keys::seal) into the session it holds, accepted by
    /// the server at `active_at`.
    pub(crate) fn open(&self, entry: &[u8], active_at: SystemTime) -> Result<Session, Unreadable> {
        let rest = entry.strip_prefix(MAGIC).ok_or(Unreadable::NotSealed)?;
        if rest.len() < NONCE_LEN + 16 {
            return Err(Unreadable::NotSealed);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Unreadable::NotSealed)?;
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: sealed,
                        aad: self.store_key.as_str().as_bytes(),
                    },
                )
                .map_err(|_| Unreadable::Foreign)?,
        );
        let record: Record = serde_json::from_slice(&plain).map_err(|_| Unreadable::Corrupt)?;
        record.into_session(self.kind, active_at)
    }
}

/// The identity's public parts, each length-prefixed so that no two identities encode alike.
fn public_identity(server: &Url, site: &str, identity: &StoreIdentity) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |field: &str| {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    };
    push(DOMAIN);
    push(server.as_str());
    push(site);
    push(identity.kind().as_str());
    for (name, value) in identity.parts() {
        push(name);
        push(value);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// What a sealed entry holds: the session, as JSON, inside the seal.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    token: Zeroizing<String>,
    site_id: String,
    site_content_url: String,
    user_id: String,
    api_version: String,
    credential_kind: String,
    /// The JWT's scopes, for connected-app and UAT sessions (absent in older entries).
    #[serde(default)]
    scopes: Option<Vec<String>>,
    server_url: String,
    issued_at_ms: u64,
    pat_expires_in_ms: Option<u64>,
    stored_at_ms: u64,
}

impl Record {
    fn of(session: &Session, now: SystemTime) -> Record {
        Record {
            token: Zeroizing::new(session.token().expose_secret().to_owned()),
            site_id: session.site_id().to_owned(),
            site_content_url: session.site_content_url().to_owned(),
            user_id: session.user_id().to_owned(),
            api_version: session.api_version().to_string(),
            credential_kind: session
                .credential_kind()
                .map_or("", CredentialKind::as_str)
                .to_owned(),
            scopes: session
                .scopes()
                .map(|scopes| scopes.iter().map(|s| s.as_str().to_owned()).collect()),
            server_url: session.server_url().as_str().to_owned(),
            issued_at_ms: millis(session.issued_at()),
            pat_expires_in_ms: session
                .pat_expires_in()
                .map(|left| u64::try_from(left.as_millis()).unwrap_or(u64::MAX)),
            stored_at_ms: millis(now),
        }
    }

    fn into_session(
        self,
        expected: CredentialKind,
        active_at: SystemTime,
    ) -> Result<Session, Unreadable> {
        let credential_kind = self
            .credential_kind
            .parse::<CredentialKind>()
            .map_err(|_| Unreadable::Corrupt)?;
        if credential_kind != expected || self.token.is_empty() {
            return Err(Unreadable::Corrupt);
        }
        let parts = SessionParts {
            token: SecretString::from(self.token.as_str()),
            site_id: self.site_id,
            site_content_url: self.site_content_url,
            user_id: self.user_id,
            api_version: self
                .api_version
                .parse::<ApiVersion>()
                .map_err(|_| Unreadable::Corrupt)?,
            pat_expires_in: self.pat_expires_in_ms.map(Duration::from_millis),
            issued_at: SystemTime::UNIX_EPOCH + Duration::from_millis(self.issued_at_ms),
            credential_kind,
            scopes: match self.scopes {
                None => None,
                Some(scopes) => Some(
                    scopes
                        .iter()
                        .map(|scope| scope.parse())
                        .collect::<Result<Vec<Scope>, _>>()
                        .map_err(|_| Unreadable::Corrupt)?,
                ),
            },
            server_url: Url::parse(&self.server_url).map_err(|_| Unreadable::Corrupt)?,
        };
        Ok(Session::restore(parts, active_at))
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use tableau_auth_core::SignInResponse;

    use super::*;

    fn identity(secret: &str) -> StoreIdentity {
        StoreIdentity::new(CredentialKind::PersonalAccessToken, secret.as_bytes())
            .with_part("token", "ci")
    }

    fn server() -> Url {
        Url::parse("https://tableau.example.com/").unwrap()
    }

    fn session() -> Session {
        let body = br#"<tsResponse><credentials token="TOKEN-abc|def" estimatedTimeToExpiration="10:00:00"><site id="s-1" contentUrl="finance"/><user id="u-1"/></credentials></tsResponse>"#;
        Session::new(
            SignInResponse::parse(body).unwrap(),
            ApiVersion::new(3, 27),
            CredentialKind::PersonalAccessToken,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            server(),
        )
    }

    #[test]
    fn a_sealed_session_opens_with_the_same_credential_only() {
        let keys = Keys::derive(&server(), "finance", &identity("SECRET-1")).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_100);
        let entry = keys.seal(&session(), now);
        let text = String::from_utf8_lossy(&entry);
        for plain in ["TOKEN", "SECRET", "finance", "s-1", "u-1"] {
            assert!(!text.contains(plain), "{plain} in the sealed entry");
        }
        let opened = keys.open(&entry, now).unwrap();
        assert_eq!(opened.token().expose_secret(), "TOKEN-abc|def");
        assert_eq!(opened.site_id(), "s-1");
        assert_eq!(opened.site_content_url(), "finance");
        assert_eq!(opened.user_id(), "u-1");
        assert_eq!(opened.api_version(), ApiVersion::new(3, 27));
        assert_eq!(opened.issued_at(), session().issued_at());
        assert_eq!(opened.pat_expires_at(), session().pat_expires_at());
        assert_eq!(opened.active_at(), now);

        // Another secret for the same identity (a rotated PAT): same place, no key.
        let rotated = Keys::derive(&server(), "finance", &identity("SECRET-2")).unwrap();
        assert_eq!(rotated.store_key, keys.store_key);
        assert_eq!(rotated.open(&entry, now).unwrap_err(), Unreadable::Foreign);
        // Another site: another place and another key.
        let other_site = Keys::derive(&server(), "sales", &identity("SECRET-1")).unwrap();
        assert_ne!(other_site.store_key, keys.store_key);
        assert_eq!(
            other_site.open(&entry, now).unwrap_err(),
            Unreadable::Foreign
        );
        // Each write has its own nonce.
        assert_ne!(keys.seal(&session(), now), entry);
    }

    #[test]
    fn damaged_entries_are_refused_not_panicked_on() {
        let keys = Keys::derive(&server(), "", &identity("SECRET-1")).unwrap();
        let now = SystemTime::now();
        let entry = keys.seal(&session(), now);
        assert_eq!(keys.open(b"", now).unwrap_err(), Unreadable::NotSealed);
        assert_eq!(
            keys.open(b"tas1short", now).unwrap_err(),
            Unreadable::NotSealed
        );
        assert_eq!(
            keys.open(b"{\"token\":\"x\"}", now).unwrap_err(),
            Unreadable::NotSealed
        );
        let mut flipped = entry.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(keys.open(&flipped, now).unwrap_err(), Unreadable::Foreign);
        assert_eq!(
            keys.open(&entry[..entry.len() - 1], now).unwrap_err(),
            Unreadable::Foreign
        );
        // A record of another credential kind under the same key is not taken.
        let password = StoreIdentity::new(CredentialKind::Password, b"SECRET-1".as_slice())
            .with_part("token", "ci");
        let mut keys_of_password = Keys::derive(&server(), "", &password).unwrap();
        keys_of_password.store_key = keys.store_key.clone();
        keys_of_password.cipher = keys.cipher.clone();
        assert_eq!(
            keys_of_password.open(&entry, now).unwrap_err(),
            Unreadable::Corrupt
        );
    }

    #[test]
    fn the_store_key_is_a_hash_of_the_public_identity() {
        let keys = Keys::derive(&server(), "", &identity("SECRET-1")).unwrap();
        let key = keys.store_key.as_str();
        assert_eq!(key.len(), 64);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // Fields cannot run into each other: ("ab", "c") and ("a", "bc") differ.
        let a = StoreIdentity::new(CredentialKind::Password, b"x".as_slice()).with_part("ab", "c");
        let b = StoreIdentity::new(CredentialKind::Password, b"x".as_slice()).with_part("a", "bc");
        assert_ne!(
            Keys::derive(&server(), "", &a).unwrap().store_key,
            Keys::derive(&server(), "", &b).unwrap().store_key
        );
    }
}

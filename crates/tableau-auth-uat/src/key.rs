//! [`PrivateKey`]: the RSA key a unified access token is signed with, from memory or from a
//! file read again at every sign-in. No message or `Debug` output ever contains key material.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::EncodingKey;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::der::Decode;
use rsa::pkcs8::{DecodePrivateKey, PrivateKeyInfo};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use tableau_auth_core::{ProviderError, Redacted};

use crate::NAME;

/// The RSA private key that signs unified access tokens: a PKCS#8 PEM
/// (`-----BEGIN PRIVATE KEY-----`, what `openssl genpkey -algorithm RSA` writes); the older
/// PKCS#1 form (`-----BEGIN RSA PRIVATE KEY-----`) is accepted too. Its public half is the key
/// registered on the UAT configuration in Tableau Cloud Manager.
///
/// [`from_pem`](Self::from_pem) parses the key once; [`from_file`](Self::from_file) checks the
/// file at once and reads it **again at every sign-in**, so a rotated key (a Kubernetes secret,
/// say) is used without a restart. A key that is not PEM, encrypted, public, not RSA or damaged
/// is [`ProviderError::InvalidConfiguration`] with a message saying what was expected; no
/// message and no `Debug` output contains key material:
///
/// ```
/// use tableau_auth_uat::PrivateKey;
///
/// let err = PrivateKey::from_pem("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "uat provider is misconfigured: the private key is not in PEM format: expected a PKCS#8 \
///      RSA private key, the text from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----"
/// );
/// assert!(!err.to_string().contains("MIIE"));
/// ```
#[derive(Clone, Debug)]
pub struct PrivateKey {
    source: KeySource,
}

#[derive(Clone, Debug)]
enum KeySource {
    /// Parsed once.
    Pem(Redacted<EncodingKey>),
    /// Read and parsed at every sign-in.
    File(PathBuf),
}

impl PrivateKey {
    /// The key in this PEM text. A PEM whose line breaks were written as the two characters
    /// `\n` (common in one-line environment variables) is accepted too.
    pub fn from_pem(pem: impl Into<SecretString>) -> Result<Self, ProviderError> {
        let pem = pem.into();
        let key = parse(pem.expose_secret()).map_err(|problem| {
            ProviderError::invalid_configuration(NAME, format!("the private key {problem}"))
        })?;
        Ok(PrivateKey {
            source: KeySource::Pem(Redacted::new(key)),
        })
    }

    /// The key in this PEM file, read now (to report a problem at once) and again at every
    /// sign-in. An unreadable file is an error naming the path and the OS error.
    pub fn from_file(path: impl Into<PathBuf>) -> Result<Self, ProviderError> {
        let path = path.into();
        read_file(&path)?;
        Ok(PrivateKey {
            source: KeySource::File(path),
        })
    }

    /// The file the key is read from, if it comes from one.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            KeySource::Pem(_) => None,
            KeySource::File(path) => Some(path),
        }
    }

    /// The signing key now (reading the file again if the key comes from one).
    pub(crate) fn encoding_key(&self) -> Result<Cow<'_, EncodingKey>, ProviderError> {
        match &self.source {
            KeySource::Pem(key) => Ok(Cow::Borrowed(&**key)),
            KeySource::File(path) => read_file(path).map(Cow::Owned),
        }
    }
}

fn read_file(path: &Path) -> Result<EncodingKey, ProviderError> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|err| {
        ProviderError::invalid_configuration(
            NAME,
            format!("cannot read the private key file {}: {err}", path.display()),
        )
        .with_source(err)
    })?);
    let problem = match std::str::from_utf8(&bytes) {
        Ok(text) => match parse(text) {
            Ok(key) => return Ok(key),
            Err(problem) => problem,
        },
        Err(_) => Problem::NotText,
    };
    Err(ProviderError::invalid_configuration(
        NAME,
        format!("the private key file {} {problem}", path.display()),
    ))
}

/// Why a text is not a usable key. The messages describe the text, never quote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    NotText,
    NotPem,
    Unterminated,
    Encrypted,
    Public,
    NotRsa,
    OtherKind,
    Damaged,
}

const EXPECTED: &str = "a PKCS#8 RSA private key (-----BEGIN PRIVATE KEY-----)";

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotText => write!(f, "is not text (UTF-8); expected {EXPECTED}"),
            Problem::NotPem => f.write_str(
                "is not in PEM format: expected a PKCS#8 RSA private key, the text from \
                 -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----",
            ),
            Problem::Unterminated => write!(
                f,
                "is cut short: its -----END ...----- line is missing; expected {EXPECTED}"
            ),
            Problem::Encrypted => write!(
                f,
                "is encrypted; give the provider the decrypted key, {EXPECTED}"
            ),
            Problem::Public => write!(
                f,
                "is a public key or a certificate; the provider signs with the private key, \
                 {EXPECTED}, and the public key belongs on the UAT configuration in Tableau \
                 Cloud Manager"
            ),
            Problem::NotRsa => write!(
                f,
                "is not an RSA key; unified access tokens are signed with RS256, which needs \
                 {EXPECTED}"
            ),
            Problem::OtherKind => write!(f, "is a PEM block of another kind; expected {EXPECTED}"),
            Problem::Damaged => write!(
                f,
                "could not be read as an RSA private key (the PEM block is damaged); expected \
                 {EXPECTED}"
            ),
        }
    }
}

/// The PEM labels of the key forms the provider reads.
const PKCS8: &str = "PRIVATE KEY";
const PKCS1: &str = "RSA PRIVATE KEY";

/// Parses a PKCS#8 (or PKCS#1) RSA private key in PEM form into the DER form jsonwebtoken
/// signs with.
fn parse(text: &str) -> Result<EncodingKey, Problem> {
    // A one-line environment variable may carry the line breaks as the two characters `\n`.
    let text: Zeroizing<String> = if !text.contains('\n') && text.contains("\\n") {
        Zeroizing::new(text.replace("\\n", "\n"))
    } else {
        Zeroizing::new(text.to_owned())
    };
    let (label, der) = decode_pem(&text)?;
    let key = match label {
        PKCS8 => {
            let info = PrivateKeyInfo::from_der(&der).map_err(|_| Problem::Damaged)?;
            if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
                return Err(Problem::NotRsa);
            }
            RsaPrivateKey::from_pkcs8_der(&der).map_err(|_| Problem::Damaged)?
        }
        PKCS1 => RsaPrivateKey::from_pkcs1_der(&der).map_err(|_| Problem::Damaged)?,
        _ => return Err(Problem::OtherKind),
    };
    let pkcs1 = key.to_pkcs1_der().map_err(|_| Problem::Damaged)?;
    Ok(EncodingKey::from_rsa_der(pkcs1.as_bytes()))
}

/// The label and the decoded body of the first PEM block in `text`. Text before the block
/// (OpenSSL's "Bag Attributes") and after it is ignored; the body's line width is free.
fn decode_pem(text: &str) -> Result<(&'static str, Zeroizing<Vec<u8>>), Problem> {
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|line| {
            line.strip_prefix("-----BEGIN ")
                .and_then(|rest| rest.strip_suffix("-----"))
        })
        .ok_or(Problem::NotPem)?;
    let label = match label {
        PKCS8 => PKCS8,
        PKCS1 => PKCS1,
        "ENCRYPTED PRIVATE KEY" => return Err(Problem::Encrypted),
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            return Err(Problem::Public);
        }
        "EC PRIVATE KEY" | "DSA PRIVATE KEY" => return Err(Problem::NotRsa),
        _ => return Err(Problem::OtherKind),
    };
    let end = format!("-----END {label}-----");
    let mut body = Zeroizing::new(String::new());
    let mut terminated = false;
    for line in lines {
        if line == end {
            terminated = true;
            break;
        }
        // Headers (`Proc-Type: 4,ENCRYPTED`) only appear on legacy encrypted keys.
        if line.contains(':') {
            return Err(Problem::Encrypted);
        }
        body.push_str(line);
    }
    if !terminated {
        return Err(Problem::Unterminated);
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| Problem::Damaged)?;
    Ok((label, Zeroizing::new(der)))
}

#[cfg(test)]
mod tests {
    use super::{Problem, decode_pem};

    #[test]
    fn pem_framing() {
        let cases = [
            ("", Problem::NotPem),
            ("-----BEGIN PRIVATE KEY-----\nAAAA\n", Problem::Unterminated),
            (
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
                Problem::NotRsa,
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
                Problem::OtherKind,
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----",
                Problem::Encrypted,
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nA*AA\n-----END PRIVATE KEY-----",
                Problem::Damaged,
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
                Problem::Unterminated,
            ),
        ];
        for (text, problem) in cases {
            assert_eq!(decode_pem(text).map(|_| ()), Err(problem), "{text:?}");
        }
        let (label, der) =
            decode_pem("junk\r\n-----BEGIN PRIVATE KEY-----\r\nAAEC\r\nAw==\r\n-----END PRIVATE KEY-----\r\nmore")
                .unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(der.as_slice(), [0, 1, 2, 3]);
    }
}

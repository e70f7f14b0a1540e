//! The credential families the environment can describe, and the selection rules of
//! docs/providers.md ("Rules"): `TABLEAU_AUTH` wins; otherwise exactly one family must be touched and complete.

use tableau_auth_core::{CredentialKind, ProviderError};

use crate::NAME;
use crate::vars::{Reader, file_suffix};

/// One variable of a family.
#[derive(Clone, Copy)]
pub(crate) enum Part {
    /// A plain value (`PAT_NAME`).
    Plain(&'static str),
    /// A secret, which also has a `_FILE` form (`PAT_SECRET`).
    Secret(&'static str),
}

/// The families the environment can describe, in the order messages list them.
pub(crate) const FAMILIES: [CredentialKind; 4] = [
    CredentialKind::PersonalAccessToken,
    CredentialKind::Password,
    CredentialKind::ConnectedApp,
    CredentialKind::UnifiedAccessToken,
];

/// The variables a family needs.
pub(crate) fn required(kind: CredentialKind) -> &'static [Part] {
    match kind {
        CredentialKind::PersonalAccessToken => {
            &[Part::Plain("PAT_NAME"), Part::Secret("PAT_SECRET")]
        }
        CredentialKind::Password => &[Part::Plain("USERNAME"), Part::Secret("PASSWORD")],
        CredentialKind::ConnectedApp => &[
            Part::Plain("JWT_CLIENT_ID"),
            Part::Plain("JWT_SECRET_ID"),
            Part::Secret("JWT_SECRET"),
            Part::Plain("JWT_USERNAME"),
        ],
        CredentialKind::UnifiedAccessToken => &[
            Part::Plain("UAT_ISSUER"),
            Part::Plain("UAT_TENANT_ID"),
            Part::Plain("UAT_KEY_ID"),
            Part::Secret("UAT_PRIVATE_KEY"),
            Part::Plain("UAT_USERNAME"),
            Part::Plain("UAT_SCOPES"),
        ],
        _ => &[],
    }
}

/// The variables a family may have.
fn optional(kind: CredentialKind) -> &'static [&'static str] {
    match kind {
        CredentialKind::ConnectedApp => &["JWT_SCOPES"],
        CredentialKind::UnifiedAccessToken => &["UAT_USERNAME_CLAIM"],
        _ => &[],
    }
}

fn part_is_set(reader: &Reader<'_>, part: Part) -> bool {
    match part {
        Part::Plain(suffix) => reader.is_set(suffix),
        Part::Secret(suffix) => reader.is_secret_set(suffix),
    }
}

/// The full names of a family's variables that are set (both forms of a secret if both are).
fn set_variables(reader: &Reader<'_>, family: CredentialKind) -> Vec<String> {
    let mut names = Vec::new();
    for part in required(family) {
        match *part {
            Part::Plain(suffix) if reader.is_set(suffix) => names.push(reader.name(suffix)),
            Part::Plain(_) => {}
            Part::Secret(suffix) => names.extend(reader.secret_forms_set(suffix)),
        }
    }
    for suffix in optional(family) {
        if reader.is_set(suffix) {
            names.push(reader.name(suffix));
        }
    }
    names
}

/// The required variables of a family that are missing, described for a message.
fn missing_variables(reader: &Reader<'_>, family: CredentialKind) -> Vec<String> {
    required(family)
        .iter()
        .filter(|part| !part_is_set(reader, **part))
        .map(|part| match *part {
            Part::Plain(suffix) => reader.name(suffix),
            Part::Secret(suffix) => format!(
                "{} (or {})",
                reader.name(suffix),
                reader.name(&file_suffix(suffix))
            ),
        })
        .collect()
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn is_are(count: usize) -> &'static str {
    if count == 1 { "is" } else { "are" }
}

/// Picks the family by the contract's rules. `Ok(None)` means not configured.
pub(crate) fn select(reader: &Reader<'_>) -> Result<Option<CredentialKind>, ProviderError> {
    let auth_name = reader.name("AUTH");
    if let Some(auth) = reader.text("AUTH")? {
        let family = auth
            .parse::<CredentialKind>()
            .ok()
            .filter(|kind| FAMILIES.contains(kind))
            .ok_or_else(|| {
                ProviderError::invalid_configuration(
                    NAME,
                    format!(
                        "{auth_name} has an unknown value; expected pat, password, \
                         connected-app or uat (case-insensitive)"
                    ),
                )
            })?;
        let missing = missing_variables(reader, family);
        if !missing.is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "{auth_name} is {}, but {} {} not set",
                    family.as_str(),
                    join_and(&missing),
                    is_are(missing.len())
                ),
            ));
        }
        return Ok(Some(family));
    }

    let touched: Vec<(CredentialKind, Vec<String>)> = FAMILIES
        .into_iter()
        .map(|family| (family, set_variables(reader, family)))
        .filter(|(_, set)| !set.is_empty())
        .collect();
    match touched.as_slice() {
        [] => Ok(None),
        [(family, set)] => {
            let missing = missing_variables(reader, *family);
            if missing.is_empty() {
                return Ok(Some(*family));
            }
            Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "the {} variables are incomplete: {} {} set, but {} {} not",
                    family.label(),
                    join_and(set),
                    is_are(set.len()),
                    join_and(&missing),
                    is_are(missing.len()),
                ),
            ))
        }
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|(family, set)| format!("{}: {}", family.label(), set.join(", ")))
                .collect();
            Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "variables of more than one credential family are set ({}); set {auth_name} \
                     to pat, password, connected-app or uat to choose one",
                    listed.join("; ")
                ),
            ))
        }
    }
}

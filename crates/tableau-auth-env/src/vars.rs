//! Reading `TABLEAU_*` variables and `_FILE` secrets through the core [`Env`] seam, by the rules
//! of docs/providers.md ("Rules"): empty or whitespace-only means unset, anything else is verbatim, a
//! `_FILE` secret loses exactly one trailing `\n` or `\r\n`, and no message carries a value.

use std::path::PathBuf;

use secrecy::SecretString;
use tableau_auth_core::{Env, ProviderError, Redacted};

use crate::NAME;

/// Reads variables under one prefix (`TABLEAU_` or a custom one).
pub(crate) struct Reader<'a> {
    env: &'a dyn Env,
    prefix: &'a str,
}

/// Whether a raw value counts as set: not empty and not all whitespace. A non-UTF-8 value is
/// set (it is not blank); reading it reports the error.
fn is_blank(value: &std::ffi::OsStr) -> bool {
    value.to_str().is_some_and(|text| text.trim().is_empty())
}

impl<'a> Reader<'a> {
    pub(crate) fn new(env: &'a dyn Env, prefix: &'a str) -> Self {
        Reader { env, prefix }
    }

    /// The full name of a variable: the prefix, then `suffix` (`PAT_NAME`).
    pub(crate) fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Whether the variable is set to a non-blank value.
    pub(crate) fn is_set(&self, suffix: &str) -> bool {
        self.env
            .var_os(&self.name(suffix))
            .is_some_and(|value| !is_blank(&value))
    }

    /// Whether a secret is given in either form (`SUFFIX` or `SUFFIX_FILE`).
    pub(crate) fn is_secret_set(&self, suffix: &str) -> bool {
        self.is_set(suffix) || self.is_set(&file_suffix(suffix))
    }

    /// The names of the forms of a secret that are set, for messages.
    pub(crate) fn secret_forms_set(&self, suffix: &str) -> Vec<String> {
        [suffix.to_owned(), file_suffix(suffix)]
            .into_iter()
            .filter(|form| self.is_set(form))
            .map(|form| self.name(&form))
            .collect()
    }

    /// A plain (non-secret) value, verbatim; `None` when unset or blank.
    pub(crate) fn text(&self, suffix: &str) -> Result<Option<String>, ProviderError> {
        let name = self.name(suffix);
        match self.env.var_os(&name) {
            None => Ok(None),
            Some(value) if is_blank(&value) => Ok(None),
            Some(value) => value.into_string().map(Some).map_err(|_| not_utf8(&name)),
        }
    }

    /// Where a secret comes from: the variable itself, or the file its `_FILE` form names (read
    /// once here to check it, and again at every sign-in); `None` when neither is set. Both set,
    /// an unreadable file, a non-UTF-8 value or an empty file are errors naming the variable
    /// (and the path), never the value.
    pub(crate) fn secret(&self, suffix: &str) -> Result<Option<SecretSource>, ProviderError> {
        let name = self.name(suffix);
        let file_name = self.name(&file_suffix(suffix));
        let direct = self.is_set(suffix);
        let file = self.is_set(&file_suffix(suffix));
        if direct && file {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!("{name} and {file_name} are both set; set only one of them"),
            ));
        }
        if direct {
            let value = self
                .env
                .var_os(&name)
                .unwrap_or_default()
                .into_string()
                .map_err(|_| not_utf8(&name))?;
            return Ok(Some(SecretSource::Value(Redacted::new(
                SecretString::from(value),
            ))));
        }
        if !file {
            return Ok(None);
        }
        let source = SecretSource::File {
            variable: file_name.clone(),
            path: PathBuf::from(self.env.var_os(&file_name).unwrap_or_default()),
        };
        source.resolve(self.env)?;
        Ok(Some(source))
    }
}

/// Where a secret is read from.
#[derive(Clone, Debug)]
pub(crate) enum SecretSource {
    /// The variable's own value.
    Value(Redacted<SecretString>),
    /// A file named by a `_FILE` variable, read again at every sign-in so that a rotated secret
    /// (a Kubernetes secret, say) is used without a restart.
    File {
        /// The `_FILE` variable, for messages.
        variable: String,
        /// The file.
        path: PathBuf,
    },
}

impl SecretSource {
    /// How messages name where the secret came from: the variable (`value_variable`) or
    /// "the file named by `X_FILE` (path)".
    pub(crate) fn describe(&self, value_variable: &str) -> String {
        match self {
            SecretSource::Value(_) => value_variable.to_owned(),
            SecretSource::File { variable, path } => {
                format!("the file named by {variable} ({})", path.display())
            }
        }
    }

    /// The secret now: the value, or the file's content less exactly one trailing `\n` or
    /// `\r\n`. Errors name the variable and path, never the content.
    pub(crate) fn resolve(&self, env: &dyn Env) -> Result<SecretString, ProviderError> {
        let (variable, path) = match self {
            SecretSource::Value(value) => return Ok((**value).clone()),
            SecretSource::File { variable, path } => (variable, path),
        };
        let bytes = env.read_file(path).map_err(|err| {
            ProviderError::invalid_configuration(
                NAME,
                format!("cannot read {variable} ({}): {err}", path.display()),
            )
            .with_source(err)
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            ProviderError::invalid_configuration(
                NAME,
                format!(
                    "the file named by {variable} ({}) is not valid UTF-8",
                    path.display()
                ),
            )
        })?;
        let text = strip_one_line_ending(text);
        if text.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!("the file named by {variable} ({}) is empty", path.display()),
            ));
        }
        Ok(SecretString::from(text))
    }
}

/// `PAT_SECRET` → `PAT_SECRET_FILE`.
pub(crate) fn file_suffix(suffix: &str) -> String {
    format!("{suffix}_FILE")
}

fn not_utf8(name: &str) -> ProviderError {
    ProviderError::invalid_configuration(NAME, format!("{name} is not valid UTF-8"))
}

/// Removes exactly one trailing `\r\n` or `\n` (what `echo` and editors add), nothing else.
pub(crate) fn strip_one_line_ending(mut text: String) -> String {
    if text.ends_with("\r\n") {
        text.truncate(text.len() - 2);
    } else if text.ends_with('\n') {
        text.truncate(text.len() - 1);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::strip_one_line_ending;

    #[test]
    fn strips_exactly_one_line_ending() {
        let cases = [
            ("s3cret", "s3cret"),
            ("s3cret\n", "s3cret"),
            ("s3cret\r\n", "s3cret"),
            ("s3cret\n\n", "s3cret\n"),
            ("s3cret\r\n\r\n", "s3cret\r\n"),
            ("s3cret\r", "s3cret\r"),
            ("s3cret \n", "s3cret "),
            ("\n", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(
                strip_one_line_ending(input.to_owned()),
                expected,
                "{input:?}"
            );
        }
    }
}

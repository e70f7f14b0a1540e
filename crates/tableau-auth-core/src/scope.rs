//! [`Scope`]: one access scope of a JWT's `scp` claim (`tableau:<resource>:<action>`), with
//! wildcard matching, and the errors of parsing one or a list of them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// An access scope of a connected-app or unified-access-token JWT: `tableau:<resource>:<action>`,
/// such as `tableau:content:read`.
///
/// A JWT carries its scopes in the `scp` claim, and a session signed in with it may call only the
/// REST methods whose scope is among them; any other call is answered 401 / 401002 (see
/// `docs/protocol.md` section 13). Personal-access-token and password sessions are not limited
/// by scopes.
///
/// The form is the one Tableau documents: three colon-separated parts, the namespace `tableau`,
/// a resource and an action
/// ([access scopes for connected apps](https://help.tableau.com/current/online/en-us/connected_apps_scopes.htm),
/// [unified access tokens](https://help.tableau.com/current/api/cloud-manager/en-us/docs/unified_access_tokens.html)).
/// A resource or action is made of lower-case ASCII letters, digits, `_` and `-`, or is `*`,
/// which matches any one resource or action (`tableau:users:*`, `tableau:*:read`,
/// `tableau:*:*`). Parsing refuses anything else, so a typo is caught when a provider is built
/// rather than by a 401 at run time:
///
/// ```
/// use tableau_auth_core::Scope;
///
/// let scope: Scope = "tableau:users:*".parse()?;
/// assert_eq!(scope.resource(), "users");
/// assert!(scope.allows(&Scope::USERS_READ));
/// assert!(!scope.allows(&Scope::CONTENT_READ));
/// assert_eq!(scope.to_string(), "tableau:users:*");
///
/// let typo = "tableau:content.read".parse::<Scope>().unwrap_err();
/// assert_eq!(
///     typo.to_string(),
///     "the scope has 2 colon-separated parts, not 3; a scope looks like \
///      tableau:<resource>:<action>, for example tableau:content:read, and * may stand for a \
///      whole resource or action"
/// );
/// # Ok::<(), tableau_auth_core::ScopeParseError>(())
/// ```
///
/// `Debug` and `Display` print the scope's text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(Cow<'static, str>);

/// The namespace every scope starts with.
const NAMESPACE: &str = "tableau";

/// What a scope looks like, for error messages.
const FORM: &str = "a scope looks like tableau:<resource>:<action>, for example \
                    tableau:content:read, and * may stand for a whole resource or action";

impl Scope {
    /// `tableau:content:read`: the GET methods for content across categories (projects,
    /// workbooks, views, data sources, …) and the Metadata API. Source: Tableau's
    /// [access scopes for connected apps](https://help.tableau.com/current/online/en-us/connected_apps_scopes.htm)
    /// ("content read scope"). The connected-app provider's default.
    pub const CONTENT_READ: Scope = Scope::known("tableau:content:read");
    /// `tableau:datasources:update`: Update Data Source. Source: the example of the same page.
    pub const DATASOURCES_UPDATE: Scope = Scope::known("tableau:datasources:update");
    /// `tableau:sites:read`: Query Sites. Source: Tableau's MCP server (`tableau/tableau-mcp`,
    /// `sitesMethods.ts`, "Required scopes: `tableau:sites:read`").
    pub const SITES_READ: Scope = Scope::known("tableau:sites:read");
    /// `tableau:users:read`: Get Users on Site, Query User on Site. Source: tableau-mcp
    /// `usersMethods.ts`.
    pub const USERS_READ: Scope = Scope::known("tableau:users:read");
    /// `tableau:views:embed`: embedding views with a connected-app or UAT JWT. Source:
    /// tableau-mcp `src/server/oauth/scopes.ts` (its list of Tableau API scopes).
    pub const VIEWS_EMBED: Scope = Scope::known("tableau:views:embed");
    /// `tableau:views:download`: Query View Image, Query View Data (CSV). Source: tableau-mcp
    /// `viewsMethods.ts`.
    pub const VIEWS_DOWNLOAD: Scope = Scope::known("tableau:views:download");
    /// `tableau:workbooks:download`: Download Workbook. Source: tableau-mcp `workbooksMethods.ts`.
    pub const WORKBOOKS_DOWNLOAD: Scope = Scope::known("tableau:workbooks:download");
    /// `tableau:workbooks:create`: Publish Workbook. Source: tableau-mcp `workbooksMethods.ts`.
    pub const WORKBOOKS_CREATE: Scope = Scope::known("tableau:workbooks:create");
    /// `tableau:file_uploads:create`: Initiate File Upload, Append to File Upload. Source:
    /// tableau-mcp `publishingMethods.ts`.
    pub const FILE_UPLOADS_CREATE: Scope = Scope::known("tableau:file_uploads:create");
    /// `tableau:tasks:read`: Get Extract Refresh Tasks. Source: tableau-mcp `tasksMethods.ts`.
    pub const TASKS_READ: Scope = Scope::known("tableau:tasks:read");
    /// `tableau:tasks:run`: Run Extract Refresh Task. Source: tableau-mcp `tasksMethods.ts`
    /// (its run-extract-refresh tool), and users' JWTs in Tableau's Python client issue #1581.
    pub const TASKS_RUN: Scope = Scope::known("tableau:tasks:run");
    /// `tableau:jobs:read`: Query Jobs, Query Job. Source: tableau-mcp `jobsMethods.ts`;
    /// Tableau's Python client issue #1581 (a JWT without it got 401002 querying jobs).
    pub const JOBS_READ: Scope = Scope::known("tableau:jobs:read");
    /// `tableau:flows:read`: Query Flows for a Site, Query Flow. Source: tableau-mcp
    /// `flowsMethods.ts`.
    pub const FLOWS_READ: Scope = Scope::known("tableau:flows:read");
    /// `tableau:viz_data_service:read`: VizQL Data Service queries. Source: tableau-mcp
    /// `vizqlDataServiceMethods.ts`.
    pub const VIZ_DATA_SERVICE_READ: Scope = Scope::known("tableau:viz_data_service:read");
    /// `tableau:sessions:delete`: Delete Server Session (REST API 3.27). Source: the REST
    /// reference's server methods ("Scope added in API 3.27").
    pub const SESSIONS_DELETE: Scope = Scope::known("tableau:sessions:delete");

    /// Every constant above, in the order they are declared.
    pub const COMMON: [Scope; 15] = [
        Scope::CONTENT_READ,
        Scope::DATASOURCES_UPDATE,
        Scope::SITES_READ,
        Scope::USERS_READ,
        Scope::VIEWS_EMBED,
        Scope::VIEWS_DOWNLOAD,
        Scope::WORKBOOKS_DOWNLOAD,
        Scope::WORKBOOKS_CREATE,
        Scope::FILE_UPLOADS_CREATE,
        Scope::TASKS_READ,
        Scope::TASKS_RUN,
        Scope::JOBS_READ,
        Scope::FLOWS_READ,
        Scope::VIZ_DATA_SERVICE_READ,
        Scope::SESSIONS_DELETE,
    ];

    /// A constant whose text is known to be valid; evaluating an invalid one fails the build.
    const fn known(text: &'static str) -> Scope {
        assert!(
            check(text.as_bytes()).is_ok(),
            "a Scope constant is not a valid scope"
        );
        Scope(Cow::Borrowed(text))
    }

    /// The scope's text, `tableau:<resource>:<action>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resource: `content` in `tableau:content:read` (`*` for a wildcard).
    pub fn resource(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }

    /// The action: `read` in `tableau:content:read` (`*` for a wildcard).
    pub fn action(&self) -> &str {
        self.0.split(':').nth(2).unwrap_or_default()
    }

    /// Whether the resource or the action is `*`.
    pub fn is_wildcard(&self) -> bool {
        self.resource() == "*" || self.action() == "*"
    }

    /// Whether a JWT granted this scope may call a method that requires `required`: each part
    /// is equal, or is `*` in this scope. `tableau:users:*` allows `tableau:users:read`;
    /// `tableau:users:read` does not allow `tableau:users:*`.
    ///
    /// ```
    /// use tableau_auth_core::Scope;
    ///
    /// let everything: Scope = "tableau:*:*".parse()?;
    /// assert!(everything.allows(&Scope::JOBS_READ));
    /// let any_read: Scope = "tableau:*:read".parse()?;
    /// assert!(any_read.allows(&Scope::USERS_READ));
    /// assert!(!any_read.allows(&Scope::TASKS_RUN));
    /// assert!(!Scope::USERS_READ.allows(&"tableau:users:*".parse()?));
    /// # Ok::<(), tableau_auth_core::ScopeParseError>(())
    /// ```
    pub fn allows(&self, required: &Scope) -> bool {
        let part = |granted: &str, required: &str| granted == "*" || granted == required;
        part(self.resource(), required.resource()) && part(self.action(), required.action())
    }

    /// Parses a list of scopes for a JWT's `scp`: at least one, each valid, order kept.
    ///
    /// ```
    /// use tableau_auth_core::{Scope, ScopeListError};
    ///
    /// let scopes = Scope::parse_list(["tableau:content:read", "tableau:views:embed"])?;
    /// assert_eq!(scopes, [Scope::CONTENT_READ, Scope::VIEWS_EMBED]);
    ///
    /// let err = Scope::parse_list(["tableau:content:read", "tableau:jobs"]).unwrap_err();
    /// assert!(matches!(err, ScopeListError::Invalid { position: 2, .. }));
    /// # Ok::<(), ScopeListError>(())
    /// ```
    pub fn parse_list<I, S>(scopes: I) -> Result<Vec<Scope>, ScopeListError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for (index, text) in scopes.into_iter().enumerate() {
            let position = index + 1;
            match text.as_ref().parse::<Scope>() {
                Ok(scope) => parsed.push(scope),
                Err(err) if err.problem() == ScopeProblem::Empty => {
                    return Err(ScopeListError::Blank { position });
                }
                Err(source) => return Err(ScopeListError::Invalid { position, source }),
            }
        }
        if parsed.is_empty() {
            return Err(ScopeListError::Empty);
        }
        Ok(parsed)
    }
}

/// Checks a scope's bytes; `const` so that the constants are checked when the crate is built.
const fn check(text: &[u8]) -> Result<(), ScopeProblem> {
    if is_blank(text) {
        return Err(ScopeProblem::Empty);
    }
    let mut parts = 1;
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_whitespace() {
            return Err(ScopeProblem::Whitespace);
        }
        if text[i] == b':' {
            parts += 1;
        }
        i += 1;
    }
    if parts != 3 {
        return Err(ScopeProblem::PartCount(parts));
    }
    let namespace = NAMESPACE.as_bytes();
    if text.len() <= namespace.len() || text[namespace.len()] != b':' {
        return Err(ScopeProblem::Namespace);
    }
    let mut i = 0;
    while i < namespace.len() {
        if text[i] != namespace[i] {
            return Err(ScopeProblem::Namespace);
        }
        i += 1;
    }
    // The resource and the action.
    let mut start = namespace.len() + 1;
    while start <= text.len() {
        let mut end = start;
        while end < text.len() && text[end] != b':' {
            end += 1;
        }
        if let Err(problem) = check_part(text, start, end) {
            return Err(problem);
        }
        start = end + 1;
    }
    Ok(())
}

/// Checks `text[start..end]`, a resource or an action.
const fn check_part(text: &[u8], start: usize, end: usize) -> Result<(), ScopeProblem> {
    if start == end {
        return Err(ScopeProblem::EmptyPart);
    }
    if end - start == 1 && text[start] == b'*' {
        return Ok(());
    }
    let mut i = start;
    while i < end {
        let byte = text[i];
        if byte == b'*' {
            return Err(ScopeProblem::PartialWildcard);
        }
        if byte.is_ascii_uppercase() {
            return Err(ScopeProblem::UpperCase);
        }
        if !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-') {
            return Err(ScopeProblem::Character);
        }
        i += 1;
    }
    Ok(())
}

const fn is_blank(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii_whitespace() {
            return false;
        }
        i += 1;
    }
    true
}

impl FromStr for Scope {
    type Err = ScopeParseError;

    /// Parses `tableau:<resource>:<action>`; see [`Scope`] for what is refused.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Non-ASCII whitespace would otherwise be reported as a bad character.
        if text.trim().is_empty() {
            return Err(ScopeParseError {
                problem: ScopeProblem::Empty,
            });
        }
        if text.chars().any(char::is_whitespace) {
            return Err(ScopeParseError {
                problem: ScopeProblem::Whitespace,
            });
        }
        check(text.as_bytes()).map_err(|problem| ScopeParseError { problem })?;
        Ok(Scope(Cow::Owned(text.to_owned())))
    }
}

impl TryFrom<&str> for Scope {
    type Error = ScopeParseError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeParseError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Scope {
    /// A scope serializes as its text (the `scp` claim is an array of strings).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What is wrong with a text that is not a [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeProblem {
    /// Empty or all whitespace.
    Empty,
    /// Contains whitespace (list scopes separately).
    Whitespace,
    /// Not three colon-separated parts (the count is given).
    PartCount(usize),
    /// Does not start with `tableau:`.
    Namespace,
    /// The resource or the action is empty.
    EmptyPart,
    /// `*` is only part of a resource or action (`tableau:content:re*`).
    PartialWildcard,
    /// An upper-case letter (scopes are lower case).
    UpperCase,
    /// A character other than `a`–`z`, `0`–`9`, `_`, `-`.
    Character,
}

impl fmt::Display for ScopeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeProblem::Empty => f.write_str("the scope is empty"),
            ScopeProblem::Whitespace => f.write_str(
                "the scope contains whitespace (list several scopes as separate entries)",
            ),
            ScopeProblem::PartCount(count) => {
                write!(f, "the scope has {count} colon-separated parts, not 3")
            }
            ScopeProblem::Namespace => f.write_str("the scope does not start with tableau:"),
            ScopeProblem::EmptyPart => f.write_str("the scope's resource or action is empty"),
            ScopeProblem::PartialWildcard => f.write_str(
                "* must be a whole resource or action (tableau:users:*), not part of one",
            ),
            ScopeProblem::UpperCase => f.write_str("scopes are lower case"),
            ScopeProblem::Character => f.write_str(
                "the scope's resource or action holds a character other than a-z, 0-9, _ and -",
            ),
        }
    }
}

/// A text is not a [`Scope`]. The message says what is wrong and what a scope looks like; it
/// never repeats the text (a secret pasted into the wrong setting stays out of logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}; {FORM}")]
pub struct ScopeParseError {
    problem: ScopeProblem,
}

impl ScopeParseError {
    /// What is wrong.
    pub fn problem(&self) -> ScopeProblem {
        self.problem
    }
}

/// A list of scopes is unusable for a JWT's `scp` ([`Scope::parse_list`]). Messages never
/// repeat a scope's text; positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeListError {
    /// No scope at all; Tableau refuses a JWT whose `scp` is empty.
    #[error(
        "the scope list is empty; Tableau needs at least one scope (for example tableau:content:read)"
    )]
    Empty,
    /// An entry is empty or all whitespace.
    #[error("the scope list contains an empty scope")]
    Blank {
        /// The entry's position in the list, from 1.
        position: usize,
    },
    /// An entry is not a scope.
    #[error("scope {position} in the list is not a scope: {source}")]
    Invalid {
        /// The entry's position in the list, from 1.
        position: usize,
        /// What is wrong with it.
        source: ScopeParseError,
    },
}

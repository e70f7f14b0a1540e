//! JWT scopes (docs/protocol.md section 13): what a route requires, and whether a session's
//! `scp` grants it.

/// The scope a route requires of a session signed in with a JWT. Password and PAT sessions are
/// never limited by scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No scope: every session may call it (sign-out, `sessions/current`, switch site).
    None,
    /// Any one of these scopes (for example Query site, which accepts `tableau:sites:read` or
    /// `tableau:content:read`).
    AnyOf(&'static [&'static str]),
    /// No scope grants it: a JWT session always gets 401002 (the revoke calls).
    NotForJwt,
}

impl Scope {
    /// `tableau:sites:read`.
    pub const SITES_READ: Scope = Scope::AnyOf(&["tableau:sites:read"]);
    /// `tableau:users:read`.
    pub const USERS_READ: Scope = Scope::AnyOf(&["tableau:users:read"]);
    /// `tableau:content:read` (projects, workbooks, views, data sources).
    #[allow(dead_code, reason = "the scope of the read side's routes")]
    pub const CONTENT_READ: Scope = Scope::AnyOf(&["tableau:content:read"]);
    /// `tableau:sessions:delete`.
    pub const SESSIONS_DELETE: Scope = Scope::AnyOf(&["tableau:sessions:delete"]);

    /// Whether a session with `granted` (a JWT's `scp`; `None` for password and PAT sessions)
    /// may make the call.
    pub fn allows(self, granted: Option<&[Box<str>]>) -> bool {
        let Some(granted) = granted else {
            return true;
        };
        match self {
            Scope::None => true,
            Scope::NotForJwt => false,
            Scope::AnyOf(required) => required
                .iter()
                .any(|needed| granted.iter().any(|scope| grants(scope, needed))),
        }
    }
}

/// Whether the granted scope `scope` covers `needed`: the same number of `:`-separated
/// segments, each equal or `*` (`tableau:users:*`, `tableau:*:*`).
pub(crate) fn grants(scope: &str, needed: &str) -> bool {
    let mut have = scope.split(':');
    let mut want = needed.split(':');
    loop {
        match (have.next(), want.next()) {
            (None, None) => return true,
            (Some(h), Some(w)) if h == "*" || h == w => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Box<[Box<str>]> {
        list.iter().map(|s| Box::from(*s)).collect()
    }

    #[test]
    fn scopes_and_wildcards() {
        let content = scopes(&["tableau:content:read"]);
        assert!(Scope::CONTENT_READ.allows(Some(&content)));
        assert!(!Scope::USERS_READ.allows(Some(&content)));
        assert!(Scope::USERS_READ.allows(None), "PAT and password sessions");
        assert!(Scope::NotForJwt.allows(None));
        assert!(!Scope::NotForJwt.allows(Some(&scopes(&["tableau:*:*"]))));
        assert!(Scope::None.allows(Some(&content)));
        for wildcard in ["tableau:users:*", "tableau:*:read", "tableau:*:*"] {
            assert!(
                Scope::USERS_READ.allows(Some(&scopes(&[wildcard]))),
                "{wildcard}"
            );
        }
        for miss in [
            "tableau:users",
            "tableau:users:read:x",
            "tableau:users:write",
            "*",
            "tableau:user:read",
            "",
        ] {
            assert!(!Scope::USERS_READ.allows(Some(&scopes(&[miss]))), "{miss}");
        }
        let query_site = Scope::AnyOf(&["tableau:sites:read", "tableau:content:read"]);
        assert!(query_site.allows(Some(&content)));
        assert!(query_site.allows(Some(&scopes(&["tableau:sites:read"]))));
        assert!(!query_site.allows(Some(&scopes(&["tableau:users:read"]))));
    }
}

//! The two templates of a stub, parsed once when it is registered: the request path
//! (`/sites/{siteId}/workbooks/{workbookId}/refresh`) and the response body (`{{uuid}}`, …).

use crate::api::MAX_SEGMENTS;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Matches exactly this text.
    Literal(Box<str>),
    /// `{name}`: matches any one non-empty segment.
    Var(Box<str>),
}

/// The name of the path variable that must be the session's site.
pub(crate) const SITE_ID: &str = "siteId";

/// A parsed `request.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    pub segments: Vec<Segment>,
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl PathTemplate {
    /// Parses a path relative to `/api/{version}/`; the message says what is wrong.
    pub fn parse(path: &str) -> Result<Self, String> {
        let relative = path.strip_prefix('/').unwrap_or(path);
        if relative.is_empty() {
            return Err("request.path must name an endpoint, e.g. /sites/{siteId}/jobs".into());
        }
        if relative.contains('?') || relative.contains('#') {
            return Err("request.path must not hold a query: use request.query".into());
        }
        let mut segments = Vec::new();
        for segment in relative.split('/') {
            if segment.is_empty() {
                return Err(format!("request.path '{path}' has an empty segment"));
            }
            if let Some(inner) = segment.strip_prefix('{') {
                let name = inner.strip_suffix('}').filter(|name| is_name(name));
                let Some(name) = name else {
                    return Err(format!(
                        "request.path segment '{segment}' is not a literal or a whole {{name}} \
                         (letters, digits, '_' and '-')"
                    ));
                };
                if segments
                    .iter()
                    .any(|s| matches!(s, Segment::Var(n) if &**n == name))
                {
                    return Err(format!("request.path names {{{name}}} twice"));
                }
                segments.push(Segment::Var(name.into()));
            } else if segment.contains(['{', '}']) {
                return Err(format!(
                    "request.path segment '{segment}' mixes text and a {{name}}: a variable is a \
                     whole segment"
                ));
            } else {
                segments.push(Segment::Literal(segment.into()));
            }
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(format!(
                "request.path has more than {MAX_SEGMENTS} segments"
            ));
        }
        if matches!(segments.first(), Some(Segment::Literal(first)) if &**first == "api") {
            return Err(
                "request.path is relative to /api/{version}/: leave out /api/3.x".to_owned(),
            );
        }
        let template = Self { segments };
        if let Some(surface) = template.auth_surface() {
            return Err(format!(
                "request.path '{path}' can match {surface}, part of the auth surface (sign-in, \
                 sign-out, switch site, serverinfo, sessions), which cannot be stubbed: use a \
                 fault (POST /_mock/faults) to change its answers"
            ));
        }
        Ok(template)
    }

    /// The auth-surface path the template could match, if any.
    fn auth_surface(&self) -> Option<&'static str> {
        let lit = |i: usize, text: &str| match &self.segments[i] {
            Segment::Literal(l) => l.eq_ignore_ascii_case(text),
            Segment::Var(_) => true,
        };
        match self.segments.len() {
            1 if lit(0, "serverinfo") => Some("serverinfo"),
            2 if lit(0, "auth") => Some("auth/…"),
            2 if lit(0, "sessions") => Some("sessions/…"),
            _ => None,
        }
    }

    /// The position of `{name}`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.segments
            .iter()
            .position(|s| matches!(s, Segment::Var(n) if &**n == name))
    }

    /// Whether `segments` (a request's path after the version) match.
    #[cfg(test)]
    pub fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(t, s)| match t {
                Segment::Literal(l) => **l == **s,
                Segment::Var(_) => !s.is_empty(),
            })
    }
}

/// One part of a response body template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(Box<str>),
    SiteId,
    UserId,
    Uuid,
    /// The request path's segment at this position.
    Path(usize),
}

/// A parsed `response.body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyTemplate {
    parts: Vec<Part>,
    /// The body's length without its placeholders (a capacity hint).
    text_len: usize,
}

/// What a body template is filled with.
pub(crate) struct Values<'a> {
    pub site_id: &'a str,
    pub user_id: &'a str,
    pub segments: &'a [&'a str],
    pub uuid: &'a dyn Fn() -> String,
}

impl BodyTemplate {
    /// Parses `body` against `path`. `{{name}}` with a name of letters, digits, `_` and `.` is
    /// a placeholder and must be known; any other `{{` is text. `session` says whether the
    /// stub has a session (`{{userId}}` needs one; `{{siteId}}` needs one or a `{siteId}`
    /// segment).
    pub fn parse(body: &str, path: &PathTemplate, session: bool) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = body;
        let mut text_len = 0;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let placeholder = after.find("}}").map(|end| &after[..end]).filter(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
            });
            let Some(name) = placeholder else {
                text.push_str(&rest[..start + 2]);
                rest = after;
                continue;
            };
            text.push_str(&rest[..start]);
            rest = &after[name.len() + 2..];
            let part = match name {
                "siteId" if session || path.position(SITE_ID).is_some() => Part::SiteId,
                "siteId" => {
                    return Err(
                        "{{siteId}} needs auth \"session\" or a {siteId} path segment".to_owned(),
                    );
                }
                "userId" if session => Part::UserId,
                "userId" => return Err("{{userId}} needs auth \"session\"".to_owned()),
                "uuid" => Part::Uuid,
                _ => match name.strip_prefix("path.") {
                    Some(var) => Part::Path(path.position(var).ok_or_else(|| {
                        format!("{{{{{name}}}}}: the path has no {{{var}}} segment")
                    })?),
                    None => {
                        return Err(format!(
                            "unknown placeholder {{{{{name}}}}} in response.body (known: \
                             {{{{siteId}}}}, {{{{userId}}}}, {{{{uuid}}}}, {{{{path.NAME}}}})"
                        ));
                    }
                },
            };
            if !text.is_empty() {
                text_len += text.len();
                parts.push(Part::Text(std::mem::take(&mut text).into()));
            }
            parts.push(part);
        }
        text.push_str(rest);
        if !text.is_empty() {
            text_len += text.len();
            parts.push(Part::Text(text.into()));
        }
        Ok(Self { parts, text_len })
    }

    /// Whether the body quotes a path segment (`{{path.NAME}}`).
    pub fn uses_path(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Path(_)))
    }

    /// The body as it is, when it has no placeholder.
    pub fn as_static(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// The body with its placeholders filled in.
    pub fn render(&self, values: &Values<'_>) -> String {
        let mut out = String::with_capacity(self.text_len + 64);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::SiteId => out.push_str(values.site_id),
                Part::UserId => out.push_str(values.user_id),
                Part::Uuid => out.push_str(&(values.uuid)()),
                Part::Path(index) => {
                    out.push_str(values.segments.get(*index).copied().unwrap_or_default());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_match() {
        let t = PathTemplate::parse("/sites/{siteId}/workbooks/{workbookId}/refresh").unwrap();
        assert!(t.matches(&["sites", "s", "workbooks", "w", "refresh"]));
        assert!(!t.matches(&["sites", "s", "workbooks", "", "refresh"]));
        assert!(!t.matches(&["sites", "s", "workbooks", "w"]));
        assert_eq!(t.position("workbookId"), Some(3));
        assert_eq!(
            PathTemplate::parse("jobs").unwrap().segments,
            [Segment::Literal("jobs".into())]
        );
        for bad in [
            "",
            "/",
            "/sites//x",
            "/sites/{}/x",
            "/sites/wb-{id}",
            "/sites/{a}/{a}",
            "/jobs?x=1",
            "/api/3.27/sites",
            "/a/b/c/d/e/f/g/h/i",
        ] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_auth_surface_cannot_be_stubbed() {
        for surface in [
            "/auth/signin",
            "/auth/signout",
            "auth/switchSite",
            "/serverinfo",
            "/serverInfo",
            "/sessions/current",
            "/sessions/{id}",
            "/{x}",
            "/{a}/{b}",
            "/auth/{what}",
        ] {
            let error = PathTemplate::parse(surface).unwrap_err();
            assert!(error.contains("auth surface"), "{surface}: {error}");
        }
        assert!(PathTemplate::parse("/sites/{siteId}/users/{userId}").is_ok());
        assert!(PathTemplate::parse("/auth/x/y").is_ok());
    }

    #[test]
    fn bodies_render_their_placeholders() {
        let path = PathTemplate::parse("/sites/{siteId}/workbooks/{workbookId}/refresh").unwrap();
        let body = BodyTemplate::parse(
            r#"<job id="{{uuid}}" site="{{siteId}}" user="{{userId}}" wb="{{path.workbookId}}"/>{{not a placeholder"#,
            &path,
            true,
        )
        .unwrap();
        let segments = ["sites", "S", "workbooks", "W", "refresh"];
        let values = Values {
            site_id: "S",
            user_id: "U",
            segments: &segments,
            uuid: &|| "UUID".to_owned(),
        };
        assert_eq!(
            body.render(&values),
            r#"<job id="UUID" site="S" user="U" wb="W"/>{{not a placeholder"#
        );
        assert_eq!(body.as_static(), None);
        let plain = BodyTemplate::parse(r#"{"a":{"b":{}}}"#, &path, true).unwrap();
        assert_eq!(plain.as_static(), Some(r#"{"a":{"b":{}}}"#));
        assert!(BodyTemplate::parse("{{siteid}}", &path, true).is_err());
        assert!(BodyTemplate::parse("{{path.nope}}", &path, true).is_err());
        assert!(BodyTemplate::parse("{{userId}}", &path, false).is_err());
        assert!(BodyTemplate::parse("{{siteId}}", &path, false).is_ok());
        let no_site = PathTemplate::parse("/jobs").unwrap();
        assert!(BodyTemplate::parse("{{siteId}}", &no_site, false).is_err());
    }
}

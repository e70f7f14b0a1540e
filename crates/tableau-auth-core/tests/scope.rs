//! `Scope`: what parses, what is refused and why, wildcard matching, and lists.

use proptest::prelude::*;
use tableau_auth_core::{Scope, ScopeListError, ScopeProblem};

#[test]
fn every_constant_is_a_valid_scope_that_round_trips() {
    let texts: Vec<String> = Scope::COMMON.iter().map(Scope::to_string).collect();
    assert_eq!(
        texts,
        [
            "tableau:content:read",
            "tableau:datasources:update",
            "tableau:sites:read",
            "tableau:users:read",
            "tableau:views:embed",
            "tableau:views:download",
            "tableau:workbooks:download",
            "tableau:workbooks:create",
            "tableau:file_uploads:create",
            "tableau:tasks:read",
            "tableau:tasks:run",
            "tableau:jobs:read",
            "tableau:flows:read",
            "tableau:viz_data_service:read",
            "tableau:sessions:delete",
        ]
    );
    for scope in Scope::COMMON {
        assert_eq!(scope.as_str().parse::<Scope>().unwrap(), scope);
        assert!(!scope.is_wildcard());
        assert!(scope.allows(&scope));
    }
    assert_eq!(Scope::CONTENT_READ.resource(), "content");
    assert_eq!(Scope::CONTENT_READ.action(), "read");
    assert_eq!(
        format!("{:?}", Scope::CONTENT_READ),
        r#""tableau:content:read""#
    );
}

#[test]
fn each_refusal_says_what_is_wrong_and_what_a_scope_looks_like() {
    let cases = [
        ("", ScopeProblem::Empty),
        ("  \t", ScopeProblem::Empty),
        (
            "tableau:content:read tableau:views:embed",
            ScopeProblem::Whitespace,
        ),
        ("tableau:content:read\u{a0}", ScopeProblem::Whitespace),
        (" tableau:content:read", ScopeProblem::Whitespace),
        ("tableau:content", ScopeProblem::PartCount(2)),
        ("tableau:content.read", ScopeProblem::PartCount(2)),
        ("content:read", ScopeProblem::PartCount(2)),
        ("tableau:mcp:content:read", ScopeProblem::PartCount(4)),
        ("tableau", ScopeProblem::PartCount(1)),
        ("tablaeu:content:read", ScopeProblem::Namespace),
        ("Tableau:content:read", ScopeProblem::Namespace),
        ("*:content:read", ScopeProblem::Namespace),
        ("tableaux:content:read", ScopeProblem::Namespace),
        (":content:read", ScopeProblem::Namespace),
        ("tableau::read", ScopeProblem::EmptyPart),
        ("tableau:content:", ScopeProblem::EmptyPart),
        ("tableau:content:re*", ScopeProblem::PartialWildcard),
        ("tableau:**:read", ScopeProblem::PartialWildcard),
        ("tableau:Content:read", ScopeProblem::UpperCase),
        ("tableau:content:READ", ScopeProblem::UpperCase),
        ("tableau:content:read!", ScopeProblem::Character),
        ("tableau:contént:read", ScopeProblem::Character),
        ("tableau:content:r.ead", ScopeProblem::Character),
    ];
    for (text, problem) in cases {
        let err = text.parse::<Scope>().unwrap_err();
        assert_eq!(err.problem(), problem, "{text:?}");
        let message = err.to_string();
        let head = message
            .strip_suffix(
                "; a scope looks like tableau:<resource>:<action>, for example \
                 tableau:content:read, and * may stand for a whole resource or action",
            )
            .unwrap_or_else(|| panic!("{message}"));
        if text.trim().len() > 3 {
            assert!(
                !head.contains(text),
                "the text is never repeated: {message}"
            );
        }
    }
    insta::assert_snapshot!(
        "tableau:mcp:content:read".parse::<Scope>().unwrap_err().to_string(),
        @"the scope has 4 colon-separated parts, not 3; a scope looks like tableau:<resource>:<action>, for example tableau:content:read, and * may stand for a whole resource or action"
    );
    insta::assert_snapshot!(
        "tableau:content:re*".parse::<Scope>().unwrap_err().to_string(),
        @"* must be a whole resource or action (tableau:users:*), not part of one; a scope looks like tableau:<resource>:<action>, for example tableau:content:read, and * may stand for a whole resource or action"
    );
}

#[test]
fn accepted_forms() {
    for text in [
        "tableau:users:*",
        "tableau:*:read",
        "tableau:*:*",
        "tableau:viz_data_service:read",
        "tableau:tcm_sites:read",
        "tableau:a-b:c2",
    ] {
        let scope: Scope = text.parse().unwrap();
        assert_eq!(scope.as_str(), text);
        assert_eq!(Scope::try_from(text).unwrap(), scope);
        assert_eq!(Scope::try_from(text.to_owned()).unwrap(), scope);
    }
    assert!("tableau:users:*".parse::<Scope>().unwrap().is_wildcard());
}

#[test]
fn wildcards_match_one_whole_part() {
    let s = |text: &str| text.parse::<Scope>().unwrap();
    assert!(s("tableau:users:*").allows(&Scope::USERS_READ));
    assert!(!s("tableau:users:*").allows(&Scope::CONTENT_READ));
    assert!(s("tableau:*:read").allows(&Scope::JOBS_READ));
    assert!(!s("tableau:*:read").allows(&Scope::TASKS_RUN));
    assert!(s("tableau:*:*").allows(&Scope::TASKS_RUN));
    assert!(s("tableau:*:*").allows(&s("tableau:*:*")));
    // A granted scope never covers a broader requirement.
    assert!(!Scope::USERS_READ.allows(&s("tableau:users:*")));
    assert!(!s("tableau:users:*").allows(&s("tableau:*:*")));
    // Parts are compared whole: no prefix matching.
    assert!(!s("tableau:view:read").allows(&s("tableau:views:read")));
}

#[test]
fn lists() {
    assert_eq!(
        Scope::parse_list(["tableau:content:read", "tableau:users:*"]).unwrap(),
        [Scope::CONTENT_READ, "tableau:users:*".parse().unwrap()]
    );
    let none: [&str; 0] = [];
    assert_eq!(Scope::parse_list(none), Err(ScopeListError::Empty));
    assert_eq!(
        Scope::parse_list(["tableau:content:read", " "]),
        Err(ScopeListError::Blank { position: 2 })
    );
    let err = Scope::parse_list(["tableau:content:read", "tableau:jobs", "x"]).unwrap_err();
    assert!(matches!(err, ScopeListError::Invalid { position: 2, .. }));
    assert_eq!(
        err.to_string(),
        "scope 2 in the list is not a scope: the scope has 2 colon-separated parts, not 3; a \
         scope looks like tableau:<resource>:<action>, for example tableau:content:read, and * \
         may stand for a whole resource or action"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(
        ScopeListError::Empty.to_string(),
        "the scope list is empty; Tableau needs at least one scope (for example tableau:content:read)"
    );
}

/// A resource or action: a name, or `*`.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-z0-9_-]{1,12}", 1 => Just("*".to_owned())]
}

fn scope_text() -> impl Strategy<Value = String> {
    (part(), part()).prop_map(|(resource, action)| format!("tableau:{resource}:{action}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_valid_scope_round_trips(text in scope_text()) {
        let scope: Scope = text.parse().unwrap();
        prop_assert_eq!(scope.to_string(), text.clone());
        prop_assert_eq!(scope.to_string().parse::<Scope>().unwrap(), scope.clone());
        prop_assert_eq!(format!("tableau:{}:{}", scope.resource(), scope.action()), text);
    }

    #[test]
    fn parsing_never_panics_and_accepts_exactly_the_documented_form(text in "\\PC{0,24}|tableau:[a-zA-Z*:_ .-]{0,12}") {
        let parts: Vec<&str> = text.split(':').collect();
        let valid_part = |p: &str| {
            p == "*"
                || (!p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'))
        };
        let expected = parts.len() == 3 && parts[0] == "tableau" && valid_part(parts[1]) && valid_part(parts[2]);
        prop_assert_eq!(text.parse::<Scope>().is_ok(), expected, "{:?}", text);
    }

    #[test]
    fn a_pattern_allows_exactly_the_scopes_that_match_part_by_part(
        granted in scope_text(),
        required in scope_text(),
    ) {
        let granted: Scope = granted.parse().unwrap();
        let required: Scope = required.parse().unwrap();
        let expected = (granted.resource() == "*" || granted.resource() == required.resource())
            && (granted.action() == "*" || granted.action() == required.action());
        prop_assert_eq!(granted.allows(&required), expected);
        // `tableau:*:*` allows everything; a scope always allows itself.
        prop_assert!("tableau:*:*".parse::<Scope>().unwrap().allows(&required));
        prop_assert!(required.allows(&required));
        // Without wildcards, allowing is equality.
        if !granted.is_wildcard() {
            prop_assert_eq!(granted.allows(&required), granted == required);
        }
    }

    #[test]
    fn a_resource_wildcard_allows_every_action_of_that_resource_only(
        resource in "[a-z_]{1,10}",
        other in "[a-z_]{1,10}",
        action in "[a-z_]{1,10}",
    ) {
        let wildcard: Scope = format!("tableau:{resource}:*").parse().unwrap();
        let same: Scope = format!("tableau:{resource}:{action}").parse().unwrap();
        let different: Scope = format!("tableau:{other}:{action}").parse().unwrap();
        prop_assert!(wildcard.allows(&same));
        prop_assert_eq!(wildcard.allows(&different), resource == other);
    }
}

//! An independent validator of sign-in request bodies, written from docs/protocol.md section 3 with its
//! own parsers (roxmltree, serde_json values), so it judges the renderer instead of agreeing
//! with it.

use std::collections::BTreeMap;

/// The credential families of docs/protocol.md section 3 and their attributes.
const FAMILIES: &[(&str, &[&str], &[&str])] = &[
    ("password", &["name", "password"], &[]),
    (
        "pat",
        &["personalAccessTokenName", "personalAccessTokenSecret"],
        &[],
    ),
    ("jwt", &["jwt"], &["isUat"]),
];

/// Field names of a 2019 pre-release that never shipped and must never be sent.
const PRE_RELEASE: &[&str] = &["clientId", "personalAccessToken"];

/// A sign-in body reduced to what docs/protocol.md section 3 constrains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedSignIn {
    /// `password`, `pat` or `jwt`.
    pub family: &'static str,
    /// The credential attributes, by name.
    pub attributes: BTreeMap<String, String>,
    /// The site content URL.
    pub site: String,
    /// The impersonated user id.
    pub user_id: Option<String>,
}

/// Validates an XML sign-in body strictly (docs/protocol.md section 3).
pub fn validate_xml(body: &str) -> Result<ValidatedSignIn, String> {
    let doc = roxmltree::Document::parse(body).map_err(|e| format!("not well-formed XML: {e}"))?;
    let root = doc.root_element();
    expect_name(root, "tsRequest")?;
    no_attributes(root)?;
    let mut children = root.children().filter(|n| !is_blank(n));
    let credentials = children
        .next()
        .ok_or("tsRequest has no credentials element")?;
    if children.next().is_some() {
        return Err("tsRequest has more than one child".into());
    }
    expect_name(credentials, "credentials")?;
    let attributes: BTreeMap<String, String> = credentials
        .attributes()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect();
    let mut site = None;
    let mut user_id = None;
    for child in credentials.children().filter(|n| !is_blank(n)) {
        if !child.is_element() {
            return Err("credentials holds text".into());
        }
        match child.tag_name().name() {
            "site" if site.is_none() => {
                only_attributes(child, &["contentUrl"])?;
                site = Some(
                    child
                        .attribute("contentUrl")
                        .ok_or("site has no contentUrl")?
                        .to_owned(),
                );
            }
            "user" if user_id.is_none() => {
                only_attributes(child, &["id"])?;
                user_id = Some(child.attribute("id").ok_or("user has no id")?.to_owned());
            }
            other => {
                return Err(format!(
                    "unexpected or repeated element `{other}` in credentials"
                ));
            }
        }
    }
    let site = site.ok_or("credentials has no site element")?;
    let family = family_of(&attributes)?;
    Ok(ValidatedSignIn {
        family,
        attributes,
        site,
        user_id,
    })
}

/// Validates a JSON sign-in body strictly (docs/protocol.md section 3).
pub fn validate_json(body: &str) -> Result<ValidatedSignIn, String> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let root = value.as_object().ok_or("the body is not an object")?;
    if root.len() != 1 {
        return Err("the body must hold exactly one key, credentials".into());
    }
    let credentials = root
        .get("credentials")
        .and_then(Value::as_object)
        .ok_or("no credentials object")?;
    let mut attributes = BTreeMap::new();
    let mut site = None;
    let mut user_id = None;
    for (key, value) in credentials {
        match (key.as_str(), value) {
            ("site", Value::Object(site_object)) => {
                only_keys(site_object, &["contentUrl"])?;
                site = Some(
                    site_object
                        .get("contentUrl")
                        .and_then(Value::as_str)
                        .ok_or("site.contentUrl is missing or not a string")?
                        .to_owned(),
                );
            }
            ("user", Value::Object(user)) => {
                only_keys(user, &["id"])?;
                user_id = Some(
                    user.get("id")
                        .and_then(Value::as_str)
                        .ok_or("user.id is not a string")?
                        .to_owned(),
                );
            }
            ("isUat", Value::Bool(b)) => {
                attributes.insert(key.clone(), b.to_string());
            }
            (_, Value::String(s)) => {
                attributes.insert(key.clone(), s.clone());
            }
            (_, Value::Null) => {
                return Err(format!("`{key}` is null (absent parts must be omitted)"));
            }
            _ => return Err(format!("`{key}` has the wrong type")),
        }
    }
    let site = site.ok_or("credentials has no site")?;
    let family = family_of(&attributes)?;
    Ok(ValidatedSignIn {
        family,
        attributes,
        site,
        user_id,
    })
}

fn family_of(attributes: &BTreeMap<String, String>) -> Result<&'static str, String> {
    for field in PRE_RELEASE {
        if attributes.contains_key(*field) {
            return Err(format!("pre-release field `{field}` must never be sent"));
        }
    }
    let mut found = Vec::new();
    for (family, required, optional) in FAMILIES {
        if required.iter().any(|a| attributes.contains_key(*a)) {
            if let Some(missing) = required.iter().find(|a| !attributes.contains_key(**a)) {
                return Err(format!("{family} credentials lack `{missing}`"));
            }
            found.push((*family, *required, *optional));
        }
    }
    let [(family, required, optional)] = found.as_slice() else {
        return Err(if found.is_empty() {
            "no credential family".to_owned()
        } else {
            "more than one credential family".to_owned()
        });
    };
    if let Some(unknown) = attributes
        .keys()
        .find(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str()))
    {
        return Err(format!("unknown credentials attribute `{unknown}`"));
    }
    if let Some(is_uat) = attributes.get("isUat") {
        if is_uat != "true" && is_uat != "false" {
            return Err("isUat must be true or false".into());
        }
    }
    Ok(family)
}

fn is_blank(node: &roxmltree::Node<'_, '_>) -> bool {
    node.is_comment() || (node.is_text() && node.text().is_some_and(|t| t.trim().is_empty()))
}

fn expect_name(node: roxmltree::Node<'_, '_>, name: &str) -> Result<(), String> {
    if node.is_element() && node.tag_name().name() == name {
        Ok(())
    } else {
        Err(format!("expected element `{name}`"))
    }
}

fn no_attributes(node: roxmltree::Node<'_, '_>) -> Result<(), String> {
    only_attributes(node, &[])
}

fn only_attributes(node: roxmltree::Node<'_, '_>, allowed: &[&str]) -> Result<(), String> {
    match node.attributes().find(|a| !allowed.contains(&a.name())) {
        Some(a) => Err(format!(
            "unexpected attribute `{}` on `{}`",
            a.name(),
            node.tag_name().name()
        )),
        None => Ok(()),
    }
}

fn only_keys(
    object: &serde_json::Map<String, serde_json::Value>,
    allowed: &[&str],
) -> Result<(), String> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unexpected key `{k}`")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spec_examples() {
        let pat = validate_xml(r#"<tsRequest><credentials personalAccessTokenName="ci-token" personalAccessTokenSecret="SECRET"><site contentUrl="MarketingTeam" /></credentials></tsRequest>"#).unwrap();
        assert_eq!(pat.family, "pat");
        assert_eq!(pat.site, "MarketingTeam");
        let json = validate_json(r#"{"credentials": {"personalAccessTokenName": "ci-token", "personalAccessTokenSecret": "SECRET", "site": {"contentUrl": "MarketingTeam"}}}"#).unwrap();
        assert_eq!(json, pat);
        let jwt = validate_xml(r#"<tsRequest><credentials jwt="eyJ" isUat="false"><site contentUrl=""/><user id="u"/></credentials></tsRequest>"#).unwrap();
        assert_eq!((jwt.family, jwt.user_id.as_deref()), ("jwt", Some("u")));
    }

    #[test]
    fn rejects_what_the_spec_forbids() {
        let cases = [
            (
                r#"<tsRequest><credentials name="a" password="b" personalAccessTokenName="c" personalAccessTokenSecret="d"><site contentUrl=""/></credentials></tsRequest>"#,
                "more than one credential family",
            ),
            (
                r#"<tsRequest><credentials name="a" password="b"/></tsRequest>"#,
                "no site",
            ),
            (
                r#"<tsRequest><credentials clientId="a" personalAccessToken="b"><site contentUrl=""/></credentials></tsRequest>"#,
                "pre-release",
            ),
            (
                r#"<tsRequest><credentials name="a"><site contentUrl=""/></credentials></tsRequest>"#,
                "lack `password`",
            ),
            (
                r#"<tsRequest><credentials name="a" password="b" extra="c"><site contentUrl=""/></credentials></tsRequest>"#,
                "unknown credentials attribute",
            ),
            (
                r#"<tsRequest><credentials><site contentUrl=""/></credentials></tsRequest>"#,
                "no credential family",
            ),
            (
                r#"<tsRequest><credentials name="a" password="b"><site contentUrl=""/>"#,
                "not well-formed",
            ),
        ];
        for (body, expected) in cases {
            let err = validate_xml(body).unwrap_err();
            assert!(err.contains(expected), "{body}: {err}");
        }
        let err = validate_json(
            r#"{"credentials":{"name":"a","password":"b","site":{"contentUrl":""},"user":null}}"#,
        )
        .unwrap_err();
        assert!(err.contains("null"), "{err}");
    }
}

//! Strict XML request bodies, parsed with `roxmltree` (which refuses any DTD, unclosed or
//! multiple roots and text outside the root, and detects duplicate attributes).

use roxmltree::{Document, Node, ParsingOptions};

use super::{BodyError, RawCredentials, SignInRequest, SwitchSiteRequest, check_chars};

const NAMESPACES: &[&str] = &["http://tableau.com/api", "http://tableausoftware.com/api"];

fn parse_document(body: &[u8]) -> Result<Document<'_>, BodyError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| BodyError::new("the request body is not valid UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !super::all_xml_chars(text) {
        return Err(BodyError::new(
            "the request body contains a character XML 1.0 cannot carry",
        ));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 4096,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
        .map_err(|error| BodyError::new(format!("malformed XML: {error}")))
}

fn check_namespace(node: Node<'_, '_>) -> Result<(), BodyError> {
    match node.tag_name().namespace() {
        None => Ok(()),
        Some(ns) if NAMESPACES.contains(&ns) => Ok(()),
        Some(ns) => Err(BodyError::new(format!("unexpected namespace '{ns}'"))),
    }
}

/// The element children of `node`; refuses non-whitespace text.
fn element_children<'a, 'input>(
    node: Node<'a, 'input>,
) -> Result<Vec<Node<'a, 'input>>, BodyError> {
    let mut elements = Vec::new();
    for child in node.children() {
        if child.is_element() {
            check_namespace(child)?;
            elements.push(child);
        } else if child.is_text() && !child.text().unwrap_or("").trim().is_empty() {
            return Err(BodyError::new(format!(
                "unexpected text inside <{}>",
                node.tag_name().name()
            )));
        }
    }
    Ok(elements)
}

fn root<'a, 'input>(doc: &'a Document<'input>) -> Result<Node<'a, 'input>, BodyError> {
    let root = doc.root_element();
    check_namespace(root)?;
    if root.tag_name().name() != "tsRequest" {
        return Err(BodyError::new("the root element must be <tsRequest>"));
    }
    if root.attributes().len() != 0 {
        return Err(BodyError::new("<tsRequest> takes no attributes"));
    }
    Ok(root)
}

fn only_child<'a, 'input>(
    node: Node<'a, 'input>,
    name: &str,
) -> Result<Node<'a, 'input>, BodyError> {
    let children = element_children(node)?;
    match children.as_slice() {
        [child] if child.tag_name().name() == name => Ok(*child),
        _ => Err(BodyError::new(format!(
            "<{}> must contain exactly one <{name}>",
            node.tag_name().name()
        ))),
    }
}

/// Reads the attributes of `node`: each must be one of `allowed` (no namespace), once. The
/// names and values are borrowed from the document.
fn attributes<'a>(
    node: Node<'a, '_>,
    allowed: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, BodyError> {
    let mut out = Vec::new();
    for attribute in node.attributes() {
        let name = attribute.name();
        if attribute.namespace().is_some() || !allowed.contains(&name) {
            return Err(BodyError::new(format!(
                "unknown attribute '{name}' on <{}>",
                node.tag_name().name()
            )));
        }
        check_chars(name, attribute.value())?;
        out.push((name, attribute.value()));
    }
    Ok(out)
}

fn leaf_with(node: Node<'_, '_>, attribute: &str) -> Result<String, BodyError> {
    if !element_children(node)?.is_empty() {
        return Err(BodyError::new(format!(
            "<{}> takes no child elements",
            node.tag_name().name()
        )));
    }
    let attrs = attributes(node, &[attribute])?;
    attrs
        .into_iter()
        .next()
        .map(|(_, value)| value.to_owned())
        .ok_or_else(|| BodyError::new(format!("<{}> needs {attribute}", node.tag_name().name())))
}

pub(super) fn parse_sign_in(body: &[u8]) -> Result<SignInRequest, BodyError> {
    sign_in_from(&parse_document(body)?)
}

/// [`parse_sign_in`], and the body as the request log keeps it (redacted, from the same parse,
/// so the log does not parse it a second time); `None` when the body is not a document.
pub(super) fn parse_sign_in_logged(
    body: &[u8],
) -> (Result<SignInRequest, BodyError>, Option<String>) {
    match parse_document(body) {
        Ok(doc) => {
            let logged = crate::request_log::redact_document(&doc);
            (sign_in_from(&doc), Some(logged))
        }
        Err(error) => (Err(error), None),
    }
}

fn sign_in_from(doc: &Document<'_>) -> Result<SignInRequest, BodyError> {
    let root = root(doc)?;
    let credentials = only_child(root, "credentials")?;
    let mut raw = RawCredentials::default();
    let allowed = [
        "name",
        "password",
        "personalAccessTokenName",
        "personalAccessTokenSecret",
        "jwt",
        "isUat",
    ];
    for (name, value) in attributes(credentials, &allowed)? {
        match name {
            "name" => raw.name = Some(value.to_owned()),
            "password" => raw.password = Some(value.to_owned()),
            "personalAccessTokenName" => raw.pat_name = Some(value.to_owned()),
            "personalAccessTokenSecret" => raw.pat_secret = Some(value.to_owned()),
            "jwt" => raw.jwt = Some(value.to_owned()),
            _ => {
                raw.is_uat = Some(match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(BodyError::new("isUat must be \"true\" or \"false\"")),
                })
            }
        }
    }
    for child in element_children(credentials)? {
        match child.tag_name().name() {
            "site" if raw.site_content_url.is_none() => {
                raw.site_content_url = Some(leaf_with(child, "contentUrl")?);
            }
            "user" if raw.user_id.is_none() => raw.user_id = Some(leaf_with(child, "id")?),
            other => {
                return Err(BodyError::new(format!(
                    "unexpected or repeated element <{other}> in <credentials>"
                )));
            }
        }
    }
    raw.into_request()
}

pub(super) fn parse_switch_site(body: &[u8]) -> Result<SwitchSiteRequest, BodyError> {
    let doc = parse_document(body)?;
    let root = root(&doc)?;
    let site = only_child(root, "site")?;
    Ok(SwitchSiteRequest {
        content_url: leaf_with(site, "contentUrl")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::CredentialFamily;
    use super::*;

    fn ok(body: &str) -> SignInRequest {
        parse_sign_in(body.as_bytes()).unwrap()
    }

    fn err(body: &str) {
        assert!(parse_sign_in(body.as_bytes()).is_err(), "accepted: {body}");
    }

    #[test]
    fn accepts_the_three_families() {
        let r = ok(
            r#"<tsRequest><credentials name="a" password="p&#9;&amp;"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        assert_eq!(
            r.credentials,
            CredentialFamily::Password {
                name: "a".into(),
                password: "p\t&".into()
            }
        );
        let r = ok(r#"<tsRequest xmlns="http://tableau.com/api">
            <credentials personalAccessTokenName="n" personalAccessTokenSecret="s">
              <site contentUrl="x"/><user id="u"/>
            </credentials></tsRequest>"#);
        assert_eq!(r.impersonate_user_id.as_deref(), Some("u"));
        assert_eq!(r.site_content_url, "x");
        let r = ok(
            r#"<?xml version="1.0"?><tsRequest><credentials jwt="j" isUat="false"><site contentUrl="x"/></credentials></tsRequest>"#,
        );
        assert_eq!(
            r.credentials,
            CredentialFamily::Jwt {
                jwt: "j".into(),
                is_uat: Some(false)
            }
        );
    }

    #[test]
    fn refuses_malformed_and_ambiguous_bodies() {
        err(
            r#"<tsRequest><credentials name="a" password="p" personalAccessTokenName="n" personalAccessTokenSecret="s"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(r#"<tsRequest><credentials name="a"><site contentUrl=""/></credentials></tsRequest>"#);
        err(r#"<tsRequest><credentials name="a" password="p"/></tsRequest>"#);
        err(
            r#"<tsRequest><credentials clientId="a" personalAccessToken="p"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            r#"<tsRequest><credentials name="a" password="p" extra="1"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            r#"<tsRequest><credentials name="a" password="p" name="b"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(r#"<tsRequest><credentials name="a" password="p"><site contentUrl=""/></credentials>"#);
        err(r#"<tsRequest/><tsRequest/>"#);
        err(r#"<!DOCTYPE x [<!ENTITY a "b">]><tsRequest/>"#);
        err(
            r#"<tsRequest><credentials name="a" password="&#1;"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            "<tsRequest><credentials name=\"a\" password=\"\u{1}\"><site contentUrl=\"\"/></credentials></tsRequest>",
        );
        err(
            r#"<tsRequest><credentials jwt="j" isUat="yes"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            r#"<tsRequest>text<credentials name="a" password="p"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            r#"<tsRequest><credentials name="a" password="p"><site contentUrl=""/><site contentUrl=""/></credentials></tsRequest>"#,
        );
        err(
            r#"<other><credentials name="a" password="p"><site contentUrl=""/></credentials></other>"#,
        );
    }

    #[test]
    fn switch_site() {
        let r = parse_switch_site(br#"<tsRequest><site contentUrl="b"/></tsRequest>"#).unwrap();
        assert_eq!(r.content_url, "b");
        assert!(parse_switch_site(br#"<tsRequest><site/></tsRequest>"#).is_err());
    }
}

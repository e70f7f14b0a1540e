//! Content negotiation (docs/protocol.md section 2): the request body format from `Content-Type`, the
//! response format from `Accept`.

use http::HeaderMap;

/// A wire format of the REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `application/xml` (the default).
    Xml,
    /// `application/json`.
    Json,
}

impl Format {
    /// The response format: JSON only when `Accept` asks for `application/json`.
    pub fn from_accept(headers: &HeaderMap) -> Format {
        let asks_json = headers
            .get_all(http::header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let media = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                media.eq_ignore_ascii_case("application/json") && !refused
            });
        if asks_json { Format::Json } else { Format::Xml }
    }

    /// The request body format from `Content-Type` (docs/protocol.md section 2), compared
    /// case-insensitively with its parameters ignored: JSON media types (`application/json`,
    /// `text/json`, `application/*+json`) are JSON; no `Content-Type`, XML media types
    /// (`application/xml`, `text/xml`, `application/*+xml`), `application/x-www-form-urlencoded`
    /// (what PowerShell sends for a string body) and `text/plain` are XML. Anything else —
    /// `multipart/*`, other types, several `Content-Type` headers, a value that is not a media
    /// type — is refused with the value as sent, for the 406000 answer.
    pub fn from_content_type(headers: &HeaderMap) -> Result<Format, UnsupportedMediaType> {
        let mut values = headers.get_all(http::header::CONTENT_TYPE).iter();
        let Some(value) = values.next() else {
            return Ok(Format::Xml);
        };
        let as_sent = || {
            let all: Vec<String> = headers
                .get_all(http::header::CONTENT_TYPE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            UnsupportedMediaType(all.join(", "))
        };
        if values.next().is_some() {
            return Err(as_sent());
        }
        let Ok(text) = value.to_str() else {
            return Err(as_sent());
        };
        let media = text
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let Some((kind, subtype)) = media.split_once('/') else {
            return Err(as_sent());
        };
        match (kind, subtype) {
            ("application", "json") | ("text", "json") => Ok(Format::Json),
            ("application", sub) if sub.ends_with("+json") && sub.len() > 5 => Ok(Format::Json),
            ("application", "xml")
            | ("text", "xml")
            | ("application", "x-www-form-urlencoded")
            | ("text", "plain") => Ok(Format::Xml),
            ("application", sub) if sub.ends_with("+xml") && sub.len() > 4 => Ok(Format::Xml),
            _ => Err(as_sent()),
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml;charset=utf-8",
            Format::Json => "application/json;charset=utf-8",
        }
    }
}

/// A request media type the mock does not read, as the client sent it (406000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsupportedMediaType(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        map
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(Format::from_accept(&HeaderMap::new()), Format::Xml);
        assert_eq!(
            Format::from_accept(&headers("accept", "application/json")),
            Format::Json
        );
        assert_eq!(
            Format::from_accept(&headers("accept", "text/html, Application/JSON; q=0.9")),
            Format::Json
        );
        assert_eq!(
            Format::from_accept(&headers("accept", "application/json;q=0")),
            Format::Xml
        );
        assert_eq!(Format::from_accept(&headers("accept", "*/*")), Format::Xml);
    }

    #[test]
    fn content_type_negotiation() {
        let of = |value: &str| Format::from_content_type(&headers("content-type", value));
        assert_eq!(
            Format::from_content_type(&HeaderMap::new()),
            Ok(Format::Xml)
        );
        for xml in [
            "TEXT/XML; charset=utf-8",
            "application/xml",
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-URLEncoded; charset=utf-8",
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/atom+xml",
        ] {
            assert_eq!(of(xml), Ok(Format::Xml), "{xml}");
        }
        for json in [
            "application/json",
            "APPLICATION/JSON; charset=utf-8",
            "text/json",
            "application/vnd.api+json",
            "application/xml+json",
        ] {
            assert_eq!(of(json), Ok(Format::Json), "{json}");
        }
        for refused in [
            "multipart/form-data; boundary=x",
            "multipart/mixed",
            "application/octet-stream",
            "text/html",
            "xml",
            "application/+json",
            "",
        ] {
            assert_eq!(
                of(refused),
                Err(UnsupportedMediaType(refused.to_owned())),
                "{refused}"
            );
        }
        let mut two = headers("content-type", "application/xml");
        two.append(
            http::header::CONTENT_TYPE,
            "application/json".parse().unwrap(),
        );
        assert_eq!(
            Format::from_content_type(&two),
            Err(UnsupportedMediaType(
                "application/xml, application/json".into()
            ))
        );
    }
}

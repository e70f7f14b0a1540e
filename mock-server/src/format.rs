//! Content negotiation (spec section 2): the request body format from `Content-Type`, the
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

    /// The request body format from `Content-Type`: none means XML (tabcmd sends none);
    /// XML or JSON media types in any case, parameters ignored; anything else is `None`.
    pub fn from_content_type(headers: &HeaderMap) -> Option<Format> {
        let mut values = headers.get_all(http::header::CONTENT_TYPE).iter();
        let Some(value) = values.next() else {
            return Some(Format::Xml);
        };
        if values.next().is_some() {
            return None;
        }
        let value = value.to_str().ok()?;
        let media = value.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/xml") || media.eq_ignore_ascii_case("text/xml") {
            Some(Format::Xml)
        } else if media.eq_ignore_ascii_case("application/json") {
            Some(Format::Json)
        } else {
            None
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
        assert_eq!(
            Format::from_content_type(&HeaderMap::new()),
            Some(Format::Xml)
        );
        assert_eq!(
            Format::from_content_type(&headers("content-type", "TEXT/XML; charset=utf-8")),
            Some(Format::Xml)
        );
        assert_eq!(
            Format::from_content_type(&headers("content-type", "application/json")),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_content_type(&headers("content-type", "text/plain")),
            None
        );
        assert_eq!(
            Format::from_content_type(&headers("content-type", "application/xml+json")),
            None
        );
    }
}

//! A small, tolerant XML reader for server responses: builds a tree of elements keyed by local
//! name (so the current namespace, the old one and none all read the same), keeps attributes
//! and text, ignores everything else. Strictness belongs to the mock server, not the client.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Deeper documents are refused (a response is at most four levels deep).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
}

impl Element {
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

fn start_element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = BTreeMap::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|_| "an attribute is malformed".to_owned())?;
        let key = attribute.key;
        if key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let key = String::from_utf8_lossy(key.local_name().as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|_| "an attribute value has a bad character reference".to_owned())?
            .into_owned();
        attributes.insert(key, value);
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// Parses a document into its root element.
pub(crate) fn parse(body: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        // The parser's own messages quote the document (a damaged sign-in answer's token,
        // say): say where it broke, never what was there.
        let event = reader
            .read_event()
            .map_err(|_| format!("malformed XML at byte {}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err("more than one root element".to_owned());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("the document is nested too deeply".to_owned());
                }
                stack.push(start_element(&start)?);
            }
            Event::Empty(start) => {
                let element = start_element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err("more than one root element".to_owned()),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("unexpected closing tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    let text = text
                        .decode()
                        .map_err(|_| "the text is not valid in its encoding".to_owned())?;
                    current.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = stack.last_mut() {
                    let name = reference
                        .decode()
                        .map_err(|_| "a character reference is malformed".to_owned())?;
                    let reference = format!("&{name};");
                    let resolved = quick_xml::escape::unescape(&reference)
                        .map_err(|_| "a character reference is unknown".to_owned())?;
                    current.text.push_str(&resolved);
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("the document ends before its elements are closed".to_owned());
    }
    root.ok_or_else(|| "no root element".to_owned())
}

//! The query string of a read call: paging (`pageSize`, `pageNumber`), filters
//! (`filter=field:eq:value,...`), sorting (`sort=field:asc|desc,...`) and Query site's `key`,
//! with the error codes of docs/protocol.md sections 12.2 and 12.3. `fields` is accepted and
//! ignored (the Python client sends `fields=_all_`); other parameters are ignored.

use std::cmp::Ordering;
use std::ops::Range;

use crate::error::ApiError;

/// The default `pageSize`.
pub(super) const DEFAULT_PAGE_SIZE: usize = 100;
/// The largest `pageSize` (403014 above).
pub(super) const MAX_PAGE_SIZE: usize = 1000;

/// A field the read side filters or sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// `name`.
    Name,
    /// `siteRole` (users).
    SiteRole,
    /// `projectName` (workbooks, views, data sources).
    ProjectName,
    /// `ownerName` (projects, workbooks, views, data sources).
    OwnerName,
    /// `parentProjectId` (projects).
    ParentProjectId,
}

impl Field {
    fn parse(key: &str) -> Option<Field> {
        match key {
            "name" => Some(Field::Name),
            "siteRole" => Some(Field::SiteRole),
            "projectName" => Some(Field::ProjectName),
            "ownerName" => Some(Field::OwnerName),
            "parentProjectId" => Some(Field::ParentProjectId),
            _ => None,
        }
    }
}

/// The parameters the read side looks at, percent-decoded.
#[derive(Debug, Default)]
pub(super) struct Query {
    page_size: Option<String>,
    page_number: Option<String>,
    filter: Option<String>,
    sort: Option<String>,
    /// Query site's `key` (`id`, `name`, `contentUrl`).
    pub key: Option<String>,
}

/// A path segment with its `%XX` escapes decoded (`+` stays a plus): Query site by name gets
/// `sites/My%20Site?key=name` from the Python client.
pub(super) fn decode_segment(raw: &str) -> String {
    if raw.contains('%') {
        decode_with(raw, false)
    } else {
        raw.to_owned()
    }
}

/// `+` as a space and `%XX` as its byte (a malformed escape stays as written), then UTF-8
/// (invalid sequences replaced).
fn decode(raw: &str) -> String {
    decode_with(raw, true)
}

fn decode_with(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A page of a list: its number and size, and how many items the list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    /// From 1.
    pub number: usize,
    /// 1–1000.
    pub size: usize,
    /// Items in the whole list.
    pub total: usize,
}

impl Page {
    /// The indexes of the page's items in the list.
    pub fn range(&self) -> Range<usize> {
        let start = (self.number - 1).saturating_mul(self.size).min(self.total);
        let end = start.saturating_add(self.size).min(self.total);
        start..end
    }
}

/// The `eq` filters of a request.
#[derive(Debug, Default)]
pub(super) struct Filters {
    eq: Vec<(Field, String)>,
}

impl Filters {
    /// Whether `value` passes every filter on `field` (exact, case-sensitive match).
    pub fn matches(&self, field: Field, value: &str) -> bool {
        self.eq
            .iter()
            .filter(|(f, _)| *f == field)
            .all(|(_, wanted)| wanted == value)
    }

    /// [`Filters::matches`] with the value looked up only when `field` is filtered on
    /// (`None`: the item has no such value, and fails a filter on it).
    pub fn matches_with<'v>(&self, field: Field, value: impl FnOnce() -> Option<&'v str>) -> bool {
        if !self.eq.iter().any(|(f, _)| *f == field) {
            return true;
        }
        value().is_some_and(|value| self.matches(field, value))
    }
}

/// Case-insensitive comparison, then exact, without allocating.
fn compare_names(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
        .then_with(|| a.cmp(b))
}

fn unknown_key() -> ApiError {
    ApiError::invalid_filter(
        "The filter query contains a key which is not recognized for this api version.",
    )
}

fn cut(text: &str) -> String {
    text.chars().take(100).collect()
}

impl Query {
    /// Reads the query string (`None`: no parameters).
    pub fn parse(raw: Option<&str>) -> Query {
        let mut query = Query::default();
        for pair in raw.unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match decode(name).as_str() {
                "pageSize" => &mut query.page_size,
                "pageNumber" => &mut query.page_number,
                "filter" => &mut query.filter,
                "sort" => &mut query.sort,
                "key" => &mut query.key,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(decode(value));
            }
        }
        query
    }

    /// The page asked for in a list of `total` items: `pageSize` not an integer or below 1 →
    /// 400007, above 1000 → 403014; `pageNumber` not an integer, below 1 or past the last page
    /// (`max(1, ceil(total / pageSize))`) → 400006.
    pub fn page(&self, total: usize) -> Result<Page, ApiError> {
        let size = match self.page_size.as_deref() {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(size) if size < 1 => return Err(ApiError::invalid_page_size()),
                Ok(size) if size > MAX_PAGE_SIZE as i64 => {
                    return Err(ApiError::page_size_limit());
                }
                Ok(size) => usize::try_from(size).map_err(|_| ApiError::invalid_page_size())?,
                Err(_) => return Err(ApiError::invalid_page_size()),
            },
        };
        let number = match self.page_number.as_deref() {
            None => 1,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(number) if number >= 1 => {
                    usize::try_from(number).map_err(|_| ApiError::invalid_page_number(text))?
                }
                _ => return Err(ApiError::invalid_page_number(text)),
            },
        };
        let last = total.div_ceil(size).max(1);
        if number > last {
            return Err(ApiError::invalid_page_number(&number.to_string()));
        }
        Ok(Page {
            number,
            size,
            total,
        })
    }

    /// The filters, each `field:eq:value` with `field` among `allowed`: an unknown field →
    /// 400065 (real wording); a missing value → 400065 (real wording); another operator →
    /// 400065 naming it (a decision: no public output found).
    pub fn check_filter(&self, allowed: &[Field]) -> Result<Filters, ApiError> {
        let mut filters = Filters::default();
        let Some(filter) = self.filter.as_deref() else {
            return Ok(filters);
        };
        for expression in filter.split(',') {
            let mut parts = expression.splitn(3, ':');
            let key = parts.next().unwrap_or_default();
            let field = Field::parse(key)
                .filter(|field| allowed.contains(field))
                .ok_or_else(unknown_key)?;
            let operator = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            if operator.is_empty() || value.is_empty() {
                return Err(ApiError::invalid_filter(format!(
                    "The filter query is missing a value for key '{key}'."
                )));
            }
            if operator != "eq" {
                return Err(ApiError::invalid_filter(format!(
                    "The filter operator '{}' is not supported for key '{key}'.",
                    cut(operator)
                )));
            }
            filters.eq.push((field, value.to_owned()));
        }
        Ok(filters)
    }

    /// Sorts `items` by the request's `sort` (`field:asc|desc`, several separated by commas;
    /// names compare case-insensitively), leaving the order as it is without one. A field not
    /// among `allowed`, or a direction other than `asc`/`desc` → 400065 (a decision: no public
    /// output found).
    pub fn sort<T>(
        &self,
        items: &mut [T],
        allowed: &[Field],
        key: impl for<'x> Fn(&'x T, Field) -> &'x str,
    ) -> Result<(), ApiError> {
        let Some(sort) = self.sort.as_deref() else {
            return Ok(());
        };
        let mut keys = Vec::new();
        for expression in sort.split(',') {
            let (name, direction) = expression.split_once(':').unwrap_or((expression, ""));
            let field = Field::parse(name)
                .filter(|field| allowed.contains(field))
                .ok_or_else(|| {
                    ApiError::invalid_filter(
                        "The sort query contains a key which is not recognized for this api version.",
                    )
                })?;
            let descending = match direction {
                "asc" => false,
                "desc" => true,
                other => {
                    return Err(ApiError::invalid_filter(format!(
                        "The sort direction '{}' is not valid for key '{name}': use asc or desc.",
                        cut(other)
                    )));
                }
            };
            keys.push((field, descending));
        }
        items.sort_by(|a, b| {
            keys.iter()
                .map(|&(field, descending)| {
                    let order = compare_names(key(a, field), key(b, field));
                    if descending { order.reverse() } else { order }
                })
                .find(|order| order.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_a_form() {
        assert_eq!(decode("a+b%3Ac%2"), "a b:c%2");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("%C3%A9"), "é");
        assert_eq!(decode_segment("Ops%20%26+Co"), "Ops &+Co");
        let query = Query::parse(Some("filter=name%3Aeq%3AMy+Book&pageSize=5&fields=_all_&x"));
        assert_eq!(query.filter.as_deref(), Some("name:eq:My Book"));
        assert_eq!(query.page_size.as_deref(), Some("5"));
    }

    #[test]
    fn pages() {
        let page = |size: &str, number: &str, total| {
            Query::parse(Some(&format!("pageSize={size}&pageNumber={number}"))).page(total)
        };
        assert_eq!(page("2", "2", 3).unwrap().range(), 2..3);
        assert_eq!(page("2", "1", 0).unwrap().range(), 0..0);
        assert_eq!(page("2", "3", 3).unwrap_err().code, "400006");
        assert_eq!(page("2", "0", 3).unwrap_err().code, "400006");
        assert_eq!(page("2", "x", 3).unwrap_err().code, "400006");
        assert_eq!(page("0", "1", 3).unwrap_err().code, "400007");
        assert_eq!(page("1.5", "1", 3).unwrap_err().code, "400007");
        assert_eq!(page("1001", "1", 3).unwrap_err().code, "403014");
        assert_eq!(page("1000", "1", 3).unwrap().size, 1000);
        assert_eq!(Query::parse(None).page(250).unwrap().range(), 0..100);
    }
}

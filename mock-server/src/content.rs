//! The content of a site: projects, workbooks with their views, and data sources
//! (docs/protocol.md section 12). It lives in the [`Directory`](crate::directory::Directory),
//! so a reset restores it with the rest of the seed data.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;

/// An item's list entry as rendered the first time it is listed, per format (XML element,
/// JSON object). What it shows never changes once the item exists (the mock renames nothing),
/// so a page of 100 workbooks is 100 copies rather than 100 renderings.
#[derive(Clone, Default)]
pub struct Rendered {
    /// The XML element.
    pub xml: OnceLock<Box<str>>,
    /// The JSON object.
    pub json: OnceLock<Box<str>>,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rendered")
    }
}

/// A cache is not part of an item's value.
impl PartialEq for Rendered {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Rendered {}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// LUID.
    pub id: Arc<str>,
    /// Name (unique under its parent).
    pub name: String,
    /// Description.
    pub description: String,
    /// LUID of the parent project; `None` at the top level.
    pub parent_id: Option<Arc<str>>,
    /// Owner's user LUID, when the project has one.
    pub owner_id: Option<Arc<str>>,
    /// Creation time (virtual clock).
    pub created_at: OffsetDateTime,
    /// Last update time (virtual clock).
    pub updated_at: OffsetDateTime,
}

/// A view (sheet) of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// LUID.
    pub id: Arc<str>,
    /// Name.
    pub name: String,
    /// `{workbook contentUrl}/sheets/{sheet}`.
    pub content_url: String,
}

/// A workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workbook {
    /// LUID.
    pub id: Arc<str>,
    /// Name (unique in its project).
    pub name: String,
    /// Description.
    pub description: String,
    /// URL name, unique on the site.
    pub content_url: String,
    /// LUID of its project.
    pub project_id: Arc<str>,
    /// Owner's user LUID.
    pub owner_id: Arc<str>,
    /// Its views, in order.
    pub views: Vec<View>,
    /// Creation time (virtual clock).
    pub created_at: OffsetDateTime,
    /// Last update time (virtual clock).
    pub updated_at: OffsetDateTime,
    /// Its entry in Query workbooks for site, once rendered.
    pub rendered: Rendered,
}

/// A published data source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// LUID.
    pub id: Arc<str>,
    /// Name (unique in its project).
    pub name: String,
    /// Description.
    pub description: String,
    /// URL name, unique on the site.
    pub content_url: String,
    /// LUID of its project.
    pub project_id: Arc<str>,
    /// Owner's user LUID.
    pub owner_id: Arc<str>,
    /// Creation time (virtual clock).
    pub created_at: OffsetDateTime,
    /// Last update time (virtual clock).
    pub updated_at: OffsetDateTime,
    /// Its entry in Query data sources, once rendered.
    pub rendered: Rendered,
}

/// The content of one site, each kind in creation order, with the indexes that keep adding
/// and looking up cheap at 100,000 items.
#[derive(Debug, Clone, Default)]
pub struct SiteContent {
    /// Projects.
    pub projects: Vec<Project>,
    /// Workbooks.
    pub workbooks: Vec<Workbook>,
    /// Data sources.
    pub datasources: Vec<DataSource>,
    workbook_index: HashMap<Arc<str>, usize>,
    datasource_index: HashMap<Arc<str>, usize>,
    /// (project LUID, lower-cased name) of workbooks.
    workbook_names: HashSet<(Arc<str>, String)>,
    /// (project LUID, lower-cased name) of data sources.
    datasource_names: HashSet<(Arc<str>, String)>,
    /// Content URLs in use by workbooks (lower-cased).
    workbook_urls: HashSet<String>,
    /// Content URLs in use by data sources (lower-cased).
    datasource_urls: HashSet<String>,
}

/// The URL name Tableau derives from a display name: letters, digits, `-` and `_` kept,
/// everything else dropped (`Sample - Superstore` → `Sample-Superstore`); `fallback` when
/// nothing is left.
pub fn url_name(name: &str, fallback: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if kept.is_empty() {
        fallback.to_owned()
    } else {
        kept
    }
}

/// `base`, or `base_1`, `base_2`, … : the first one `taken` does not hold (lower-cased).
fn unique(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base.to_lowercase()) {
        return base;
    }
    (1u64..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| !taken(&candidate.to_lowercase()))
        .unwrap_or(base)
}

impl SiteContent {
    /// Project by LUID.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| &*p.id == id)
    }

    /// The project named `name` (case-insensitively): a top-level one first, else the first
    /// created.
    pub fn project_by_name(&self, name: &str) -> Option<&Project> {
        let lower = name.to_lowercase();
        let mut matching = self
            .projects
            .iter()
            .filter(|p| p.name.to_lowercase() == lower);
        let first = matching.next()?;
        if first.parent_id.is_none() {
            return Some(first);
        }
        matching.find(|p| p.parent_id.is_none()).or(Some(first))
    }

    /// Whether a project named `name` exists under `parent` (case-insensitively).
    pub fn project_exists(&self, name: &str, parent: Option<&str>) -> bool {
        let lower = name.to_lowercase();
        self.projects
            .iter()
            .any(|p| p.parent_id.as_deref() == parent && p.name.to_lowercase() == lower)
    }

    /// Workbook by LUID.
    pub fn workbook(&self, id: &str) -> Option<&Workbook> {
        self.workbook_index
            .get(id)
            .and_then(|&i| self.workbooks.get(i))
    }

    /// Data source by LUID.
    pub fn datasource(&self, id: &str) -> Option<&DataSource> {
        self.datasource_index
            .get(id)
            .and_then(|&i| self.datasources.get(i))
    }

    /// Whether a workbook named `name` is in project `project_id`.
    pub fn workbook_exists(&self, project_id: &str, name: &str) -> bool {
        self.workbook_names
            .contains(&(Arc::from(project_id), name.to_lowercase()))
    }

    /// Whether a data source named `name` is in project `project_id`.
    pub fn datasource_exists(&self, project_id: &str, name: &str) -> bool {
        self.datasource_names
            .contains(&(Arc::from(project_id), name.to_lowercase()))
    }

    /// A content URL for a new workbook named `name`, unique on the site.
    pub fn workbook_url(&self, name: &str) -> String {
        unique(url_name(name, "workbook"), |url| {
            self.workbook_urls.contains(url)
        })
    }

    /// A content URL for a new data source named `name`, unique on the site.
    pub fn datasource_url(&self, name: &str) -> String {
        unique(url_name(name, "datasource"), |url| {
            self.datasource_urls.contains(url)
        })
    }

    /// Adds a project (checked by the caller).
    pub fn add_project(&mut self, project: Project) {
        self.projects.push(project);
    }

    /// Adds a workbook (checked by the caller).
    pub fn add_workbook(&mut self, workbook: Workbook) {
        self.workbook_index
            .insert(Arc::clone(&workbook.id), self.workbooks.len());
        self.workbook_names.insert((
            Arc::clone(&workbook.project_id),
            workbook.name.to_lowercase(),
        ));
        self.workbook_urls
            .insert(workbook.content_url.to_lowercase());
        self.workbooks.push(workbook);
    }

    /// Adds a data source (checked by the caller).
    pub fn add_datasource(&mut self, datasource: DataSource) {
        self.datasource_index
            .insert(Arc::clone(&datasource.id), self.datasources.len());
        self.datasource_names.insert((
            Arc::clone(&datasource.project_id),
            datasource.name.to_lowercase(),
        ));
        self.datasource_urls
            .insert(datasource.content_url.to_lowercase());
        self.datasources.push(datasource);
    }

    /// Whether a LUID is used by any item of the site.
    pub fn id_in_use(&self, id: &str) -> bool {
        self.workbook_index.contains_key(id)
            || self.datasource_index.contains_key(id)
            || self.projects.iter().any(|p| &*p.id == id)
            || self
                .workbooks
                .iter()
                .any(|w| w.views.iter().any(|v| &*v.id == id))
    }
}

/// View content URLs of a workbook: `{workbook}/sheets/{sheet}`, unique in the workbook.
pub fn view_urls(workbook_url: &str, names: &[String]) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    names
        .iter()
        .map(|name| {
            let sheet = unique(url_name(name, "sheet"), |s| seen.contains(s));
            seen.insert(sheet.to_lowercase());
            format!("{workbook_url}/sheets/{sheet}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_names() {
        assert_eq!(url_name("Sample - Superstore", "x"), "Sample-Superstore");
        assert_eq!(url_name("Ünï cödé!", "x"), "ncd");
        assert_eq!(url_name("!!!", "workbook"), "workbook");
        assert_eq!(
            view_urls("Superstore", &["Over view".into(), "Overview".into()]),
            ["Superstore/sheets/Overview", "Superstore/sheets/Overview_1"]
        );
    }
}

//! The read side's bodies (docs/protocol.md section 12.5). Each item is built once as an
//! [`El`] (attributes and child elements) and written as XML (`<workbook id="…">…`) or as
//! Tableau's JSON (`{"workbook":{"id":"…",…}}`, lists as `{"workbooks":{"workbook":[…]}}`,
//! an empty list as `{}`, every value a string).

use std::borrow::Cow;

use super::query::Page;
use crate::clock::rfc3339;
use crate::content::{DataSource, Project, Rendered, SiteContent, View, Workbook};
use crate::directory::{Directory, Site, User};
use crate::format::Format;
use crate::render::{XML_ENVELOPE_CLOSE, push_attribute, push_xml_envelope_open};
use crate::version::ApiVersion;

/// An element: attributes and children. A `list` element holds children of one name: JSON
/// writes it as `{"child":[…]}` (`{}` when empty).
struct El<'a> {
    name: &'static str,
    attrs: Vec<(&'static str, Cow<'a, str>)>,
    children: Vec<El<'a>>,
    list: bool,
}

impl<'a> El<'a> {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
            list: false,
        }
    }

    fn list(name: &'static str, children: Vec<El<'a>>) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            children,
            list: true,
        }
    }

    fn attr(mut self, key: &'static str, value: impl Into<Cow<'a, str>>) -> Self {
        self.attrs.push((key, value.into()));
        self
    }

    fn child(mut self, child: El<'a>) -> Self {
        self.children.push(child);
        self
    }

    fn xml(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        for (key, value) in &self.attrs {
            push_attribute(out, key, value);
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            child.xml(out);
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push('>');
    }

    /// The element's value in JSON (without its name).
    fn json(&self, out: &mut String) {
        if self.list {
            out.push('{');
            if let Some(first) = self.children.first() {
                push_json_string(out, first.name);
                out.push_str(":[");
                for (i, child) in self.children.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    child.json(out);
                }
                out.push(']');
            }
            out.push('}');
            return;
        }
        out.push('{');
        let mut first = true;
        for (key, value) in &self.attrs {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_string(out, key);
            out.push(':');
            push_json_string(out, value);
        }
        for child in &self.children {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_string(out, child.name);
            out.push(':');
            child.json(out);
        }
        out.push('}');
    }
}

/// Appends a JSON string literal.
fn push_json_string(out: &mut String, value: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn time<'a>(at: time::OffsetDateTime) -> Cow<'a, str> {
    Cow::Owned(rfc3339(at))
}

/// Writes the read side's answers in one format.
pub(super) struct Renderer<'d> {
    format: Format,
    version: ApiVersion,
    dir: &'d Directory,
}

impl<'d> Renderer<'d> {
    pub fn new(format: Format, version: ApiVersion, dir: &'d Directory) -> Self {
        Self {
            format,
            version,
            dir,
        }
    }

    /// A single item: `<tsResponse><item/></tsResponse>` or `{"item":{…}}`.
    fn one(&self, item: &El<'_>) -> String {
        let mut out = String::with_capacity(1024);
        match self.format {
            Format::Xml => {
                push_xml_envelope_open(&mut out, self.version);
                item.xml(&mut out);
                out.push_str(XML_ENVELOPE_CLOSE);
            }
            Format::Json => {
                out.push('{');
                push_json_string(&mut out, item.name);
                out.push(':');
                item.json(&mut out);
                out.push('}');
            }
        }
        out
    }

    /// A list, with its pagination when it is paged.
    fn list(&self, page: Option<&Page>, plural: &'static str, items: Vec<El<'_>>) -> String {
        let mut out = String::with_capacity(1024 + items.len() * 512);
        let pagination = page.map(|page| {
            El::new("pagination")
                .attr("pageNumber", page.number.to_string())
                .attr("pageSize", page.size.to_string())
                .attr("totalAvailable", page.total.to_string())
        });
        let list = El::list(plural, items);
        match self.format {
            Format::Xml => {
                push_xml_envelope_open(&mut out, self.version);
                if let Some(pagination) = &pagination {
                    pagination.xml(&mut out);
                }
                // An empty list is `<workbooks/>`.
                list.xml(&mut out);
                out.push_str(XML_ENVELOPE_CLOSE);
            }
            Format::Json => {
                out.push('{');
                if let Some(pagination) = &pagination {
                    push_json_string(&mut out, "pagination");
                    out.push(':');
                    pagination.json(&mut out);
                    out.push(',');
                }
                push_json_string(&mut out, plural);
                out.push(':');
                list.json(&mut out);
                out.push('}');
            }
        }
        out
    }

    /// A paged list of items whose entries are cached ([`Rendered`]): each entry is rendered
    /// the first time it is listed and copied afterwards.
    fn list_cached<'i, T: 'i>(
        &self,
        page: &Page,
        plural: &'static str,
        singular: &'static str,
        items: impl ExactSizeIterator<Item = &'i T>,
        cache: impl Fn(&'i T) -> &'i Rendered,
        element: impl Fn(&'i T) -> El<'i>,
    ) -> String {
        let mut out = String::with_capacity(1024 + items.len() * 512);
        let pagination = El::new("pagination")
            .attr("pageNumber", page.number.to_string())
            .attr("pageSize", page.size.to_string())
            .attr("totalAvailable", page.total.to_string());
        let mut items = items.peekable();
        match self.format {
            Format::Xml => {
                push_xml_envelope_open(&mut out, self.version);
                pagination.xml(&mut out);
                if items.peek().is_none() {
                    out.push('<');
                    out.push_str(plural);
                    out.push_str("/>");
                } else {
                    out.push('<');
                    out.push_str(plural);
                    out.push('>');
                    for item in items {
                        out.push_str(cache(item).xml.get_or_init(|| {
                            let mut xml = String::new();
                            element(item).xml(&mut xml);
                            xml.into_boxed_str()
                        }));
                    }
                    out.push_str("</");
                    out.push_str(plural);
                    out.push('>');
                }
                out.push_str(XML_ENVELOPE_CLOSE);
            }
            Format::Json => {
                out.push_str("{\"pagination\":");
                pagination.json(&mut out);
                out.push(',');
                push_json_string(&mut out, plural);
                out.push_str(":{");
                if items.peek().is_some() {
                    push_json_string(&mut out, singular);
                    out.push_str(":[");
                    for (i, item) in items.enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(cache(item).json.get_or_init(|| {
                            let mut json = String::new();
                            element(item).json(&mut json);
                            json.into_boxed_str()
                        }));
                    }
                    out.push(']');
                }
                out.push_str("}}");
            }
        }
        out
    }

    fn site_el<'a>(&self, site: &'a Site) -> El<'a> {
        El::new("site")
            .attr("id", &*site.id)
            .attr("name", site.name.as_str())
            .attr("contentUrl", site.content_url.as_str())
            .attr("adminMode", "ContentAndUsers")
            .attr("state", "Active")
    }

    pub fn sites(&self, page: &Page, sites: &[&Site]) -> String {
        let items = sites.iter().map(|site| self.site_el(site)).collect();
        self.list(Some(page), "sites", items)
    }

    pub fn site(&self, site: &Site) -> String {
        self.one(&self.site_el(site))
    }

    pub fn users(&self, page: &Page, users: &[&User]) -> String {
        let items = users
            .iter()
            .map(|user| {
                let mut el = El::new("user")
                    .attr("id", &*user.id)
                    .attr("name", user.name.as_str())
                    .attr("siteRole", user.site_role.as_str());
                if let Some(last_login) = user.last_login {
                    el = el.attr("lastLogin", time(last_login));
                }
                el.attr("externalAuthUserId", "")
                    .attr("fullName", user.full_name.as_str())
                    .attr("email", user.email.as_str())
                    .attr("authSetting", "ServerDefault")
            })
            .collect();
        self.list(Some(page), "users", items)
    }

    fn owner<'a>(&'a self, id: &'a str) -> El<'a> {
        let el = El::new("owner").attr("id", id);
        match self.dir.users.get(id) {
            Some(user) => el.attr("name", user.name.as_str()),
            None => el,
        }
    }

    fn project_ref<'a>(content: &'a SiteContent, id: &'a str) -> El<'a> {
        let el = El::new("project").attr("id", id);
        match content.project(id) {
            Some(project) => el.attr("name", project.name.as_str()),
            None => el,
        }
    }

    pub fn projects(&self, page: &Page, projects: &[&Project]) -> String {
        let items = projects
            .iter()
            .map(|project| {
                let mut el = El::new("project")
                    .attr("id", &*project.id)
                    .attr("name", project.name.as_str())
                    .attr("description", project.description.as_str())
                    .attr("contentPermissions", "ManagedByOwner");
                if let Some(parent) = &project.parent_id {
                    el = el.attr("parentProjectId", &**parent);
                }
                el = el
                    .attr("createdAt", time(project.created_at))
                    .attr("updatedAt", time(project.updated_at));
                if let Some(owner) = &project.owner_id {
                    el = el.child(self.owner(owner));
                }
                el
            })
            .collect();
        self.list(Some(page), "projects", items)
    }

    fn view_el<'a>(view: &'a View, workbook: &'a Workbook) -> El<'a> {
        El::new("view")
            .attr("id", &*view.id)
            .attr("name", view.name.as_str())
            .attr("contentUrl", view.content_url.as_str())
            .attr("createdAt", time(workbook.created_at))
            .attr("updatedAt", time(workbook.updated_at))
            .attr(
                "viewUrlName",
                view.content_url.rsplit('/').next().unwrap_or_default(),
            )
    }

    fn workbook_el<'a>(
        &'a self,
        content: &'a SiteContent,
        workbook: &'a Workbook,
        with_views: bool,
    ) -> El<'a> {
        let mut el = El::new("workbook")
            .attr("id", &*workbook.id)
            .attr("name", workbook.name.as_str())
            .attr("description", workbook.description.as_str())
            .attr("contentUrl", workbook.content_url.as_str())
            .attr("showTabs", "true")
            .attr("size", "1")
            .attr("createdAt", time(workbook.created_at))
            .attr("updatedAt", time(workbook.updated_at))
            .child(Self::project_ref(content, &workbook.project_id))
            .child(self.owner(&workbook.owner_id))
            .child(El::new("tags"));
        if with_views {
            let views = workbook
                .views
                .iter()
                .map(|view| Self::view_el(view, workbook))
                .collect();
            el = el.child(El::list("views", views));
        }
        el
    }

    pub fn workbooks(&self, content: &SiteContent, page: &Page, workbooks: &[&Workbook]) -> String {
        self.list_cached(
            page,
            "workbooks",
            "workbook",
            workbooks.iter().copied(),
            |workbook| &workbook.rendered,
            |workbook| self.workbook_el(content, workbook, false),
        )
    }

    pub fn workbook(&self, content: &SiteContent, workbook: &Workbook) -> String {
        self.one(&self.workbook_el(content, workbook, true))
    }

    /// Query views for workbook: not paged (no `<pagination>`).
    pub fn workbook_views(&self, workbook: &Workbook) -> String {
        let items = workbook
            .views
            .iter()
            .map(|view| Self::view_el(view, workbook).child(El::new("tags")))
            .collect();
        self.list(None, "views", items)
    }

    pub fn views(&self, page: &Page, views: &[(&Workbook, &View)]) -> String {
        let items = views
            .iter()
            .map(|(workbook, view)| {
                Self::view_el(view, workbook)
                    .child(El::new("workbook").attr("id", &*workbook.id))
                    .child(El::new("owner").attr("id", &*workbook.owner_id))
                    .child(El::new("project").attr("id", &*workbook.project_id))
                    .child(El::new("tags"))
            })
            .collect();
        self.list(Some(page), "views", items)
    }

    fn datasource_el<'a>(&'a self, content: &'a SiteContent, datasource: &'a DataSource) -> El<'a> {
        El::new("datasource")
            .attr("id", &*datasource.id)
            .attr("name", datasource.name.as_str())
            .attr("description", datasource.description.as_str())
            .attr("contentUrl", datasource.content_url.as_str())
            .attr("type", "hyper")
            .attr("createdAt", time(datasource.created_at))
            .attr("updatedAt", time(datasource.updated_at))
            .attr("isCertified", "false")
            .attr("encryptExtracts", "false")
            .attr("hasExtracts", "false")
            .attr("useRemoteQueryAgent", "false")
            .child(Self::project_ref(content, &datasource.project_id))
            .child(self.owner(&datasource.owner_id))
            .child(El::new("tags"))
    }

    pub fn datasources(
        &self,
        content: &SiteContent,
        page: &Page,
        datasources: &[&DataSource],
    ) -> String {
        self.list_cached(
            page,
            "datasources",
            "datasource",
            datasources.iter().copied(),
            |datasource| &datasource.rendered,
            |datasource| self.datasource_el(content, datasource),
        )
    }

    pub fn datasource(&self, content: &SiteContent, datasource: &DataSource) -> String {
        self.one(&self.datasource_el(content, datasource))
    }
}

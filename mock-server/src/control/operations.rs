//! What each control call does to the running state: the directory edits under its lock, and
//! the sessions, clock, faults and request log they touch. The HTTP handlers and
//! [`MockServer`](crate::MockServer)'s helpers both call these.

use std::time::Duration;

use super::edits::{self, NewContent, NewUser, SiteSpec};
use super::error::ControlError;
use super::wire;
use crate::faults::Fault;
use crate::state::AppState;
use crate::stubs::{Stub, StubCreated, StubDetails, StubInfo};
use crate::types::{
    ConnectedApp, DataSourceInfo, PatInfo, ProjectInfo, RecordedRequest, SessionInfo, SiteInfo,
    UatConfig, UatConfigInfo, UserInfo, WorkbookInfo,
};

impl AppState {
    /// Creates a site (`POST /_mock/sites`), with the flavour's PAT lifetime unless
    /// `pat_lifetime_days` is given.
    pub(crate) fn create_site(
        &self,
        content_url: &str,
        name: &str,
        pat_lifetime_days: Option<u32>,
    ) -> Result<SiteInfo, ControlError> {
        let mut dir = self.write_directory();
        edits::add_site(
            &mut dir,
            &self.inner.ids,
            self.flavor(),
            SiteSpec {
                content_url,
                name,
                id: None,
                pat_lifetime_days,
            },
        )
    }

    /// Creates a user (`POST /_mock/users`).
    pub(crate) fn create_user(
        &self,
        site: &str,
        name: &str,
        password: Option<&str>,
        site_role: &str,
    ) -> Result<UserInfo, ControlError> {
        let mut dir = self.write_directory();
        edits::add_user(
            &mut dir,
            &self.inner.ids,
            NewUser {
                site,
                name,
                password,
                site_role,
                ..NewUser::default()
            },
        )
    }

    /// Creates a PAT (`POST /_mock/tokens`); its secret is shown only here.
    pub(crate) fn create_pat(
        &self,
        site: &str,
        user: &str,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> Result<PatInfo, ControlError> {
        let now = self.now();
        let mut dir = self.write_directory();
        edits::add_pat(
            &mut dir,
            &self.inner.ids,
            self.flavor(),
            now,
            site,
            user,
            name,
            None,
            expires_in_days,
        )
    }

    /// Revokes a PAT and ends its live session (`POST /_mock/tokens/revoke`).
    pub(crate) fn revoke_pat(
        &self,
        site: &str,
        user: &str,
        name: &str,
    ) -> Result<(), ControlError> {
        let mut dir = self.write_directory();
        let pat_id = edits::revoke_pat(&mut dir, site, user, name)?;
        self.inner.sessions.remove_by_pat(&pat_id);
        Ok(())
    }

    /// Registers a connected app secret (`POST /_mock/connected-apps`).
    pub(crate) fn create_connected_app(&self, app: &ConnectedApp) -> Result<(), ControlError> {
        let mut dir = self.write_directory();
        edits::add_app(&mut dir, app)
    }

    /// Registers a unified access token configuration (`POST /_mock/uat-configs`).
    pub(crate) fn create_uat_config(
        &self,
        config: &UatConfig,
    ) -> Result<UatConfigInfo, ControlError> {
        let mut dir = self.write_directory();
        edits::add_uat(&mut dir, config)
    }

    /// Creates a project (`POST /_mock/projects`).
    pub(crate) fn create_project(
        &self,
        new: &wire::NewProject,
    ) -> Result<ProjectInfo, ControlError> {
        let now = self.now();
        let mut dir = self.write_directory();
        edits::add_project(
            &mut dir,
            &self.inner.ids,
            now,
            edits::NewProject {
                site: &new.site,
                name: &new.name,
                description: new.description.as_deref(),
                parent: new.parent.as_deref(),
                owner: new.owner.as_deref(),
                id: None,
            },
        )
    }

    /// Creates a workbook with its views (`POST /_mock/workbooks`).
    pub(crate) fn create_workbook(
        &self,
        new: &wire::NewWorkbook,
    ) -> Result<WorkbookInfo, ControlError> {
        let now = self.now();
        let mut dir = self.write_directory();
        edits::add_workbook(
            &mut dir,
            &self.inner.ids,
            now,
            NewContent {
                site: &new.site,
                project: &new.project,
                name: &new.name,
                owner: &new.owner,
                description: new.description.as_deref(),
                id: None,
            },
            new.views.as_deref().unwrap_or_default(),
        )
    }

    /// Creates a data source (`POST /_mock/datasources`).
    pub(crate) fn create_datasource(
        &self,
        new: &wire::NewDataSource,
    ) -> Result<DataSourceInfo, ControlError> {
        let now = self.now();
        let mut dir = self.write_directory();
        edits::add_datasource(
            &mut dir,
            &self.inner.ids,
            now,
            NewContent {
                site: &new.site,
                project: &new.project,
                name: &new.name,
                owner: &new.owner,
                description: new.description.as_deref(),
                id: None,
            },
        )
    }

    /// Moves the virtual clock forward.
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// Offset of the virtual clock from its base, in whole seconds.
    pub(crate) fn clock_offset_seconds(&self) -> i64 {
        self.inner.clock.offset_seconds()
    }

    /// Registers a fault (`POST /_mock/faults`).
    pub(crate) fn inject_fault(&self, fault: Fault) -> Result<(), ControlError> {
        fault.validate().map_err(ControlError::BadRequest)?;
        self.inner.faults.add(fault);
        Ok(())
    }

    /// The request log, oldest first.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.log.snapshot()
    }

    /// The live sessions (`GET /_mock/sessions`), oldest first, never a token. Sessions idle
    /// past the limit are left out (their tokens get 401002).
    pub(crate) fn sessions(&self) -> Vec<SessionInfo> {
        let now = self.now_nanos();
        let store = &self.inner.sessions;
        let mut sessions = store.snapshot();
        sessions.retain(|session| !store.is_expired(session, now));
        sessions.sort_by_key(|session| session.created_sequence());
        let dir = self.read_directory();
        let at = |nanos: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        };
        sessions
            .iter()
            .map(|session| SessionInfo {
                id: session.id.hyphenated().to_string(),
                site: dir
                    .site_by_id(&session.site_id)
                    .map(|site| site.content_url.clone())
                    .unwrap_or_default(),
                user: dir
                    .users
                    .get(&*session.user_id)
                    .map(|user| user.name.clone())
                    .unwrap_or_default(),
                credential: session.family.label().to_owned(),
                created_at: at(session.created_nanos),
                last_used_at: at(session.last_used_nanos()),
            })
            .collect()
    }

    /// Registers a stub (`POST /_mock/stubs`); 400 with the reason when it is invalid.
    pub(crate) fn add_stub(&self, stub: Stub) -> Result<StubCreated, ControlError> {
        let entry = self
            .inner
            .stubs
            .add(stub)
            .map_err(ControlError::BadRequest)?;
        Ok(StubCreated {
            id: entry.id.clone(),
        })
    }

    /// The registered stubs, oldest first, with their call counts (`GET /_mock/stubs`).
    pub(crate) fn stubs(&self) -> Vec<StubInfo> {
        self.inner.stubs.list().iter().map(|e| e.info()).collect()
    }

    /// One stub with the requests it answered (`GET /_mock/stubs/{id}`).
    pub(crate) fn stub(&self, id: &str) -> Result<StubDetails, ControlError> {
        self.inner
            .stubs
            .get(id)
            .map(|entry| entry.details())
            .ok_or_else(|| ControlError::NotFound(format!("no stub '{id}'")))
    }

    /// Removes a stub (`DELETE /_mock/stubs/{id}`); its expectation is not checked.
    pub(crate) fn remove_stub(&self, id: &str) -> Result<(), ControlError> {
        self.inner
            .stubs
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| ControlError::NotFound(format!("no stub '{id}'")))
    }

    /// The unmet expectations of the stubs (all, or the one `only`), with the most recent
    /// requests the server received; `None` when every expectation is met.
    pub(crate) fn unmet_expectations(&self, only: Option<&str>) -> Option<String> {
        let entries = match only {
            Some(id) => self.inner.stubs.get(id).into_iter().collect(),
            None => self.inner.stubs.list(),
        };
        self.describe_unmet(entries.iter().filter_map(|e| e.unmet_expectation()))
    }

    /// The failure message for `unmet` expectations (`None` when there is none).
    pub(crate) fn describe_unmet(&self, unmet: impl Iterator<Item = String>) -> Option<String> {
        let unmet: Vec<String> = unmet.collect();
        if unmet.is_empty() {
            return None;
        }
        let mut message = format!(
            "mock server: {} stub expectation(s) not met:\n",
            unmet.len()
        );
        for failure in &unmet {
            message.push_str("- ");
            message.push_str(failure);
            message.push('\n');
        }
        let recent = self.requests();
        if recent.is_empty() {
            message.push_str("the server received no request (or its request log is off)");
        } else {
            message.push_str("the most recent requests the server received (oldest first):");
            for request in recent.iter().rev().take(20).rev() {
                let status = request
                    .status
                    .map_or_else(|| "dropped".to_owned(), |s| s.to_string());
                message.push_str(&format!(
                    "\n    {} {} -> {status}",
                    request.method, request.path
                ));
            }
        }
        Some(message)
    }
}

//! [`SessionManagerBuilder`]: the session manager's settings.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth_core::AuthProvider;

use crate::client::Client;
use crate::error::Error;
use crate::manager::{SessionManager, as_millis};

#[derive(Debug, Clone)]
pub(crate) struct ManagerConfig {
    pub(crate) session_lifetime: Duration,
    pub(crate) refresh_buffer: Duration,
    pub(crate) pat_expiry_warning: Duration,
    pub(crate) max_supersessions: u32,
    pub(crate) supersession_window: Duration,
}

impl ManagerConfig {
    pub(crate) fn lifetime_ms(&self) -> u64 {
        as_millis(self.session_lifetime)
    }

    pub(crate) fn refresh_after_ms(&self) -> u64 {
        as_millis(self.session_lifetime.saturating_sub(self.refresh_buffer))
    }

    pub(crate) fn pat_in_use_error(&self) -> Error {
        Error::PatInUseElsewhere {
            supersessions: self.max_supersessions,
            window: self.supersession_window,
        }
    }
}

/// Configures a [`SessionManager`]. Start with [`SessionManager::builder`].
#[derive(Debug)]
#[must_use]
pub struct SessionManagerBuilder {
    client: Client,
    provider: Arc<dyn AuthProvider>,
    config: ManagerConfig,
}

impl SessionManagerBuilder {
    pub(crate) fn new(client: Client, provider: Arc<dyn AuthProvider>) -> Self {
        SessionManagerBuilder {
            client,
            provider,
            config: ManagerConfig {
                session_lifetime: Duration::from_secs(240 * 60),
                refresh_buffer: Duration::from_secs(5 * 60),
                pat_expiry_warning: Duration::from_secs(14 * 86_400),
                max_supersessions: 3,
                supersession_window: Duration::from_secs(10 * 60),
            },
        }
    }

    /// The server's idle session limit (default 240 minutes, Tableau Server's default; use
    /// 120 minutes for Tableau Cloud).
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.session_lifetime = lifetime;
        self
    }

    /// How long before the idle limit the manager signs in again (default 5 minutes).
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.config.refresh_buffer = buffer;
        self
    }

    /// A `tracing` warning fires at sign-in when the PAT has less than this left
    /// (default 14 days).
    pub fn pat_expiry_warning(mut self, threshold: Duration) -> Self {
        self.config.pat_expiry_warning = threshold;
        self
    }

    /// Stop with [`Error::PatInUseElsewhere`] after `count` supersessions of a PAT session
    /// within `window` (default 3 within 10 minutes).
    pub fn max_supersessions(mut self, count: u32, window: Duration) -> Self {
        self.config.max_supersessions = count.max(1);
        self.config.supersession_window = window;
        self
    }

    /// Builds the manager. It does not sign in until first asked for a token.
    pub fn build(self) -> SessionManager {
        SessionManager::from_config(self.client, self.provider, self.config)
    }
}

//! What a check runs against.

use crate::registry::Requirement;

/// The target of a run, handed to every check.
#[derive(Debug, Default)]
pub struct CheckContext {
    _private: (),
}

impl CheckContext {
    /// A context for offline checks only.
    pub fn offline() -> Self {
        CheckContext::default()
    }

    /// Why a check with this requirement cannot run here, or `None` when it can.
    pub fn unavailable_reason(&self, requirement: Requirement) -> Option<String> {
        match requirement {
            Requirement::Offline => None,
            Requirement::Server => Some("needs a server".into()),
            Requirement::MockControl => Some("needs the mock server's control API".into()),
        }
    }

    /// A description of the target for the report.
    pub fn describe(&self) -> String {
        "offline checks only".into()
    }
}

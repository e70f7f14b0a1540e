//! The checks, one module per area.

pub(crate) mod cloud;
pub(crate) mod mock;
pub(crate) mod providers;
pub(crate) mod rejections;
pub(crate) mod server;
pub(crate) mod sessions;
pub(crate) mod support;
pub(crate) mod transport;
pub(crate) mod uat;
pub(crate) mod wire;

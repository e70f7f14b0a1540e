//! The checks, one module per area.

pub(crate) mod wire;

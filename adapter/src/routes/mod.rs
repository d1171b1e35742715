//! HTTP handlers, one module per SCIM resource area.

pub mod discovery;
pub mod groups;
pub mod users;

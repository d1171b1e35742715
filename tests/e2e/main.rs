//! End-to-end tests: the real directory service and SCIM adapter started
//! in-process on port 0 with a fresh SQLite database per test, driven over
//! HTTP (SCIM) and gRPC exactly as Entra and internal services drive them.

mod admin;
mod browser;
mod bulk;
mod discovery;
mod errors;
mod etags;
mod filters;
mod groups;
mod grpc;
mod hr_rules;
mod instances;
mod isolation;
mod paging;
mod patch;
mod properties;
mod restart;
mod support;
mod users;

//! Placeholder library so the end-to-end test crate has a target of its own.

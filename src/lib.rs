//! The Runtime HRMS directory API, generated from `proto/` by `build.rs`.
//!
//! The directory service implements these services and the SCIM adapter and
//! other HRMS services call them. Nothing here has behaviour of its own; the
//! error reasons used in `google.rpc.ErrorInfo` are listed in [`reason`].

/// Version 1 of the directory API (`runtime.hrms.directory.v1`).
pub mod v1 {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("runtime.hrms.directory.v1");

    /// Encoded file descriptor set of this package, for gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("directory_descriptor");
}

/// The `google.rpc.ErrorInfo` domain of every error the directory returns.
pub const ERROR_DOMAIN: &str = "directory.hrms.runtime";

/// How long a paging cursor stays valid, in seconds (advertised to SCIM
/// clients as `cursorTimeout`).
pub const CURSOR_LIFETIME_SECS: i64 = 3600;

/// Machine-readable reasons carried in `google.rpc.ErrorInfo.reason`.
/// The employee attributes kept only in the profile that filters compare
/// through `ValueCondition` and `ElementFilter`, by their SCIM names. The
/// directory answers filters on them; the adapter knows which SCIM paths
/// to send as such.
pub mod profile {
    /// Core User attributes with one simple value.
    pub const SIMPLE: &[&str] = &[
        "nickName",
        "profileUrl",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
    ];
    /// Enterprise User attributes with one simple value.
    pub const ENTERPRISE: &[&str] = &["costCenter", "organization", "division"];
    /// Attributes with sub-attributes (these take value filters).
    pub const COMPLEX: &[&str] = &["name", "emails", "phoneNumbers", "addresses"];
    pub const NAME_PARTS: &[&str] = &[
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    ];
    pub const CONTACT_PARTS: &[&str] = &["value", "type", "primary", "display"];
    pub const ADDRESS_PARTS: &[&str] = &[
        "formatted",
        "streetAddress",
        "locality",
        "region",
        "postalCode",
        "country",
        "type",
        "primary",
    ];

    /// The sub-attributes of a complex attribute (canonical name).
    pub fn parts(attribute: &str) -> Option<&'static [&'static str]> {
        match attribute {
            "name" => Some(NAME_PARTS),
            "emails" | "phoneNumbers" => Some(CONTACT_PARTS),
            "addresses" => Some(ADDRESS_PARTS),
            _ => None,
        }
    }
}

pub mod reason {
    pub const EMPLOYEE_NOT_FOUND: &str = "EMPLOYEE_NOT_FOUND";
    pub const TENANT_NOT_FOUND: &str = "TENANT_NOT_FOUND";
    pub const EMPLOYEE_CODE_TAKEN: &str = "EMPLOYEE_CODE_TAKEN";
    pub const USER_NAME_TAKEN: &str = "USER_NAME_TAKEN";
    pub const EXTERNAL_ID_TAKEN: &str = "EXTERNAL_ID_TAKEN";
    pub const NAME_TAKEN: &str = "NAME_TAKEN";
    pub const UNKNOWN_DESIGNATION: &str = "UNKNOWN_DESIGNATION";
    pub const UNKNOWN_MANAGER: &str = "UNKNOWN_MANAGER";
    pub const GROUP_NOT_FOUND: &str = "GROUP_NOT_FOUND";
    pub const GROUP_NAME_TAKEN: &str = "GROUP_NAME_TAKEN";
    pub const UNKNOWN_MEMBER: &str = "UNKNOWN_MEMBER";
    pub const INVALID_FIELD: &str = "INVALID_FIELD";
    pub const INVALID_FILTER: &str = "INVALID_FILTER";
    pub const VERSION_MISMATCH: &str = "VERSION_MISMATCH";
    pub const TOKEN_INVALID: &str = "TOKEN_INVALID";
    pub const SCIM_DISABLED: &str = "SCIM_DISABLED";
    pub const STORE_UNAVAILABLE: &str = "STORE_UNAVAILABLE";
    /// No department or designation with this id in the tenant.
    pub const UNIT_NOT_FOUND: &str = "UNIT_NOT_FOUND";
    /// No active SCIM token with this id in the tenant.
    pub const TOKEN_NOT_FOUND: &str = "TOKEN_NOT_FOUND";
    /// The current state forbids the change (retiring the default, ...);
    /// the message says what to do first.
    pub const PRECONDITION: &str = "PRECONDITION";
    /// A paging cursor that was altered, belongs to another listing, or
    /// is not a cursor at all.
    pub const INVALID_CURSOR: &str = "INVALID_CURSOR";
    /// A paging cursor older than its lifetime.
    pub const EXPIRED_CURSOR: &str = "EXPIRED_CURSOR";
}

/// W3C trace context in gRPC metadata: the adapter injects it into its
/// calls and the directory extracts it, so a SCIM request is one trace.
pub mod propagation {
    use http::HeaderMap;
    use opentelemetry::Context;
    use opentelemetry::propagation::{Extractor, Injector};

    struct Headers<'a>(&'a HeaderMap);

    impl Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|value| value.to_str().ok())
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|name| name.as_str()).collect()
        }
    }

    /// The remote parent carried in `headers`, if any.
    pub fn extract(headers: &HeaderMap) -> Context {
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract(&Headers(headers))
        })
    }

    struct HeadersMut<'a>(&'a mut HeaderMap);

    impl Injector for HeadersMut<'_> {
        fn set(&mut self, key: &str, value: String) {
            let name = http::HeaderName::from_bytes(key.as_bytes());
            let value = http::HeaderValue::from_str(&value);
            if let (Ok(name), Ok(value)) = (name, value) {
                self.0.insert(name, value);
            }
        }
    }

    /// Writes `context` into the headers of an outgoing request.
    pub fn inject(context: &Context, headers: &mut HeaderMap) {
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(context, &mut HeadersMut(headers))
        });
    }
}

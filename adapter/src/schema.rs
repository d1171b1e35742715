//! SCIM schema knowledge the adapter needs at run time: URNs, the canonical
//! spelling of attribute names (SCIM names are case-insensitive), and which
//! attributes compare case-exactly.

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The Runtime HRMS extension: HR fields Entra may be mapped to.
pub const HRMS_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:runtimehrms:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Core User attributes, canonically spelled.
pub const USER_ATTRIBUTES: &[&str] = &[
    "id",
    "externalId",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "meta",
    "schemas",
];

/// Enterprise User extension attributes.
pub const ENTERPRISE_ATTRIBUTES: &[&str] = &[
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

/// Runtime HRMS extension attributes.
pub const HRMS_ATTRIBUTES: &[&str] = &["dateOfJoining"];

/// The User extensions this server knows, with their attributes.
pub const USER_EXTENSIONS: &[(&str, &[&str])] = &[
    (ENTERPRISE_SCHEMA, ENTERPRISE_ATTRIBUTES),
    (HRMS_SCHEMA, HRMS_ATTRIBUTES),
];

/// The known extension a URN names (ignoring case): its canonical URN and
/// attributes.
pub fn extension(urn: &str) -> Option<(&'static str, &'static [&'static str])> {
    USER_EXTENSIONS
        .iter()
        .copied()
        .find(|(known, _)| known.eq_ignore_ascii_case(urn))
}

/// Sub-attributes of complex and multi-valued attributes.
pub const SUB_ATTRIBUTES: &[&str] = &[
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "value",
    "display",
    "type",
    "primary",
    "$ref",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "displayName",
];

/// Core attributes whose values are multi-valued (arrays).
pub const MULTI_VALUED: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// The canonical spelling of `name` among `known`, if it is one of them.
pub fn canonical(name: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .copied()
        .find(|candidate| candidate.eq_ignore_ascii_case(name))
}

/// Whether a schema URN names the core User (or Group) schema, whose
/// attributes sit at the top level of a resource.
pub fn is_core(schema: &str) -> bool {
    schema.eq_ignore_ascii_case(USER_SCHEMA) || schema.eq_ignore_ascii_case(GROUP_SCHEMA)
}

pub fn is_enterprise(schema: &str) -> bool {
    schema.eq_ignore_ascii_case(ENTERPRISE_SCHEMA)
}

/// Whether string comparisons on `attr` (top level) respect case: ids and
/// externalId do (RFC 7643 caseExact), everything else does not.
pub fn is_case_exact(attr: &str, sub_attr: Option<&str>) -> bool {
    match sub_attr {
        None => ["id", "externalId"]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attr)),
        Some(sub) => {
            (attr.eq_ignore_ascii_case("members") || attr.eq_ignore_ascii_case("manager"))
                && sub.eq_ignore_ascii_case("value")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_matched_ignoring_case() {
        assert_eq!(canonical("USERNAME", USER_ATTRIBUTES), Some("userName"));
        assert_eq!(
            canonical("employeenumber", ENTERPRISE_ATTRIBUTES),
            Some("employeeNumber")
        );
        assert_eq!(canonical("nope", USER_ATTRIBUTES), None);
    }

    #[test]
    fn ids_are_case_exact_and_names_are_not() {
        assert!(is_case_exact("externalId", None));
        assert!(!is_case_exact("userName", None));
        assert!(is_case_exact("members", Some("value")));
    }
}

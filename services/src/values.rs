//! The attributes kept only in an employee's profile, as rows a filter can
//! search (`employee_values`): which attributes and sub-attributes exist,
//! and how a profile becomes rows.

use hrms_api::profile;
use hrms_api::v1::{ContactValue, EmployeeAttributes, PostalAddress};
use prost::Message;

use crate::error::DirectoryError;
use crate::store::{IndexedValue, Store};

/// The canonical (attribute, sub-attribute) of a searchable attribute,
/// names matched ignoring case; None when it is not searchable this way.
pub fn searchable(attribute: &str, sub: &str) -> Option<(&'static str, &'static str)> {
    let find = |names: &[&'static str], wanted: &str| {
        names
            .iter()
            .copied()
            .find(|name| name.eq_ignore_ascii_case(wanted))
    };
    if let Some(simple) =
        find(profile::SIMPLE, attribute).or_else(|| find(profile::ENTERPRISE, attribute))
    {
        return sub.is_empty().then_some((simple, ""));
    }
    let canonical = find(profile::COMPLEX, attribute)?;
    let parts = profile::parts(canonical)?;
    // A multi-valued attribute named alone means its `value`.
    let sub = if sub.is_empty() && parts.contains(&"value") {
        "value"
    } else {
        sub
    };
    find(parts, sub).map(|part| (canonical, part))
}

/// Whether an attribute has sub-attributes (and so can take a value
/// filter `attribute[...]`).
pub fn is_complex(attribute: &str) -> bool {
    profile::COMPLEX.contains(&attribute)
}

/// Whether a searchable sub-attribute holds booleans.
pub fn is_boolean(sub: &str) -> bool {
    sub == "primary"
}

/// The rows that make an employee's profile searchable.
pub fn indexed_values(attributes: &EmployeeAttributes) -> Vec<IndexedValue> {
    let mut rows = Vec::new();
    let mut push = |attribute: &'static str, position: usize, sub: &'static str, value: &str| {
        // Compared as the in-memory SCIM evaluator compares: lower-cased,
        // not trimmed; blank values count as absent.
        if !value.trim().is_empty() {
            rows.push(IndexedValue {
                attribute,
                position: i64::try_from(position).unwrap_or(i64::MAX),
                sub_attribute: sub,
                value_key: value.to_lowercase(),
            });
        }
    };
    let simple = [
        &attributes.nick_name,
        &attributes.profile_url,
        &attributes.user_type,
        &attributes.preferred_language,
        &attributes.locale,
        &attributes.timezone,
        &attributes.cost_center,
        &attributes.organization,
        &attributes.division,
    ];
    let names = profile::SIMPLE.iter().chain(profile::ENTERPRISE);
    for (attribute, value) in names.zip(simple) {
        push(attribute, 0, "", value);
    }
    if let Some(name) = &attributes.name {
        let parts = [
            &name.formatted,
            &name.family_name,
            &name.given_name,
            &name.middle_name,
            &name.honorific_prefix,
            &name.honorific_suffix,
        ];
        for (sub, value) in profile::NAME_PARTS.iter().zip(parts) {
            push("name", 0, sub, value);
        }
    }
    let mut contacts = |attribute: &'static str, list: &[ContactValue]| {
        for (position, contact) in list.iter().enumerate() {
            push(attribute, position, "value", &contact.value);
            push(attribute, position, "type", &contact.r#type);
            push(attribute, position, "display", &contact.display);
            if let Some(primary) = contact.primary {
                push(attribute, position, "primary", &primary.to_string());
            }
        }
    };
    contacts("emails", &attributes.emails);
    contacts("phoneNumbers", &attributes.phone_numbers);
    for (position, address) in attributes.addresses.iter().enumerate() {
        let PostalAddress {
            r#type,
            formatted,
            street_address,
            locality,
            region,
            postal_code,
            country,
            primary,
        } = address;
        for (sub, value) in [
            ("type", r#type),
            ("formatted", formatted),
            ("streetAddress", street_address),
            ("locality", locality),
            ("region", region),
            ("postalCode", postal_code),
            ("country", country),
        ] {
            push("addresses", position, sub, value);
        }
        if let Some(primary) = primary {
            push("addresses", position, "primary", &primary.to_string());
        }
    }
    rows
}

/// Writes the searchable rows of employees stored before `employee_values`
/// existed; runs once per database, at start.
pub async fn index_existing(store: &Store) -> Result<(), DirectoryError> {
    let indexed = store
        .index_attribute_values(|profile| {
            EmployeeAttributes::decode(profile)
                .map(|attributes| indexed_values(&attributes))
                .map_err(|error| error.to_string())
        })
        .await?;
    if indexed > 0 {
        tracing::info!(
            employees = indexed,
            "made existing employees' attributes searchable"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrms_api::v1::PersonName;

    #[test]
    fn names_resolve_ignoring_case_and_bare_multi_valued_means_value() {
        assert_eq!(searchable("NICKNAME", ""), Some(("nickName", "")));
        assert_eq!(searchable("emails", ""), Some(("emails", "value")));
        assert_eq!(
            searchable("addresses", "POSTALCODE"),
            Some(("addresses", "postalCode"))
        );
        assert_eq!(searchable("name", ""), None);
        assert_eq!(searchable("nickName", "x"), None);
        assert_eq!(searchable("password", ""), None);
    }

    #[test]
    fn a_profile_becomes_lower_cased_rows_without_empty_values() {
        let attributes = EmployeeAttributes {
            nick_name: "Kit".into(),
            name: Some(PersonName {
                middle_name: "Q".into(),
                ..PersonName::default()
            }),
            phone_numbers: vec![
                ContactValue {
                    value: "+44 1".into(),
                    r#type: "Work".into(),
                    primary: Some(true),
                    display: String::new(),
                },
                ContactValue {
                    value: "+44 2".into(),
                    ..ContactValue::default()
                },
            ],
            ..EmployeeAttributes::default()
        };
        let rows: Vec<(&str, i64, &str, String)> = indexed_values(&attributes)
            .into_iter()
            .map(|r| (r.attribute, r.position, r.sub_attribute, r.value_key))
            .collect();
        assert_eq!(
            rows,
            [
                ("nickName", 0, "", "kit".to_owned()),
                ("name", 0, "middleName", "q".to_owned()),
                ("phoneNumbers", 0, "value", "+44 1".to_owned()),
                ("phoneNumbers", 0, "type", "work".to_owned()),
                ("phoneNumbers", 0, "primary", "true".to_owned()),
                ("phoneNumbers", 1, "value", "+44 2".to_owned()),
            ]
        );
    }
}

//! Entity tags: `meta.version` is `W/"N"` for a resource at version N;
//! `If-Match` makes writes conditional on it and `If-None-Match` makes reads
//! answer 304 when nothing changed (RFC 7644 §3.14, RFC 9110 §13.1).

use axum::http::{HeaderMap, HeaderName, header};

/// The weak entity tag of a resource at `version`.
pub fn tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// What an `If-Match` or `If-None-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current version.
    Any,
    /// These versions; tags that are not ours name no version and match
    /// nothing.
    Versions(Vec<i64>),
}

impl Precondition {
    pub fn matches(&self, version: i64) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Versions(versions) => versions.contains(&version),
        }
    }

    /// The single version a write may be conditioned on atomically, if the
    /// header names exactly one.
    pub fn single(&self) -> Option<i64> {
        match self {
            Precondition::Versions(versions) if versions.len() == 1 => versions.first().copied(),
            _ => None,
        }
    }
}

/// The version a conditional write must find, from `If-Match`: None when
/// the write is unconditional. A header naming one version is passed on for
/// the directory to check in the same statement as the write; any other
/// form is checked against `current` (a read of the version) first.
pub async fn expected_version<F>(
    headers: &HeaderMap,
    current: F,
) -> Result<Option<i64>, crate::error::ScimError>
where
    F: Future<Output = Result<i64, crate::error::ScimError>>,
{
    let Some(precondition) = if_match(headers) else {
        return Ok(None);
    };
    if let Some(version) = precondition.single() {
        return Ok(Some(version));
    }
    let version = current.await?;
    if precondition.matches(version) {
        Ok(Some(version))
    } else {
        Err(crate::error::ScimError::precondition_failed())
    }
}

/// A 304 for a read whose `If-None-Match` names the current version.
pub fn not_modified(headers: &HeaderMap, version: i64) -> Option<axum::response::Response> {
    use axum::response::IntoResponse;
    let precondition = if_none_match(headers)?;
    if !precondition.matches(version) {
        return None;
    }
    let etag = tag(version);
    let mut response = axum::http::StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Some(response)
}

pub fn if_match(headers: &HeaderMap) -> Option<Precondition> {
    parse(headers, &header::IF_MATCH)
}

pub fn if_none_match(headers: &HeaderMap) -> Option<Precondition> {
    parse(headers, &header::IF_NONE_MATCH)
}

fn parse(headers: &HeaderMap, name: &HeaderName) -> Option<Precondition> {
    let mut versions = Vec::new();
    let mut present = false;
    for value in headers.get_all(name) {
        present = true;
        let Ok(text) = value.to_str() else { continue };
        for tag in text.split(',').map(str::trim).filter(|tag| !tag.is_empty()) {
            if tag == "*" {
                return Some(Precondition::Any);
            }
            // Weak comparison: W/"3" and "3" both name version 3.
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            if let Some(version) = opaque
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.parse::<i64>().ok())
            {
                versions.push(version);
            }
        }
    }
    present.then_some(Precondition::Versions(versions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn weak_and_strong_tags_name_the_same_version() {
        assert_eq!(
            if_match(&headers("W/\"3\"")),
            Some(Precondition::Versions(vec![3]))
        );
        assert_eq!(
            if_match(&headers("\"3\", W/\"4\"")),
            Some(Precondition::Versions(vec![3, 4]))
        );
        assert_eq!(if_match(&headers("*")), Some(Precondition::Any));
    }

    #[test]
    fn foreign_tags_match_nothing_and_absence_is_none() {
        let foreign = if_match(&headers("\"abc\"")).unwrap();
        assert!(!foreign.matches(1));
        assert_eq!(foreign.single(), None);
        assert_eq!(if_match(&HeaderMap::new()), None);
    }
}

//! Paging cursors (RFC 9865).
//!
//! A cursor holds the sort key values of the last row a page returned, so
//! the next page resumes after that row whatever was inserted or removed
//! meanwhile. To the client it is opaque text of URL-safe characters:
//! base64url JSON, a dot, and an HMAC-SHA256 of that JSON. The HMAC key is
//! generated once per database and kept in it (`server_keys`), so every
//! directory instance sharing the database accepts the others' cursors.
//! A cursor names its tenant and a fingerprint of its listing (resource
//! type, filter, sort); one presented with another tenant's token, another
//! filter or sort, altered in any byte, or older than
//! [`CURSOR_LIFETIME_SECS`], is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use hrms_api::CURSOR_LIFETIME_SECS;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::DirectoryError;

/// Longest cursor text looked at; real ones are a few hundred bytes.
const MAX_CURSOR_LEN: usize = 4096;
const FORMAT: u8 = 1;

type HmacSha256 = Hmac<Sha256>;

/// What a cursor belongs to: one tenant's listing of one resource type
/// with one filter and sort.
#[derive(Debug, Clone)]
pub struct CursorScope {
    tenant_id: String,
    listing: String,
}

impl CursorScope {
    /// The scope of a listing request: its tenant, resource type, filter
    /// (a protobuf message) and sort.
    pub fn of_listing<M: prost::Message>(
        tenant_id: &str,
        kind: &str,
        filter: Option<&M>,
        sort_by: i32,
        descending: bool,
    ) -> Self {
        let query = filter.map(M::encode_to_vec).unwrap_or_default();
        Self::new(tenant_id, kind, &query, sort_by, descending)
    }

    /// `query` is the listing's filter as encoded protobuf (empty for
    /// none); the sort is given apart.
    pub fn new(tenant_id: &str, kind: &str, query: &[u8], sort_by: i32, descending: bool) -> Self {
        let mut hash = Sha256::new();
        hash.update(kind.as_bytes());
        hash.update([0]);
        hash.update(query);
        hash.update(sort_by.to_be_bytes());
        hash.update([u8::from(descending)]);
        let digest = hash.finalize();
        CursorScope {
            tenant_id: tenant_id.to_owned(),
            listing: crate::hex(&digest[..16]),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Position {
    /// Format version.
    v: u8,
    /// Tenant id.
    t: String,
    /// Listing fingerprint.
    l: String,
    /// Expiry, Unix seconds.
    x: i64,
    /// Sort key values of the last row returned.
    k: Vec<Option<String>>,
}

/// Seals and opens cursors with the database's key.
#[derive(Clone)]
pub struct Cursors {
    key: Vec<u8>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors { key: <hidden> }")
    }
}

impl Cursors {
    pub fn new(key: Vec<u8>) -> Self {
        Cursors { key }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length.
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length")
    }

    /// The cursor for a next page starting after `keys`; "" when there is
    /// no next page.
    pub fn seal(&self, scope: &CursorScope, keys: Option<Vec<Option<String>>>) -> String {
        self.seal_at(scope, keys, Utc::now().timestamp())
    }

    fn seal_at(&self, scope: &CursorScope, keys: Option<Vec<Option<String>>>, now: i64) -> String {
        let Some(keys) = keys else {
            return String::new();
        };
        let position = Position {
            v: FORMAT,
            t: scope.tenant_id.clone(),
            l: scope.listing.clone(),
            x: now + CURSOR_LIFETIME_SECS,
            k: keys,
        };
        // Serialising plain strings and numbers cannot fail.
        let body = serde_json::to_vec(&position).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&body);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Where a page starts: `None` for an empty cursor (the first page),
    /// else the sort key values the cursor carries.
    pub fn open(
        &self,
        scope: &CursorScope,
        text: &str,
    ) -> Result<Option<Vec<Option<String>>>, DirectoryError> {
        self.open_at(scope, text, Utc::now().timestamp())
    }

    fn open_at(
        &self,
        scope: &CursorScope,
        text: &str,
        now: i64,
    ) -> Result<Option<Vec<Option<String>>>, DirectoryError> {
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() > MAX_CURSOR_LEN {
            return Err(DirectoryError::InvalidCursor);
        }
        let (body, tag) = text.split_once('.').ok_or(DirectoryError::InvalidCursor)?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| DirectoryError::InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| DirectoryError::InvalidCursor)?;
        let mut mac = self.mac();
        mac.update(&body);
        // Constant-time comparison.
        mac.verify_slice(&tag)
            .map_err(|_| DirectoryError::InvalidCursor)?;
        let position: Position =
            serde_json::from_slice(&body).map_err(|_| DirectoryError::InvalidCursor)?;
        if position.v != FORMAT || position.t != scope.tenant_id || position.l != scope.listing {
            return Err(DirectoryError::InvalidCursor);
        }
        if position.x <= now {
            return Err(DirectoryError::ExpiredCursor);
        }
        Ok(Some(position.k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(tenant: &str, descending: bool) -> CursorScope {
        CursorScope::new(tenant, "employees", b"filter", 3, descending)
    }

    fn keys() -> Option<Vec<Option<String>>> {
        Some(vec![Some("ayla".to_owned()), None, Some("id-1".to_owned())])
    }

    #[test]
    fn a_sealed_cursor_opens_to_its_position_and_is_url_safe() {
        let cursors = Cursors::new(b"k".to_vec());
        let text = cursors.seal_at(&scope("t1", false), keys(), 1_000);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
        assert_eq!(
            cursors.open_at(&scope("t1", false), &text, 1_001).unwrap(),
            keys()
        );
        assert_eq!(cursors.seal_at(&scope("t1", false), None, 1_000), "");
        assert_eq!(
            cursors.open_at(&scope("t1", false), "", 1_001).unwrap(),
            None
        );
    }

    #[test]
    fn altered_foreign_or_misapplied_cursors_are_invalid() {
        let cursors = Cursors::new(b"k".to_vec());
        let text = cursors.seal_at(&scope("t1", false), keys(), 1_000);
        let invalid = |result: Result<_, DirectoryError>| {
            matches!(result, Err(DirectoryError::InvalidCursor))
        };
        // Another tenant, another sort, another server's key.
        assert!(invalid(cursors.open_at(&scope("t2", false), &text, 1_001)));
        assert!(invalid(cursors.open_at(&scope("t1", true), &text, 1_001)));
        assert!(invalid(Cursors::new(b"other".to_vec()).open_at(
            &scope("t1", false),
            &text,
            1_001
        )));
        // Every single-character change.
        for (i, c) in text.char_indices() {
            let replacement = if c == 'A' { 'B' } else { 'A' };
            let mut altered = text.clone();
            altered.replace_range(i..i + 1, &replacement.to_string());
            assert!(
                invalid(cursors.open_at(&scope("t1", false), &altered, 1_001)),
                "{altered}"
            );
        }
        for junk in ["x", ".", "a.b", "😀", &"a".repeat(10_000)] {
            assert!(invalid(cursors.open_at(&scope("t1", false), junk, 1_001)));
        }
    }

    #[test]
    fn old_cursors_expire() {
        let cursors = Cursors::new(b"k".to_vec());
        let text = cursors.seal_at(&scope("t1", false), keys(), 1_000);
        assert!(matches!(
            cursors.open_at(&scope("t1", false), &text, 1_000 + CURSOR_LIFETIME_SECS),
            Err(DirectoryError::ExpiredCursor)
        ));
    }
}

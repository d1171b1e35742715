//! `POST /Bulk` (RFC 7644 §3.7): many operations in one request.
//!
//! Each operation is dispatched, with the caller's credentials, to the
//! same handlers a single request reaches, so it gets exactly the same
//! validation, HR rules, ETag checks and provisioning-log entries.
//!
//! - `bulkId:<id>` anywhere in an operation's `path` or `data` (a member's
//!   value, a manager) is replaced by the id the POST with that `bulkId`
//!   created. An operation naming a bulkId whose POST comes later waits
//!   for it; one naming a bulkId that is not defined is 400; one whose
//!   referenced POST failed, or that waits in a cycle, is 409.
//! - `version` on an operation is its `If-Match`.
//! - `failOnErrors: N` stops after the Nth failed operation; the rest are
//!   not run and are not in the response.
//! - At most [`MAX_OPERATIONS`] operations and [`crate::json::MAX_BODY_BYTES`] of body
//!   (both advertised in /ServiceProviderConfig); beyond either, 413.
//!
//! # Limitations
//! Cycles of references (two new users each the other's manager) are not
//! broken up into create-then-patch; their operations fail with 409.

use std::collections::{HashMap, HashSet};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use crate::auth::Tenant;
use crate::error::ScimError;
use crate::json::{SCIM_CONTENT_TYPE, ScimJson, ScimResponse};
use crate::{AppState, BaseUrl};

/// Most operations one bulk request may carry.
pub const MAX_OPERATIONS: usize = 1000;
const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// Largest error body kept from an operation's response.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// One operation as sent.
#[derive(Debug)]
struct Operation {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

/// What became of a POST with a bulkId.
#[derive(Debug, Clone)]
enum Created {
    Id(String),
    Failed,
}

#[tracing::instrument(name = "scim.bulk", skip_all, fields(tenant.id = %tenant.id, scim.operations = tracing::field::Empty))]
pub async fn bulk(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    headers: HeaderMap,
    body: Result<ScimJson, ScimError>,
) -> Result<ScimResponse, ScimError> {
    // The token is checked once here (401/403 for the whole request); each
    // operation presents it again to the handler it reaches.
    let ScimJson(body) = body?;
    let (operations, fail_on_errors) = parse_request(&body)?;
    tracing::Span::current().record("scim.operations", operations.len());

    let router = crate::scim_routes().with_state(state);
    let defined: HashSet<&str> = operations
        .iter()
        .filter(|op| op.method == Method::POST)
        .filter_map(|op| op.bulk_id.as_deref())
        .collect();
    // Each operation's references, found once.
    let refs: Vec<Vec<String>> = operations.iter().map(Operation::references).collect();
    let mut created: HashMap<String, Created> = HashMap::new();
    let mut results: Vec<Option<Value>> = vec![None; operations.len()];
    let mut errors = 0;
    let mut pending: Vec<usize> = (0..operations.len()).collect();

    // Runs every operation whose references are settled, in request order,
    // until a pass makes no progress.
    'passes: loop {
        let mut waiting = Vec::new();
        let mut progressed = false;
        for index in pending {
            let op = &operations[index];
            let outcome = match settled(&refs[index], &defined, &created) {
                Refs::Waiting => {
                    waiting.push(index);
                    continue;
                }
                Refs::Unknown(id) => Err(ScimError::invalid_value(format!(
                    "bulkId:{id} is not the bulkId of any POST in this request"
                ))),
                Refs::Failed(id) => Err(ScimError::new(
                    StatusCode::CONFLICT,
                    None,
                    format!(
                        "the operation with bulkId {id} failed, so this one cannot refer to it"
                    ),
                )),
                Refs::Ready => Ok(()),
            };
            progressed = true;
            let result = match outcome {
                Ok(()) => run(&router, &headers, &base, op, &created).await,
                Err(error) => failure(op, &error),
            };
            // Long requests share the worker with other requests.
            tokio::task::yield_now().await;
            let failed = result.failed;
            if let Some(bulk_id) = &op.bulk_id
                && op.method == Method::POST
            {
                let id = result.id.clone().filter(|_| !failed);
                created.insert(bulk_id.clone(), id.map_or(Created::Failed, Created::Id));
            }
            results[index] = Some(result.entry);
            if failed {
                errors += 1;
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break 'passes;
                }
            }
        }
        if waiting.is_empty() {
            break;
        }
        if !progressed {
            // What still waits, waits on itself: a cycle.
            for index in waiting {
                let error = ScimError::new(
                    StatusCode::CONFLICT,
                    None,
                    "circular bulkId references cannot be resolved; send these operations in separate requests",
                );
                results[index] = Some(failure(&operations[index], &error).entry);
                errors += 1;
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break 'passes;
                }
            }
            break;
        }
        pending = waiting;
    }

    Ok(ScimResponse::ok(json!({
        "schemas": [BULK_RESPONSE],
        "Operations": results.into_iter().flatten().collect::<Vec<_>>(),
    })))
}

fn parse_request(body: &Map<String, Value>) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let get = |name: &str| {
        body.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    if let Some(schemas) = get("schemas")
        && !schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(BULK_REQUEST)))
    {
        return Err(ScimError::invalid_value(format!(
            "schemas must include {BULK_REQUEST}"
        )));
    }
    let fail_on_errors = match get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64() {
            Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => {
                return Err(ScimError::invalid_value(
                    "failOnErrors must be a positive integer",
                ));
            }
        },
    };
    let Some(Value::Array(items)) = get("Operations") else {
        return Err(ScimError::invalid_value("Operations must be a list"));
    };
    if items.len() > MAX_OPERATIONS {
        return Err(ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!(
                "a bulk request may hold at most {MAX_OPERATIONS} operations; this one has {}",
                items.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut operations = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let op = parse_operation(item).map_err(|error| {
            ScimError::new(
                error.status,
                error.scim_type,
                format!("Operations[{index}]: {}", error.detail),
            )
        })?;
        if let Some(bulk_id) = &op.bulk_id
            && !seen.insert(bulk_id.clone())
        {
            return Err(ScimError::invalid_value(format!(
                "Operations[{index}]: bulkId {bulk_id} is used twice"
            )));
        }
        operations.push(op);
    }
    Ok((operations, fail_on_errors))
}

fn parse_operation(item: &Value) -> Result<Operation, ScimError> {
    let Value::Object(item) = item else {
        return Err(ScimError::invalid_value("each operation must be an object"));
    };
    let text = |name: &str| -> Result<Option<String>, ScimError> {
        match item
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
        {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ScimError::invalid_value(format!("{name} must be a string"))),
        }
    };
    let method = match text("method")?.map(|m| m.to_ascii_uppercase()).as_deref() {
        Some("POST") => Method::POST,
        Some("PUT") => Method::PUT,
        Some("PATCH") => Method::PATCH,
        Some("DELETE") => Method::DELETE,
        _ => {
            return Err(ScimError::invalid_value(
                "method must be POST, PUT, PATCH or DELETE",
            ));
        }
    };
    let path = text("path")?.ok_or_else(|| ScimError::invalid_value("path is required"))?;
    let collection = matches!(path.as_str(), "/Users" | "/Groups");
    let resource = ["/Users/", "/Groups/"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|id| !id.is_empty() && !id.contains(['/', '?', '#']))
    });
    match (&method, collection, resource) {
        (&Method::POST, true, _) => {}
        (&Method::POST, false, _) => {
            return Err(ScimError::invalid_path(
                "a POST's path is /Users or /Groups",
            ));
        }
        (_, _, true) => {}
        _ => {
            return Err(ScimError::invalid_path(
                "path must be /Users/{id} or /Groups/{id} (or /Users, /Groups for POST)",
            ));
        }
    }
    let bulk_id = text("bulkId")?;
    if method == Method::POST && bulk_id.as_deref().is_none_or(str::is_empty) {
        return Err(ScimError::invalid_value("a POST needs a bulkId"));
    }
    let data = item
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("data"))
        .map(|(_, value)| value.clone())
        .filter(|value| !value.is_null());
    if method != Method::DELETE && !data.as_ref().is_some_and(Value::is_object) {
        return Err(ScimError::invalid_value(format!(
            "a {method} needs data, a JSON object"
        )));
    }
    Ok(Operation {
        method,
        bulk_id,
        version: text("version")?,
        path,
        data,
    })
}

/// Whether an operation's bulkId references can be resolved now.
enum Refs {
    Ready,
    Waiting,
    Unknown(String),
    Failed(String),
}

/// Whether the given references can be resolved now.
fn settled(names: &[String], defined: &HashSet<&str>, created: &HashMap<String, Created>) -> Refs {
    let mut waiting = false;
    for name in names {
        if !defined.contains(name.as_str()) {
            return Refs::Unknown(name.clone());
        }
        match created.get(name) {
            Some(Created::Id(_)) => {}
            Some(Created::Failed) => return Refs::Failed(name.clone()),
            None => waiting = true,
        }
    }
    if waiting { Refs::Waiting } else { Refs::Ready }
}

impl Operation {
    /// The bulkIds this operation refers to: the last segment of its path,
    /// any data string that is `bulkId:<id>`, and `"bulkId:<id>"` quoted
    /// inside a data string (a PATCH path's value filter).
    fn references(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Some(name) = self.path.rsplit('/').next().and_then(bulk_ref) {
            names.push(name.to_owned());
        }
        if let Some(data) = &self.data {
            collect_refs(data, &mut names);
        }
        names.sort_unstable();
        names.dedup();
        names
    }
}

fn collect_refs(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::String(text) => match bulk_ref(text) {
            Some(name) => names.push(name.to_owned()),
            None => names.extend(
                quoted_refs(text)
                    .into_iter()
                    .map(|(_, name)| name.to_owned()),
            ),
        },
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, names)),
        Value::Object(object) => object.values().for_each(|item| collect_refs(item, names)),
        _ => {}
    }
}

fn bulk_ref(text: &str) -> Option<&str> {
    let prefix = text.get(..7)?;
    prefix
        .eq_ignore_ascii_case("bulkId:")
        .then(|| &text[7..])
        .filter(|name| !name.is_empty())
}

/// `"bulkId:<id>"` occurrences inside a longer string, e.g. the PATCH path
/// `members[value eq "bulkId:u1"]`: (byte range of the quoted text, id).
fn quoted_refs(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find('"').map(|i| from + i) {
        let Some(end) = text[start + 1..].find('"').map(|i| start + 1 + i) else {
            break;
        };
        if let Some(name) = bulk_ref(&text[start + 1..end]) {
            found.push((start + 1..end, name));
        }
        from = end + 1;
    }
    found
}

/// `value` with every `bulkId:<id>` replaced by the id it created.
fn resolve(value: &Value, created: &HashMap<String, Created>) -> Value {
    match value {
        Value::String(text) => Value::String(resolve_data(text, created)),
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, created)).collect()),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| (k.clone(), resolve(v, created)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn created_id<'a>(name: &str, created: &'a HashMap<String, Created>) -> Option<&'a str> {
    match created.get(name) {
        Some(Created::Id(id)) => Some(id),
        _ => None,
    }
}

/// A data string: a whole `bulkId:<id>`, or quoted ones inside it.
fn resolve_data(text: &str, created: &HashMap<String, Created>) -> String {
    if let Some(id) = bulk_ref(text).and_then(|name| created_id(name, created)) {
        return id.to_owned();
    }
    let mut out = text.to_owned();
    for (range, name) in quoted_refs(text).into_iter().rev() {
        if let Some(id) = created_id(name, created) {
            out.replace_range(range, id);
        }
    }
    out
}

/// An operation path whose last segment may be `bulkId:<id>`.
fn resolve_path(path: &str, created: &HashMap<String, Created>) -> String {
    match path.rsplit_once('/') {
        Some((head, last)) => match bulk_ref(last).and_then(|name| created_id(name, created)) {
            Some(id) => format!("{head}/{id}"),
            None => path.to_owned(),
        },
        None => path.to_owned(),
    }
}

/// One operation's entry in the response.
struct Outcome {
    entry: Value,
    failed: bool,
    /// The id a successful POST created.
    id: Option<String>,
}

fn failure(op: &Operation, error: &ScimError) -> Outcome {
    let mut entry = entry_head(op);
    entry.insert("status".into(), json!(error.status.as_u16().to_string()));
    entry.insert("response".into(), error.body());
    Outcome {
        entry: Value::Object(entry),
        failed: true,
        id: None,
    }
}

fn entry_head(op: &Operation) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("method".into(), json!(op.method.as_str()));
    if let Some(bulk_id) = &op.bulk_id {
        entry.insert("bulkId".into(), json!(bulk_id));
    }
    entry
}

/// Runs one operation through the SCIM routes with the caller's headers.
async fn run(
    router: &axum::Router,
    headers: &HeaderMap,
    base: &BaseUrl,
    op: &Operation,
    created: &HashMap<String, Created>,
) -> Outcome {
    let path = resolve_path(&op.path, created);
    let body = op
        .data
        .as_ref()
        .map(|data| resolve(data, created).to_string())
        .unwrap_or_default();
    let mut request = Request::builder()
        .method(op.method.clone())
        .uri(&path)
        .header(header::CONTENT_TYPE, SCIM_CONTENT_TYPE);
    for name in [header::AUTHORIZATION, header::HOST] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    if let Some(version) = op.version.as_deref() {
        // A version that cannot be a header is refused, never dropped:
        // dropping it would turn a conditional write into an unconditional one.
        let Ok(version) = HeaderValue::from_str(version) else {
            return failure(
                op,
                &ScimError::invalid_value("version is not a valid entity tag"),
            );
        };
        request = request.header(header::IF_MATCH, version);
    }
    let Ok(request) = request.body(Body::from(body)) else {
        return failure(op, &ScimError::invalid_path("path is not a valid URI path"));
    };
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let mut entry = entry_head(op);
    entry.insert("status".into(), json!(status.as_u16().to_string()));
    if status.is_success() {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}{path}", base.0));
        let id = location.rsplit('/').next().map(str::to_owned);
        entry.insert("location".into(), json!(location));
        if let Some(version) = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
        {
            entry.insert("version".into(), json!(version));
        }
        // The resource itself is not echoed (a group's members could be
        // large); `location` names it.
        return Outcome {
            entry: Value::Object(entry),
            failed: false,
            id,
        };
    }
    let body = axum::body::to_bytes(response.into_body(), MAX_ERROR_BODY)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .unwrap_or_else(|| ScimError::new(status, None, "the operation failed").body());
    entry.insert("response".into(), body);
    Outcome {
        entry: Value::Object(entry),
        failed: true,
        id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_ids_are_found_in_paths_and_data_and_replaced() {
        let op = Operation {
            method: Method::PATCH,
            bulk_id: None,
            version: None,
            path: "/Groups/bulkId:c".to_owned(),
            data: Some(json!({
                "members": [{"value": "bulkId:a"}, {"value": "x"}, {"value": "bulkId:a/b"}],
                "m": "BULKID:b",
                "Operations": [{"op": "remove", "path": "members[value eq \"bulkId:d\"]"}]
            })),
        };
        assert_eq!(op.references(), ["a", "a/b", "b", "c", "d"]);
        let created = HashMap::from([
            ("a".to_owned(), Created::Id("id-a".to_owned())),
            ("d".to_owned(), Created::Id("id-d".to_owned())),
        ]);
        assert_eq!(
            resolve(&json!({"members": [{"value": "bulkId:a"}]}), &created),
            json!({"members": [{"value": "id-a"}]})
        );
        assert_eq!(
            resolve_data("members[value eq \"bulkId:d\" or value eq \"x\"]", &created),
            "members[value eq \"id-d\" or value eq \"x\"]"
        );
        assert_eq!(resolve_path("/Groups/bulkId:a", &created), "/Groups/id-a");
        assert_eq!(bulk_ref("bulkId:"), None);
    }

    #[test]
    fn operations_are_checked_before_any_runs() {
        let bad = [
            json!({"method": "GET", "path": "/Users"}),
            json!({"method": "POST", "path": "/Users", "data": {}}),
            json!({"method": "POST", "path": "/Users/x", "bulkId": "a", "data": {}}),
            json!({"method": "PATCH", "path": "/Bulk", "data": {}}),
            json!({"method": "PUT", "path": "/Users/a/b", "data": {}}),
            json!({"method": "DELETE", "path": "/Users/"}),
            json!({"method": "PUT", "path": "/Users/a"}),
            json!("POST"),
        ];
        for op in bad {
            assert!(parse_operation(&op).is_err(), "{op}");
        }
        let ok = json!({"method": "delete", "path": "/Groups/g1", "version": "W/\"2\""});
        let op = parse_operation(&ok).unwrap();
        assert_eq!(op.method, Method::DELETE);
        assert_eq!(op.version.as_deref(), Some("W/\"2\""));
    }

    #[test]
    fn too_many_operations_is_413_and_duplicate_bulk_ids_are_refused() {
        let op = json!({"method": "DELETE", "path": "/Users/x"});
        let many = json!({"schemas": [BULK_REQUEST], "Operations": vec![op; MAX_OPERATIONS + 1]});
        let error = parse_request(many.as_object().unwrap()).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
        let post = json!({"method": "POST", "path": "/Users", "bulkId": "a", "data": {}});
        let twice = json!({"schemas": [BULK_REQUEST], "Operations": [post, post]});
        assert!(parse_request(twice.as_object().unwrap()).is_err());
        let zero = json!({"failOnErrors": 0, "Operations": []});
        assert!(parse_request(zero.as_object().unwrap()).is_err());
    }
}

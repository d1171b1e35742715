//! The "Microsoft Entra ID" integration page, under `/admin`.
//!
//! A tenant admin signs in with the administrator password configured at
//! start (`HRMS_ADMIN_PASSWORD`, kept apart from SCIM tokens), picks the
//! company and sees: whether SCIM provisioning is on (with a switch), the
//! SCIM endpoint URL (with a copy button), the company's tokens (created,
//! last used, expires, state; rotate and revoke buttons), a token shown
//! once right after it is issued or rotated (reveal and copy buttons), and
//! the recent provisioning log with failures and their reasons.
//!
//! Security:
//! - the password is compared in constant time; wrong passwords are
//!   answered one at a time, each after half a second;
//! - the session is a signed cookie, `HttpOnly`, `SameSite=Strict`,
//!   `Path=/admin`, `Secure` when the public URL is https, valid for 8
//!   hours. It is signed (HMAC-SHA256) with a key mixed from the password,
//!   a secret the directory keeps in the database and the current epoch,
//!   so every adapter instance accepts it, a cookie alone is no help in
//!   guessing the password offline, and Sign out (a new epoch) or a new
//!   password ends every session;
//! - every state-changing request is a POST carrying the session's CSRF
//!   token (an HMAC of the session nonce) and, when the browser sends one,
//!   an `Origin` of this host;
//! - pages are served with a strict Content-Security-Policy (no inline
//!   script), `frame-ancestors 'none'`, `no-store` and a `same-origin`
//!   referrer policy (`no-referrer` would make browsers send `Origin: null`);
//! - a new token's secret appears only in the response to the POST that
//!   made it; it is not stored anywhere and never logged.

mod html;

use std::time::Duration;

use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use hrms_api::v1::{
    AdminSessionKeys, EndAdminSessionsRequest, GetAdminSessionKeysRequest, GetTenantRequest,
    IssueScimTokenRequest, ListProvisioningEventsRequest, ListScimTokensRequest,
    ListTenantsRequest, RevokeScimTokenRequest, RotateScimTokenRequest, ScimStatus, ScimToken,
    SetScimEnabledRequest, Tenant,
};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;

type HmacSha256 = Hmac<Sha256>;

const COOKIE: &str = "hrms_admin";
const SESSION_SECS: i64 = 8 * 3600;
/// Shortest administrator password accepted at start.
pub const MIN_PASSWORD_LEN: usize = 12;
/// How long the old token keeps working when the page rotates one.
const ROTATION_OVERLAP_SECS: i64 = 24 * 3600;
/// Provisioning log entries shown.
const LOG_ROWS: i32 = 50;

/// The administrator credential.
pub struct AdminKeys {
    password_hash: [u8; 32],
    /// Derived from the password; mixed with the directory's secret into
    /// the key that signs sessions.
    password_key: [u8; 32],
}

impl std::fmt::Debug for AdminKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKeys { <hidden> }")
    }
}

/// Why the administrator password cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the administrator password must be at least {MIN_PASSWORD_LEN} characters")]
pub struct WeakPassword;

/// Wrong passwords are answered one at a time, each after a pause, so
/// guessing is slow however many requests run in parallel.
static WRONG_PASSWORDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl AdminKeys {
    pub fn new(password: &str) -> Result<Self, WeakPassword> {
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(WeakPassword);
        }
        let mut key = Sha256::new();
        key.update(b"hrms admin session key\0");
        key.update(password.as_bytes());
        Ok(AdminKeys {
            password_hash: Sha256::digest(password.as_bytes()).into(),
            password_key: key.finalize().into(),
        })
    }

    /// Compares in constant time (over the hashes, so length leaks nothing).
    fn password_matches(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        given
            .iter()
            .zip(self.password_hash.iter())
            .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
            == 0
    }

    /// The key sessions are signed with now: the password's, the
    /// directory's secret and the current epoch (which sign-out renews).
    fn session_key(&self, server: &AdminSessionKeys) -> SessionKey {
        let mut key = Sha256::new();
        key.update(self.password_key);
        key.update(&server.secret);
        key.update(b"\0");
        key.update(&server.epoch);
        SessionKey(key.finalize().to_vec())
    }
}

/// Signs and checks session cookies and CSRF tokens.
struct SessionKey(Vec<u8>);

impl SessionKey {
    fn mac(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("any key length");
        for part in parts {
            mac.update(part);
            mac.update(b"\0");
        }
        mac
    }

    /// A new session cookie value, valid until `expires` (Unix seconds).
    fn new_session(&self, expires: i64) -> String {
        let mut nonce = [0_u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let expires = expires.to_string();
        let tag = self
            .mac(&[b"session", expires.as_bytes(), nonce.as_bytes()])
            .finalize()
            .into_bytes();
        format!("{expires}.{nonce}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The session's nonce when the cookie is genuine and not expired.
    fn open_session(&self, value: &str, now: i64) -> Option<String> {
        let mut pieces = value.split('.');
        let (expires, nonce, tag) = (pieces.next()?, pieces.next()?, pieces.next()?);
        if pieces.next().is_some() {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(&[b"session", expires.as_bytes(), nonce.as_bytes()])
            .verify_slice(&tag)
            .ok()?;
        (expires.parse::<i64>().ok()? > now).then(|| nonce.to_owned())
    }

    fn csrf_token(&self, nonce: &str) -> String {
        URL_SAFE_NO_PAD.encode(
            self.mac(&[b"csrf", nonce.as_bytes()])
                .finalize()
                .into_bytes(),
        )
    }

    fn csrf_matches(&self, nonce: &str, given: &str) -> bool {
        URL_SAFE_NO_PAD.decode(given).ok().is_some_and(|tag| {
            self.mac(&[b"csrf", nonce.as_bytes()])
                .verify_slice(&tag)
                .is_ok()
        })
    }
}

/// The directory's session secret and epoch, read per request so a
/// sign-out on any adapter instance ends sessions on all of them.
async fn server_keys(state: &AppState) -> Result<AdminSessionKeys, tonic::Status> {
    Ok(state
        .directory
        .tenants
        .clone()
        .get_admin_session_keys(GetAdminSessionKeysRequest {})
        .await?
        .into_inner())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The routes under `/admin`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(home))
        .route("/admin/login", post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/app.js", get(script))
        .route("/admin/app.css", get(style))
        .route("/admin/tenants/{tenant}", get(integration))
        .route("/admin/tenants/{tenant}/scim", post(switch_scim))
        .route("/admin/tenants/{tenant}/tokens", post(new_token))
        .route("/admin/tenants/{tenant}/tokens/revoke", post(revoke_token))
}

/// A signed-in administrator: the session nonce its CSRF token derives from.
struct Admin {
    key: SessionKey,
    nonce: String,
    public_url: Option<String>,
}

impl Admin {
    fn csrf(&self) -> String {
        self.key.csrf_token(&self.nonce)
    }

    /// Refuses a state change without this session's CSRF token or from
    /// another origin.
    fn check(&self, headers: &HeaderMap, csrf: &str) -> Result<(), Page> {
        if !self.key.csrf_matches(&self.nonce, csrf)
            || !same_origin(headers, self.public_url.as_deref())
        {
            return Err(Page::error(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this page. Go back, reload and try again.",
            ));
        }
        Ok(())
    }
}

/// Requests that carry `Origin` must carry this site's: the public URL's
/// scheme and host when one is configured, else this request's host.
fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    if let Some(public) = public_url {
        let site = public
            .split_once("://")
            .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)));
        return site.is_some_and(|site| site.eq_ignore_ascii_case(origin));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
}

/// Why a request to `/admin` got no page: not configured, not signed in,
/// or the directory could not be asked.
enum Gate {
    Disabled,
    SignIn,
    Unavailable(tonic::Status),
}

impl IntoResponse for Gate {
    fn into_response(self) -> Response {
        match self {
            Gate::Disabled => Page::error(
                StatusCode::NOT_FOUND,
                "The administrator page is off: start the adapter with HRMS_ADMIN_PASSWORD set to enable it.",
            )
            .into_response(),
            Gate::SignIn => Redirect::to("/admin").into_response(),
            Gate::Unavailable(status) => failed(status).into_response(),
        }
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Gate;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Gate> {
        let keys = state.admin.clone().ok_or(Gate::Disabled)?;
        let Some(value) = cookie(&parts.headers, COOKIE) else {
            return Err(Gate::SignIn);
        };
        let key = keys.session_key(&server_keys(state).await.map_err(Gate::Unavailable)?);
        let nonce = key.open_session(&value, now()).ok_or(Gate::SignIn)?;
        Ok(Admin {
            key,
            nonce,
            public_url: state.public_url.clone(),
        })
    }
}

/// An HTML response with the page security headers.
struct Page {
    status: StatusCode,
    body: String,
    cookie: Option<String>,
}

impl Page {
    fn ok(body: String) -> Self {
        Page {
            status: StatusCode::OK,
            body,
            cookie: None,
        }
    }

    fn error(status: StatusCode, message: &str) -> Self {
        Page {
            status,
            body: html::message_page("Runtime HRMS", message),
            cookie: None,
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        secure_headers(headers);
        if let Some(cookie) = self.cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::SET_COOKIE, cookie);
        }
        response
    }
}

fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn secure_flag(state: &AppState) -> &'static str {
    if state
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
    {
        "; Secure"
    } else {
        ""
    }
}

/// A directory failure shown as a page.
fn failed(status: tonic::Status) -> Page {
    let error = crate::error::ScimError::from(status);
    Page::error(error.status, &error.detail)
}

async fn home(State(state): State<AppState>, admin: Result<Admin, Gate>) -> Response {
    let admin = match admin {
        Ok(admin) => admin,
        Err(Gate::SignIn) => return Page::ok(html::login_page(None)).into_response(),
        Err(gate) => return gate.into_response(),
    };
    match state
        .directory
        .tenants
        .clone()
        .list_tenants(ListTenantsRequest {})
        .await
    {
        Ok(list) => Page::ok(html::tenants_page(
            &list.into_inner().tenants,
            &admin.csrf(),
        ))
        .into_response(),
        Err(status) => failed(status).into_response(),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    password: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(keys) = state.admin.clone() else {
        return Gate::Disabled.into_response();
    };
    if !same_origin(&headers, state.public_url.as_deref()) {
        return Page::error(StatusCode::FORBIDDEN, "Sign in from this site's own page.")
            .into_response();
    }
    if !keys.password_matches(&form.password) {
        tracing::warn!("administrator sign-in refused");
        let _one_at_a_time = WRONG_PASSWORDS.lock().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut page = Page::ok(html::login_page(Some("That password is not right.")));
        page.status = StatusCode::UNAUTHORIZED;
        return page.into_response();
    }
    let server = match server_keys(&state).await {
        Ok(server) => server,
        Err(status) => return failed(status).into_response(),
    };
    tracing::info!("administrator signed in");
    let session = keys.session_key(&server).new_session(now() + SESSION_SECS);
    let mut response = Redirect::to("/admin").into_response();
    let cookie = format!(
        "{COOKIE}={session}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{}",
        secure_flag(&state)
    );
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    secure_headers(response.headers_mut());
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends every administrator session (on every adapter instance), not
/// only this browser's: sessions are signed cookies, and only a new epoch
/// can make the copies of one worthless.
async fn logout(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(page) = admin.check(&headers, &form.csrf) {
        return page.into_response();
    }
    if let Err(status) = state
        .directory
        .tenants
        .clone()
        .end_admin_sessions(EndAdminSessionsRequest {})
        .await
    {
        return failed(status).into_response();
    }
    tracing::info!("administrator signed out; sessions ended");
    let mut response = Redirect::to("/admin").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("hrms_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", html::SCRIPT)
}

async fn style() -> Response {
    static_file("text/css; charset=utf-8", html::STYLE)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The SCIM base URL Entra should use: the configured public URL, or this
/// request's host.
fn endpoint(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|host| crate::is_plain_host(host))
        .unwrap_or("localhost");
    format!("http://{host}{}", crate::BASE_PATH)
}

/// Everything the integration page shows, read from the directory.
async fn render(
    state: &AppState,
    admin: &Admin,
    headers: &HeaderMap,
    tenant_id: &str,
    new_token: Option<html::NewToken>,
) -> Page {
    let directory = &state.directory;
    let mut tenants = directory.tenants.clone();
    let mut token_list = directory.tenants.clone();
    let mut log = directory.log.clone();
    let (tenant, tokens, events) = tokio::join!(
        tenants.get_tenant(GetTenantRequest {
            tenant_id: tenant_id.to_owned(),
        }),
        token_list.list_scim_tokens(ListScimTokensRequest {
            tenant_id: tenant_id.to_owned(),
        }),
        log.list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: tenant_id.to_owned(),
            limit: LOG_ROWS,
            ..ListProvisioningEventsRequest::default()
        }),
    );
    match (tenant, tokens, events) {
        (Ok(tenant), Ok(tokens), Ok(events)) => {
            let tenant = tenant.into_inner();
            let tokens = tokens.into_inner().tokens;
            Page::ok(html::integration_page(&html::Integration {
                status: &status_of(&tenant, &tokens),
                tenant: &tenant,
                endpoint: &endpoint(state, headers),
                tokens: &tokens,
                events: &events.into_inner().events,
                new_token,
                csrf: &admin.csrf(),
            }))
        }
        (Err(status), ..) | (_, Err(status), _) | (.., Err(status)) => failed(status),
    }
}

/// The SCIM status the page shows, from what it read anyway: the tenant's
/// switch, its tokens' last use, how many work.
fn status_of(tenant: &Tenant, tokens: &[ScimToken]) -> ScimStatus {
    ScimStatus {
        enabled: tenant.scim_enabled,
        last_request_at: tokens
            .iter()
            .filter_map(|token| token.last_used_at)
            .max_by_key(|at| (at.seconds, at.nanos)),
        active_tokens: i32::try_from(tokens.iter().filter(|t| t.state == "active").count())
            .unwrap_or(i32::MAX),
    }
}

/// Back to the company's page after a change.
fn back_to(tenant: &str) -> Response {
    Redirect::to(&format!("/admin/tenants/{}", html::url_part(tenant))).into_response()
}

async fn integration(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(tenant): Path<String>,
) -> Page {
    render(&state, &admin, &headers, &tenant, None).await
}

#[derive(Deserialize)]
struct SwitchForm {
    #[serde(default)]
    csrf: String,
    enabled: String,
}

async fn switch_scim(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    Form(form): Form<SwitchForm>,
) -> Response {
    if let Err(page) = admin.check(&headers, &form.csrf) {
        return page.into_response();
    }
    let enabled = form.enabled == "true";
    let switched = state
        .directory
        .tenants
        .clone()
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: tenant.clone(),
            enabled,
        })
        .await;
    match switched {
        Ok(_) => {
            tracing::info!(tenant.id = %tenant, scim.enabled = enabled, "SCIM switched from the admin page");
            back_to(&tenant)
        }
        Err(status) => failed(status).into_response(),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    /// Rotate this token; absent: issue a new one.
    #[serde(default)]
    token_id: String,
}

/// Issues or rotates, then shows the page with the new token revealed
/// once. Not a redirect: the secret lives only in this response.
async fn new_token(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Err(page) = admin.check(&headers, &form.csrf) {
        return page.into_response();
    }
    let mut tenants = state.directory.tenants.clone();
    let issued = if form.token_id.is_empty() {
        tenants
            .issue_scim_token(IssueScimTokenRequest {
                tenant_id: tenant.clone(),
                expires_in_seconds: 0,
            })
            .await
    } else {
        tenants
            .rotate_scim_token(RotateScimTokenRequest {
                tenant_id: tenant.clone(),
                token_id: form.token_id.clone(),
                overlap_seconds: ROTATION_OVERLAP_SECS,
                expires_in_seconds: 0,
            })
            .await
    };
    let issued = match issued {
        Ok(issued) => issued.into_inner(),
        Err(status) => return failed(status).into_response(),
    };
    let shown = html::NewToken {
        secret: issued.token,
        rotated: !form.token_id.is_empty(),
    };
    render(&state, &admin, &headers, &tenant, Some(shown))
        .await
        .into_response()
}

async fn revoke_token(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Err(page) = admin.check(&headers, &form.csrf) {
        return page.into_response();
    }
    let revoked = state
        .directory
        .tenants
        .clone()
        .revoke_scim_token(RevokeScimTokenRequest {
            tenant_id: tenant.clone(),
            token_id: form.token_id,
        })
        .await;
    match revoked {
        Ok(_) => back_to(&tenant),
        Err(status) => failed(status).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AdminKeys {
        AdminKeys::new("correct horse battery").unwrap()
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(AdminKeys::new("short").is_err());
    }

    #[test]
    fn only_the_configured_password_matches() {
        let keys = keys();
        assert!(keys.password_matches("correct horse battery"));
        assert!(!keys.password_matches("correct horse batterY"));
        assert!(!keys.password_matches(""));
    }

    fn server(epoch: &[u8]) -> AdminSessionKeys {
        AdminSessionKeys {
            secret: b"database secret".to_vec(),
            epoch: epoch.to_vec(),
        }
    }

    #[test]
    fn sessions_open_until_they_expire_and_not_when_altered() {
        let key = keys().session_key(&server(b"1"));
        let session = key.new_session(1_000);
        let nonce = key.open_session(&session, 999).unwrap();
        assert!(key.open_session(&session, 1_000).is_none());
        let later = session.replacen("1000", "9999", 1);
        assert!(key.open_session(&later, 999).is_none());
        assert!(key.open_session("a.b.c.d", 0).is_none());
        let csrf = key.csrf_token(&nonce);
        assert!(key.csrf_matches(&nonce, &csrf));
        assert!(!key.csrf_matches("other-nonce", &csrf));
        assert!(!key.csrf_matches(&nonce, ""));
    }

    #[test]
    fn another_password_secret_or_epoch_ends_a_session() {
        let session = keys().session_key(&server(b"1")).new_session(1_000);
        let other_password = AdminKeys::new("another password!").unwrap();
        let other_secret = AdminSessionKeys {
            secret: b"other".to_vec(),
            epoch: b"1".to_vec(),
        };
        for key in [
            other_password.session_key(&server(b"1")),
            keys().session_key(&other_secret),
            keys().session_key(&server(b"2")),
        ] {
            assert!(key.open_session(&session, 999).is_none());
        }
    }

    #[test]
    fn origins_must_be_this_host_when_sent() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&headers, None));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers, None));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.test"),
        );
        assert!(!same_origin(&headers, None));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers, None));
        // With a public URL, its scheme counts too.
        let public = Some("https://hr.example.test/scim/v2");
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://hr.example.test"),
        );
        assert!(same_origin(&headers, public));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://hr.example.test"),
        );
        assert!(!same_origin(&headers, public));
    }
}

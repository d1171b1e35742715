//! Test harness: the real directory and adapter in-process on port 0, a
//! fresh SQLite file per test, a tenant shaped like the Entra replay's, and
//! typed helpers for SCIM calls.

use std::net::SocketAddr;

use hrms::{DatabaseArgs, Embedded, open_store};
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{CreateTenantRequest, IssueScimTokenRequest, SetScimEnabledRequest};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const HRMS: &str = "urn:ietf:params:scim:schemas:extension:runtimehrms:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Set to an administrative PostgreSQL URL (a database the tests may
/// connect to, e.g. `postgres://postgres@127.0.0.1:5432/postgres`) to run
/// every test on a fresh PostgreSQL database instead of SQLite.
pub const POSTGRES_ENV: &str = "HRMS_TEST_POSTGRES_URL";

/// A fresh database for one test: a SQLite file in a temp folder, or a
/// new PostgreSQL database dropped when the test stops.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _folder: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let folder = tempfile::tempdir().expect("temp dir");
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            return TestDatabase {
                url: format!("sqlite://{}/hrms.db?mode=rwc", folder.path().display()),
                postgres: None,
                _folder: folder,
            };
        };
        // Our own name, letters and digits only: safe to put in DDL.
        let name = format!("hrms_e2e_{}", uuid::Uuid::new_v4().simple());
        admin_execute(&admin, format!("CREATE DATABASE {name}")).await;
        TestDatabase {
            url: with_database(&admin, &name),
            postgres: Some((admin, name)),
            _folder: folder,
        }
    }

    pub async fn drop_database(&self) {
        if let Some((admin, name)) = &self.postgres {
            admin_execute(
                admin,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn admin_execute(admin: &str, statement: String) {
    use sqlx::Connection;
    let mut connection = sqlx::postgres::PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(statement))
        .execute(&mut connection)
        .await
        .expect("database statement");
    let _ = connection.close().await;
}

/// `admin` with its database replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

/// A running service with one SCIM-enabled tenant.
pub struct TestApp {
    pub scim: String,
    pub grpc: String,
    pub tenant_id: String,
    pub token: String,
    pub http: reqwest::Client,
    running: Option<Embedded>,
    database: TestDatabase,
}

/// A response: status, headers and JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(false, None).await
    }

    /// A server whose tenant lets SCIM set Date of Joining.
    pub async fn spawn_with_scim_joining_dates() -> TestApp {
        Self::spawn_with(true, None).await
    }

    /// A server with the /admin pages on, behind this password.
    pub async fn spawn_with_admin(password: &str) -> TestApp {
        Self::spawn_with(false, Some(password.to_owned())).await
    }

    async fn spawn_with(
        date_of_joining_from_scim: bool,
        admin_password: Option<String>,
    ) -> TestApp {
        let database = TestDatabase::create().await;
        let args = DatabaseArgs {
            database_url: database.url.clone(),
            db_max_connections: 4,
            skip_migrations: false,
        };
        let store = open_store(&args).await.expect("store");
        let grpc = TcpListener::bind("127.0.0.1:0").await.expect("bind grpc");
        let scim = TcpListener::bind("127.0.0.1:0").await.expect("bind scim");
        let running = Embedded::start_both_with_admin(store, grpc, scim, None, admin_password)
            .expect("start");
        let grpc_addr: SocketAddr = running.grpc_addr.expect("grpc addr");
        let scim_addr: SocketAddr = running.scim_addr.expect("scim addr");
        let grpc_url = format!("http://{grpc_addr}");
        let (tenant_id, token) = create_tenant_with(
            &grpc_url,
            "Northbridge Payroll Services",
            date_of_joining_from_scim,
        )
        .await;
        TestApp {
            scim: format!("http://{scim_addr}/scim/v2"),
            grpc: grpc_url,
            tenant_id,
            token,
            http: reqwest::Client::new(),
            running: Some(running),
            database,
        }
    }

    /// The test's database URL, for tests that reach under the service.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.database.drop_database().await;
    }

    /// Sends a SCIM request with this tenant's token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(&self.token, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.scim))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json; charset=utf-8")
                .body(body.to_string());
        }
        send(request).await
    }

    /// Sends raw bytes with a given content type.
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let request = self
            .http
            .request(method, format!("{}{path}", self.scim))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body);
        send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post_user(&self, user: Value) -> Reply {
        self.call(Method::POST, "/Users", Some(user)).await
    }

    /// Creates a user and returns its id, asserting 201.
    pub async fn create_user(&self, user: Value) -> String {
        let reply = self.post_user(user).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "create failed: {}",
            reply.body
        );
        reply.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn patch_user(&self, id: &str, operations: Value) -> Reply {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        self.call(Method::PATCH, &format!("/Users/{id}"), Some(body))
            .await
    }

    pub async fn user(&self, id: &str) -> Value {
        let reply = self.get(&format!("/Users/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "get failed: {}", reply.body);
        reply.body
    }

    /// Lists users with a raw (already encoded) query string.
    pub async fn list(&self, query: &str) -> Value {
        let reply = self.get(&format!("/Users?{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "list failed: {}", reply.body);
        reply.body
    }

    /// Lists users matching a filter, encoding it.
    pub async fn filter(&self, filter: &str) -> Value {
        let encoded: String = url_encode(filter);
        self.list(&format!("filter={encoded}")).await
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// A port free on 127.0.0.1 right now (for a helper process to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("free port")
}

pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Creates a tenant like `shared/entra/tenant.json` and returns (id, token).
pub async fn create_tenant(grpc: &str, name: &str) -> (String, String) {
    create_tenant_with(grpc, name, false).await
}

pub async fn create_tenant_with(
    grpc: &str,
    name: &str,
    date_of_joining_from_scim: bool,
) -> (String, String) {
    let mut client = TenantServiceClient::connect(grpc.to_owned())
        .await
        .expect("connect");
    let strings = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let tenant = client
        .create_tenant(CreateTenantRequest {
            name: name.to_owned(),
            time_zone: "Europe/London".to_owned(),
            departments: strings(&[
                "General",
                "Payroll",
                "Payroll and Benefits",
                "Payroll Operations",
                "People Operations",
                "Facilities",
            ]),
            default_department: "General".to_owned(),
            designations: strings(&[
                "Associate",
                "Payroll Analyst",
                "Senior Payroll Analyst",
                "Head of People Operations",
                "Facilities Contractor",
            ]),
            default_designation: "Associate".to_owned(),
            code_prefix: String::new(),
            code_width: 0,
            date_of_joining_from_scim,
        })
        .await
        .expect("create tenant")
        .into_inner();
    client
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: tenant.id.clone(),
            enabled: true,
        })
        .await
        .expect("enable");
    let token = client
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: tenant.id.clone(),
            expires_in_seconds: 0,
        })
        .await
        .expect("token")
        .into_inner()
        .token;
    (tenant.id, token)
}

/// A user body in the shape Entra sends on create.
pub fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Test Person",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Test Person", "familyName": "Person", "givenName": "Test"},
        "roles": []
    })
}

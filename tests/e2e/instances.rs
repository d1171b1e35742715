//! Several directory and adapter instances on one database: correctness
//! must come from the database, not from any one process. Runs on SQLite
//! by default and on PostgreSQL when the suite is pointed at one.

use hrms::{DatabaseArgs, Embedded, open_store};
use hrms_adapter::AdapterConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::{ENTERPRISE, PATCH_OP, TestDatabase, create_tenant, entra_user};

struct Cluster {
    directories: Vec<Embedded>,
    adapters: Vec<Embedded>,
    scim: Vec<String>,
    grpc: String,
}

async fn cluster(url: &str) -> Cluster {
    let mut directories = Vec::new();
    let mut adapters = Vec::new();
    let mut scim = Vec::new();
    for _ in 0..2 {
        let args = DatabaseArgs {
            database_url: url.to_owned(),
            db_max_connections: 4,
            skip_migrations: false,
        };
        let store = open_store(&args).await.expect("store");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        directories.push(Embedded::start_directory(store, listener).unwrap());
    }
    for directory in &directories {
        let config = AdapterConfig {
            directory_url: format!("http://{}", directory.grpc_addr.unwrap()),
            public_url: None,
            directory_timeout: std::time::Duration::from_secs(30),
            admin_password: None,
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let adapter = Embedded::start_adapter(&config, listener).unwrap();
        scim.push(format!("http://{}/scim/v2", adapter.scim_addr.unwrap()));
        adapters.push(adapter);
    }
    let grpc = format!("http://{}", directories[0].grpc_addr.unwrap());
    Cluster {
        directories,
        adapters,
        scim,
        grpc,
    }
}

async fn send(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> (StatusCode, Value) {
    let reply = http
        .request(method, url)
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn user_total(http: &reqwest::Client, token: &str, scim: &str) -> Value {
    let (_, body) = send(
        http,
        token,
        reqwest::Method::GET,
        format!("{scim}/Users?count=0"),
        Value::Null,
    )
    .await;
    body["totalResults"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_directories_and_two_adapters_keep_codes_names_and_patches_consistent() {
    let database = TestDatabase::create().await;
    let cluster = cluster(&database.url).await;
    let (_, token) = create_tenant(&cluster.grpc, "Shared Company").await;
    let http = reqwest::Client::new();

    // 60 blank codes, 10 explicit codes sent twice, 10 userNames sent
    // twice, spread over both adapters at once.
    let mut bodies = Vec::new();
    for n in 0..60 {
        bodies.push((
            "blank",
            entra_user(&format!("b{n}@example.test"), &format!("b{n}")),
        ));
    }
    for n in 0..20 {
        let mut user = entra_user(&format!("c{n}@example.test"), &format!("c{n}"));
        user[ENTERPRISE] = json!({"employeeNumber": format!("X-{}", n / 2)});
        bodies.push(("code", user));
    }
    for n in 0..20 {
        bodies.push((
            "name",
            entra_user(&format!("same{}@example.test", n / 2), &format!("s{n}")),
        ));
    }
    let creates = bodies.into_iter().enumerate().map(|(i, (kind, body))| {
        let (http, token, scim) = (&http, &token, &cluster.scim[i % 2]);
        async move {
            let reply = send(
                http,
                token,
                reqwest::Method::POST,
                format!("{scim}/Users"),
                body,
            )
            .await;
            (kind, reply)
        }
    });
    let replies = futures::future::join_all(creates).await;

    let count = |kind: &str, status: StatusCode| {
        replies
            .iter()
            .filter(|(k, (s, _))| *k == kind && *s == status)
            .count()
    };
    assert_eq!(count("blank", StatusCode::CREATED), 60);
    assert_eq!(
        (
            count("code", StatusCode::CREATED),
            count("code", StatusCode::CONFLICT)
        ),
        (10, 10)
    );
    assert_eq!(
        (
            count("name", StatusCode::CREATED),
            count("name", StatusCode::CONFLICT)
        ),
        (10, 10)
    );
    for (_, (status, body)) in &replies {
        if *status == StatusCode::CONFLICT {
            assert_eq!(body["scimType"], "uniqueness");
        }
    }
    let (_, all) = send(
        &http,
        &token,
        reqwest::Method::GET,
        format!("{}/Users?count=1000", cluster.scim[1]),
        Value::Null,
    )
    .await;
    let mut codes: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[ENTERPRISE]["employeeNumber"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 80);
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 80, "every code unique");

    // Concurrent PATCHes of one employee through both adapters.
    let id = replies[0].1.1["id"].as_str().unwrap().to_owned();
    let attributes = [
        "nickName",
        "displayName",
        "locale",
        "timezone",
        "userType",
        "preferredLanguage",
        "profileUrl",
        "title",
    ];
    let patches = attributes.iter().enumerate().map(|(i, attr)| {
        let value = if *attr == "title" { "Payroll Analyst".to_owned() } else { format!("set-{attr}") };
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": attr, "value": value}]});
        let (http, token, url) = (&http, &token, format!("{}/Users/{id}", cluster.scim[i % 2]));
        async move { send(http, token, reqwest::Method::PATCH, url, body).await }
    });
    for (status, body) in futures::future::join_all(patches).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, user) = send(
        &http,
        &token,
        reqwest::Method::GET,
        format!("{}/Users/{id}", cluster.scim[0]),
        Value::Null,
    )
    .await;
    for attr in attributes {
        let expected = if attr == "title" {
            "Payroll Analyst".to_owned()
        } else {
            format!("set-{attr}")
        };
        assert_eq!(user[attr], expected.as_str(), "{attr} was lost");
    }

    // A cursor one instance issued pages on at the other: they share the
    // signing key through the database.
    let mut seen = 0;
    let mut cursor = String::new();
    for page in 0..100 {
        let (status, body) = send(
            &http,
            &token,
            reqwest::Method::GET,
            format!(
                "{}/Users?count=30&attributes=id&cursor={cursor}",
                cluster.scim[page % 2]
            ),
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen += body["Resources"].as_array().unwrap().len();
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        json!(seen),
        user_total(&http, &token, &cluster.scim[1]).await
    );

    for running in cluster.adapters.into_iter().chain(cluster.directories) {
        running.stop().await;
    }
    database.drop_database().await;
}

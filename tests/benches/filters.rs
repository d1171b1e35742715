//! Filter cost by company size, through the whole stack (SCIM over HTTP →
//! adapter → gRPC → directory → SQLite).
//!
//! Two companies on one database, of 1,000 and 20,000 employees, each
//! employee with a nickname, two e-mail addresses, a phone number and a
//! middle name. Per round and company it times one query of each kind,
//! each matching one employee: a column (`userName eq`), a profile value
//! (`nickName eq`, `name.middleName eq`), Entra's e-mail value filter
//! (`emails[type eq "work"].value eq`), a phone value filter, and a
//! substring search (`nickName co`, which no index can answer). Companies
//! and filters are interleaved round by round, so noise hits all alike;
//! the report gives medians and the large/small ratio.
//!
//! Run: `cargo bench --bench filters` (release build). `BENCH_ROUNDS` sets
//! the rounds (default 200). Under `cargo test` it runs as a quick smoke
//! test on companies of 20 and 60 employees.

mod common;

use std::time::{Duration, Instant};

use hrms::{DatabaseArgs, Embedded, open_store};
use hrms_api::v1::{ContactValue, EmployeeAttributes, PersonName};
use tokio::net::TcpListener;
use tonic::transport::Channel;

const SIZES: [usize; 2] = [1_000, 20_000];
const SMOKE_SIZES: [usize; 2] = [20, 60];

fn employee(n: usize) -> EmployeeAttributes {
    let contact = |value: String, kind: &str| ContactValue {
        value,
        r#type: kind.to_owned(),
        primary: None,
        display: String::new(),
    };
    EmployeeAttributes {
        user_name: format!("person{n}@bench.example"),
        nick_name: format!("nick-{n}-x"),
        active: true,
        name: Some(PersonName {
            given_name: format!("Given{n}"),
            middle_name: format!("Middle{n}"),
            family_name: format!("Family{n}"),
            ..PersonName::default()
        }),
        emails: vec![
            contact(format!("person{n}@work.example"), "work"),
            contact(format!("person{n}@home.example"), "home"),
        ],
        phone_numbers: vec![contact(format!("+44 20 {n:07}"), "mobile")],
        ..EmployeeAttributes::default()
    }
}

/// The filters timed, each naming employee `n`.
fn filters(n: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "userName eq (column)",
            format!("userName eq \"person{n}@bench.example\""),
        ),
        ("nickName eq", format!("nickName eq \"nick-{n}-x\"")),
        (
            "name.middleName eq",
            format!("name.middleName eq \"middle{n}\""),
        ),
        (
            "emails[type eq work].value eq",
            format!("emails[type eq \"work\"].value eq \"person{n}@work.example\""),
        ),
        (
            "phoneNumbers[type and value]",
            format!("phoneNumbers[type eq \"mobile\" and value eq \"+44 20 {n:07}\"]"),
        ),
        ("nickName co (no index)", format!("nickName co \"k-{n}-\"")),
    ]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let benching = std::env::args().any(|arg| arg == "--bench");
    let sizes = if benching { SIZES } else { SMOKE_SIZES };
    let rounds: usize = match std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(rounds) if benching => rounds,
        _ if benching => 200,
        _ => 3,
    };
    let folder = tempfile::tempdir().expect("temp dir");
    let database = DatabaseArgs {
        database_url: format!("sqlite://{}/bench.db?mode=rwc", folder.path().display()),
        db_max_connections: 8,
        skip_migrations: false,
    };
    let store = open_store(&database).await.expect("store");
    let grpc = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let scim = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let running = Embedded::start_both(store, grpc, scim, None).expect("start");
    let scim_url = format!("http://{}/scim/v2", running.scim_addr.expect("scim"));
    let channel = Channel::from_shared(format!("http://{}", running.grpc_addr.expect("grpc")))
        .expect("url")
        .connect()
        .await
        .expect("connect");

    let mut companies = Vec::new();
    for size in sizes {
        let (tenant_id, token) = common::tenant(&channel, &format!("Bench {size}")).await;
        let started = Instant::now();
        common::seed_employees(&channel, &tenant_id, size, employee).await;
        println!("seeded {size} employees in {:.1?}", started.elapsed());
        companies.push((size, token));
    }
    let http = reqwest::Client::new();
    let labels: Vec<&str> = filters(0).into_iter().map(|(label, _)| label).collect();
    // samples[company][filter]
    let mut samples = vec![vec![Vec::with_capacity(rounds); labels.len()]; companies.len()];
    for round in 0..rounds {
        for (c, (size, token)) in companies.iter().enumerate() {
            // A different employee each round, spread over the company.
            let n = (round * 7919) % size;
            for (f, (_, filter)) in filters(n).into_iter().enumerate() {
                let started = Instant::now();
                let reply = http
                    .get(format!("{scim_url}/Users"))
                    .query(&[("filter", filter.as_str()), ("attributes", "id")])
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("request");
                assert!(reply.status().is_success(), "{filter}: {}", reply.status());
                let body: serde_json::Value = reply.json().await.expect("json");
                samples[c][f].push(started.elapsed());
                assert_eq!(body["totalResults"], 1, "{filter}");
            }
        }
    }

    println!(
        "\n{:32} {:>14} {:>14} {:>8}",
        "filter (median of rounds)",
        format!("{} users", sizes[0]),
        format!("{} users", sizes[1]),
        "ratio"
    );
    for (f, label) in labels.iter().enumerate() {
        let small = median(&mut samples[0][f]);
        let large = median(&mut samples[1][f]);
        println!(
            "{label:32} {:>11.3} ms {:>11.3} ms {:>7.2}x",
            small.as_secs_f64() * 1000.0,
            large.as_secs_f64() * 1000.0,
            large.as_secs_f64() / small.as_secs_f64()
        );
    }
    println!("({rounds} rounds)");
    running.stop().await;
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

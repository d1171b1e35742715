//! Group membership cost by group size, through the whole stack Entra uses
//! (SCIM over HTTP → adapter → gRPC → directory → SQLite).
//!
//! For groups of 1,000, 10,000 and 100,000 members it times, per
//! operation: adding one member (PATCH add), removing it (PATCH remove),
//! and Entra's membership check (`id eq G and members[value eq U]` with
//! `excludedAttributes=members`). Sizes are measured interleaved, round by
//! round, so machine noise hits all sizes alike.
//!
//! It then reads each group in full (members streamed by the adapter) and
//! reports the time, the body size and how far the process's resident
//! memory peaked above where it stood before the read (the peak is reset
//! first), which shows whether members were buffered.
//!
//! Run: `cargo bench --bench groups` (release build; seeding 100,000
//! employees takes a minute or two). `BENCH_ROUNDS` sets the rounds
//! (default 300). Under `cargo test` (no `--bench` argument) it runs as a
//! quick smoke test on groups of 10, 20 and 50 members, so the benchmark's
//! code is checked with the rest of the suite.

mod common;

use std::time::{Duration, Instant};

use hrms::{DatabaseArgs, Embedded, open_store};
use hrms_api::v1::group_service_client::GroupServiceClient;
use hrms_api::v1::{CreateGroupRequest, EmployeeAttributes, GroupMembersRequest};
use serde_json::json;
use tokio::net::TcpListener;
use tonic::transport::Channel;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const SMOKE_SIZES: [usize; 3] = [10, 20, 50];
const ADD_CHUNK: usize = 5_000;

struct Bench {
    http: reqwest::Client,
    scim: String,
    token: String,
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
        _ if benching => 300,
        _ => 5,
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
    let grpc_url = format!("http://{}", running.grpc_addr.expect("grpc"));
    let channel = Channel::from_shared(grpc_url)
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let (tenant_id, token) = common::tenant(&channel, "Bench Holdings").await;

    let largest = sizes[sizes.len() - 1];
    let started = Instant::now();
    let employees = common::seed_employees(&channel, &tenant_id, largest + rounds, |n| {
        EmployeeAttributes {
            user_name: format!("person{n}@bench.example"),
            display_name: format!("Person {n}"),
            active: true,
            ..EmployeeAttributes::default()
        }
    })
    .await;
    println!(
        "seeded {} employees in {:.1?}",
        employees.len(),
        started.elapsed()
    );
    let (members, outsiders) = employees.split_at(largest);

    let mut groups = Vec::new();
    for size in sizes {
        let started = Instant::now();
        let id = seed_group(&channel, &tenant_id, size, &members[..size]).await;
        println!("group of {size} members built in {:.1?}", started.elapsed());
        groups.push(id);
    }

    let bench = Bench {
        http: reqwest::Client::new(),
        scim: format!("http://{}/scim/v2", running.scim_addr.expect("scim")),
        token,
    };
    // [size][op] samples.
    let mut samples: Vec<Vec<Vec<Duration>>> = vec![vec![Vec::new(); 3]; sizes.len()];
    for user in &outsiders[..rounds] {
        for (s, group) in groups.iter().enumerate() {
            samples[s][0].push(bench.patch_members(group, "add", user).await);
            samples[s][1].push(bench.membership_check(group, user, true).await);
            samples[s][2].push(bench.patch_members(group, "remove", user).await);
        }
    }

    report(&sizes, &mut samples, rounds);
    println!();
    println!(
        "{:<20} {:>10} {:>12} {:>12} {:>16}",
        "full GET", "members", "time", "body", "peak RSS growth"
    );
    for (size, group) in sizes.iter().zip(&groups) {
        // Reset the peak to the current size, so the growth measured is
        // this read's and not the seeding's.
        let before = reset_peak_rss_kib();
        let (elapsed, bytes) = bench.full_read(group).await;
        let growth = status_kib("VmHWM:").saturating_sub(before);
        println!(
            "{:<20} {:>10} {:>12.1?} {:>9.1} MiB {:>12} KiB",
            "members streamed",
            size,
            elapsed,
            bytes as f64 / (1024.0 * 1024.0),
            growth
        );
    }
    running.stop().await;
}

impl Bench {
    async fn patch_members(&self, group: &str, op: &str, user: &str) -> Duration {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": "members", "value": [{"value": user}]}]
        });
        let started = Instant::now();
        let reply = self
            .http
            .patch(format!("{}/Groups/{group}", self.scim))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .expect("patch sent");
        let status = reply.status();
        let _ = reply.bytes().await;
        let elapsed = started.elapsed();
        assert_eq!(status, 204, "PATCH {op}");
        elapsed
    }

    /// Reads a whole group, counting the body as it streams in.
    async fn full_read(&self, group: &str) -> (Duration, usize) {
        use futures::StreamExt;
        let started = Instant::now();
        let reply = self
            .http
            .get(format!("{}/Groups/{group}", self.scim))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get sent");
        assert_eq!(reply.status(), 200);
        let mut bytes = 0;
        let mut body = reply.bytes_stream();
        while let Some(chunk) = body.next().await {
            bytes += chunk.expect("chunk").len();
        }
        (started.elapsed(), bytes)
    }

    async fn membership_check(&self, group: &str, user: &str, expected: bool) -> Duration {
        let url = format!(
            "{}/Groups?excludedAttributes=members&filter=id+eq+%22{group}%22+and+members%5Bvalue+eq+%22{user}%22%5D",
            self.scim
        );
        let started = Instant::now();
        let reply = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get sent");
        let body: serde_json::Value = reply.json().await.expect("json");
        let elapsed = started.elapsed();
        assert_eq!(body["totalResults"] == 1, expected, "membership check");
        elapsed
    }
}

fn report(sizes: &[usize], samples: &mut [Vec<Vec<Duration>>], rounds: usize) {
    const OPS: [&str; 3] = ["add one member", "membership check", "remove one member"];
    println!();
    println!("{rounds} rounds per size; latency per operation, SCIM over HTTP, in-process");
    println!(
        "{:<20} {:>10} {:>12} {:>12} {:>12}",
        "operation", "members", "median", "p95", "vs 1,000"
    );
    for (o, op) in OPS.iter().enumerate() {
        let base = median(&mut samples[0][o]);
        for (s, size) in sizes.iter().enumerate() {
            let median = median(&mut samples[s][o]);
            let p95 = percentile(&mut samples[s][o], 0.95);
            println!(
                "{:<20} {:>10} {:>12.3?} {:>12.3?} {:>11.2}x",
                op,
                size,
                median,
                p95,
                median.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
}

/// Resets the process's peak resident set to its current size (Linux
/// `clear_refs` 5) and returns that size in KiB.
fn reset_peak_rss_kib() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_kib("VmRSS:")
}

/// A `/proc/self/status` figure in KiB (VmHWM: peak, VmRSS: current); 0
/// where unknown.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn median(samples: &mut [Duration]) -> Duration {
    percentile(samples, 0.5)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

async fn seed_group(channel: &Channel, tenant_id: &str, size: usize, members: &[String]) -> String {
    let mut groups = GroupServiceClient::new(channel.clone());
    let group = groups
        .create_group(CreateGroupRequest {
            tenant_id: tenant_id.to_owned(),
            display_name: format!("Group of {size}"),
            ..CreateGroupRequest::default()
        })
        .await
        .expect("group")
        .into_inner();
    for chunk in members.chunks(ADD_CHUNK) {
        groups
            .add_group_members(GroupMembersRequest {
                tenant_id: tenant_id.to_owned(),
                id: group.id.clone(),
                member_ids: chunk.to_vec(),
            })
            .await
            .expect("members");
    }
    group.id
}

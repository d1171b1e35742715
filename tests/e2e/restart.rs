//! A PostgreSQL restart under load: requests in flight get 503 with a SCIM
//! body (never a 500), and the service recovers by itself.
//!
//! Needs a server the test may restart: `scripts/with-postgres.sh` provides
//! one and `scripts/test.sh` runs this test there on its own (`--ignored`,
//! after the rest), since the restart takes the database away from every
//! other test.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::support::{TestApp, entra_user};

const RESTART_ENV: &str = "HRMS_TEST_POSTGRES_RESTART";
/// Bounds on the load loop.
const MAX_REQUESTS: usize = 3000;
const MAX_TIME: Duration = Duration::from_secs(45);
const DOWNTIME_SECS: &str = "7";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a PostgreSQL it may restart (scripts/with-postgres.sh)"]
async fn a_database_restart_gives_503s_then_recovers_without_a_restart_of_ours() {
    let restart =
        std::env::var(RESTART_ENV).expect("HRMS_TEST_POSTGRES_RESTART names a restart script");
    assert!(
        std::env::var(crate::support::POSTGRES_ENV).is_ok(),
        "the restart test runs on PostgreSQL"
    );
    let app = Arc::new(TestApp::spawn().await);
    let id = app
        .create_user(entra_user("steady@example.test", "s"))
        .await;
    let restarted = Arc::new(AtomicBool::new(false));

    let load = {
        let (app, restarted, id) = (app.clone(), restarted.clone(), id.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let mut seen = Vec::new();
            let mut recovered = false;
            for n in 0..MAX_REQUESTS {
                if started.elapsed() > MAX_TIME {
                    break;
                }
                let reply = if n % 2 == 0 {
                    app.get(&format!("/Users/{id}")).await
                } else {
                    app.post_user(entra_user(
                        &format!("load{n}@example.test"),
                        &format!("l{n}"),
                    ))
                    .await
                };
                let ok = reply.status.is_success();
                seen.push((reply.status, reply.body));
                if restarted.load(Ordering::SeqCst) && ok {
                    recovered = true;
                    break;
                }
                if !ok {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            (seen, recovered)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Down for longer than the pool waits for a connection (5 s), so
    // requests in that window cannot be served and must answer 503.
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(restart)
            .arg(DOWNTIME_SECS)
            .status()
    })
    .await
    .unwrap()
    .expect("restart runs");
    assert!(status.success(), "restart script failed");
    restarted.store(true, Ordering::SeqCst);
    let (seen, recovered) = load.await.unwrap();

    let unavailable = seen
        .iter()
        .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    eprintln!(
        "restart: {} requests, {unavailable} answered 503",
        seen.len()
    );
    assert!(unavailable > 0, "requests during the downtime answered 503");
    assert!(
        recovered,
        "no request succeeded after the restart within {MAX_TIME:?}"
    );
    for (status, body) in &seen {
        match *status {
            StatusCode::OK | StatusCode::CREATED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["status"], "503", "{body}");
                assert_eq!(
                    body["schemas"][0],
                    "urn:ietf:params:scim:api:messages:2.0:Error"
                );
            }
            other => panic!("unexpected {other} during the restart: {body}"),
        }
    }
    let after = app.call(Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(after.status, StatusCode::OK);
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}

//! The `hrms` admin commands against a running directory: each prints JSON
//! and changes what it says.

use std::process::Command;

use hrms::{DatabaseArgs, Embedded, open_store};
use serde_json::Value;
use tokio::net::TcpListener;

/// Runs `hrms ARGS` against the directory; the parsed JSON it printed.
fn hrms(directory: &str, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(args)
        .env("HRMS_DIRECTORY_URL", directory)
        .env("OTEL_SDK_DISABLED", "true")
        .output()
        .expect("run hrms");
    assert!(
        output.status.success(),
        "hrms {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_print_json_and_take_effect() {
    let folder = tempfile::tempdir().unwrap();
    let args = DatabaseArgs {
        database_url: format!("sqlite://{}/hrms.db?mode=rwc", folder.path().display()),
        db_max_connections: 4,
        skip_migrations: false,
    };
    let store = open_store(&args).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = Embedded::start_directory(store, listener).unwrap();
    let directory = format!("http://{}", running.grpc_addr.unwrap());
    let file = folder.path().join("tenant.json");
    std::fs::write(
        &file,
        r#"{"name": "Quarry Lane Foods", "time_zone": "Europe/Dublin",
            "departments": ["General", "Kitchen"], "designations": ["Associate", "Chef"]}"#,
    )
    .unwrap();

    let dir = directory.clone();
    let (created, shown, set, format, status, tokens, rotated, revoked, units, retired, log) =
        tokio::task::spawn_blocking(move || {
            let d = dir.as_str();
            let created = hrms(d, &["tenant", "create", "--file", file.to_str().unwrap()]);
            let tenant = created["tenant_id"].as_str().unwrap().to_owned();
            let t = tenant.as_str();
            let shown = hrms(d, &["tenant", "show", "--tenant", t]);
            let set = hrms(
                d,
                &[
                    "tenant",
                    "set",
                    "--tenant",
                    t,
                    "--time-zone",
                    "Europe/Paris",
                ],
            );
            let format = hrms(
                d,
                &[
                    "tenant",
                    "code-format",
                    "--tenant",
                    t,
                    "--prefix",
                    "QL-",
                    "--width",
                    "4",
                    "--next-number",
                    "50",
                ],
            );
            let status = hrms(d, &["scim", "disable", "--tenant", t]);
            let tokens = hrms(d, &["token", "list", "--tenant", t]);
            let first = tokens[0]["token_id"].as_str().unwrap().to_owned();
            let rotated = hrms(
                d,
                &[
                    "token",
                    "rotate",
                    "--tenant",
                    t,
                    "--token-id",
                    &first,
                    "--overlap",
                    "1h",
                ],
            );
            let revoked = hrms(d, &["token", "revoke", "--tenant", t, "--token-id", &first]);
            hrms(
                d,
                &[
                    "department",
                    "add",
                    "--tenant",
                    t,
                    "--name",
                    "Front of House",
                ],
            );
            let units = hrms(d, &["department", "list", "--tenant", t]);
            let kitchen = units
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["name"] == "Kitchen")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let retired = hrms(
                d,
                &["department", "retire", "--tenant", t, "--id", &kitchen],
            );
            let log = hrms(
                d,
                &[
                    "log",
                    "--tenant",
                    t,
                    "--outcome",
                    "failure",
                    "--since",
                    "2020-01-01T00:00:00Z",
                ],
            );
            (
                created, shown, set, format, status, tokens, rotated, revoked, units, retired, log,
            )
        })
        .await
        .unwrap();

    assert!(created["token"].as_str().unwrap().starts_with("hrms_scim_"));
    assert_eq!(shown["name"], "Quarry Lane Foods");
    assert_eq!(set["time_zone"], "Europe/Paris");
    assert_eq!(format["code_prefix"], "QL-");
    assert_eq!(format["next_code_number"], 50);
    assert_eq!(status["scim_enabled"], false);
    assert_eq!(tokens.as_array().unwrap().len(), 1);
    assert!(tokens.to_string().find("hrms_scim_").is_none());
    assert!(rotated["token"].as_str().unwrap().starts_with("hrms_scim_"));
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(units.as_array().unwrap().len(), 3);
    assert_eq!(retired["retired"], true);
    assert_eq!(log, Value::Array(vec![]));
    running.stop().await;
}

//! Entry point of the `hrms` binary; see `hrms --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hrms::{DatabaseArgs, Embedded, admin, open_store, shutdown_signal, telemetry, tenant};
use hrms_adapter::AdapterConfig;
use tokio::net::TcpListener;

/// Runtime HRMS directory service and SCIM adapter for Microsoft Entra ID.
#[derive(Debug, Parser)]
#[command(name = "hrms", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the directory service and the SCIM adapter in one process.
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Address of the directory's gRPC API.
        #[arg(long, env = "HRMS_GRPC_ADDR", default_value = "127.0.0.1:50051")]
        grpc_addr: SocketAddr,
        /// Address of the SCIM endpoint (base path /scim/v2).
        #[arg(long, env = "HRMS_SCIM_ADDR", default_value = "127.0.0.1:8080")]
        scim_addr: SocketAddr,
        /// Public SCIM base URL for Location headers; default: from Host.
        #[arg(long, env = "HRMS_PUBLIC_URL")]
        public_url: Option<String>,
        /// Password of the administrator pages at /admin (at least 12
        /// characters; prefer the environment variable). Unset: no pages.
        #[arg(long, env = "HRMS_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
    /// Runs the directory service alone.
    Directory {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Address of the directory's gRPC API.
        #[arg(long, env = "HRMS_GRPC_ADDR", default_value = "127.0.0.1:50051")]
        grpc_addr: SocketAddr,
    },
    /// Runs the SCIM adapter alone, against a directory service.
    Adapter {
        /// The directory's gRPC URL.
        #[arg(
            long,
            env = "HRMS_DIRECTORY_URL",
            default_value = "http://127.0.0.1:50051"
        )]
        directory: String,
        #[arg(long, env = "HRMS_SCIM_ADDR", default_value = "127.0.0.1:8080")]
        scim_addr: SocketAddr,
        #[arg(long, env = "HRMS_PUBLIC_URL")]
        public_url: Option<String>,
        /// Password of the administrator pages at /admin; unset: no pages.
        #[arg(long, env = "HRMS_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
    /// Applies database migrations and exits.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Tenant administration: create, show, settings, Employee Code format.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Switches a company's SCIM provisioning on or off, or shows its status.
    Scim {
        #[command(subcommand)]
        command: admin::ScimCommand,
    },
    /// A company's SCIM bearer tokens: issue, rotate, revoke, list.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
    /// A company's departments: list, add, rename, retire, choose the default.
    Department {
        #[command(subcommand)]
        command: admin::UnitCommand,
    },
    /// A company's designations (job titles), likewise.
    Designation {
        #[command(subcommand)]
        command: admin::UnitCommand,
    },
    /// A company's provisioning log, newest first.
    Log(admin::LogArgs),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Creates a tenant from a JSON file, switches SCIM on and prints the
    /// tenant id and a bearer token (shown once) as JSON.
    Create {
        #[arg(long)]
        file: PathBuf,
        #[arg(
            long,
            env = "HRMS_DIRECTORY_URL",
            default_value = "http://127.0.0.1:50051"
        )]
        directory: String,
    },
    #[command(flatten)]
    Settings(admin::TenantSettings),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _telemetry = telemetry::init("hrms")?;
    match cli.command {
        Command::Serve {
            database,
            grpc_addr,
            scim_addr,
            public_url,
            admin_password,
        } => {
            let store = open_store(&database).await?;
            let grpc = bind(grpc_addr).await?;
            let scim = bind(scim_addr).await?;
            let admin = admin_password.is_some();
            let running =
                Embedded::start_both_with_admin(store, grpc, scim, public_url, admin_password)?;
            if admin {
                tracing::info!("administrator pages at http://{scim_addr}/admin");
            }
            tracing::info!(grpc.addr = %grpc_addr, scim.addr = %scim_addr, "serving SCIM at http://{scim_addr}/scim/v2");
            running.run_until(shutdown_signal()).await
        }
        Command::Directory {
            database,
            grpc_addr,
        } => {
            let store = open_store(&database).await?;
            let running = Embedded::start_directory(store, bind(grpc_addr).await?)?;
            tracing::info!(grpc.addr = %grpc_addr, "directory serving");
            running.run_until(shutdown_signal()).await
        }
        Command::Adapter {
            directory,
            scim_addr,
            public_url,
            admin_password,
        } => {
            let config = AdapterConfig {
                directory_url: directory,
                public_url,
                directory_timeout: Duration::from_secs(30),
                admin_password,
            };
            let running = Embedded::start_adapter(&config, bind(scim_addr).await?)?;
            tracing::info!(scim.addr = %scim_addr, "serving SCIM at http://{scim_addr}/scim/v2");
            running.run_until(shutdown_signal()).await
        }
        Command::Migrate { mut database } => {
            database.skip_migrations = false;
            open_store(&database).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::Create { file, directory },
        } => {
            let file = tenant::read_file(&file)?;
            let created = tenant::create(&directory, file).await?;
            println!("{created}");
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::Settings(command),
        } => print(admin::tenant_settings(command).await?),
        Command::Scim { command } => print(admin::scim(command).await?),
        Command::Token { command } => print(admin::token(command).await?),
        Command::Department { command } => print(admin::units(command, false).await?),
        Command::Designation { command } => print(admin::units(command, true).await?),
        Command::Log(args) => print(admin::log(args).await?),
    }
}

fn print(value: serde_json::Value) -> anyhow::Result<()> {
    println!("{value}");
    Ok(())
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}

//! The `hrms` command: runs the directory service, the SCIM adapter or both
//! in one process (the embedded default), and administers tenants.
//!
//! [`Embedded`] is also what the end-to-end tests start, so they exercise
//! the same wiring as `hrms serve`.

pub mod admin;
pub mod telemetry;
pub mod tenant;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use hrms_adapter::{AdapterConfig, AppState};
use hrms_directory::{DirectoryConfig, Store, StoreOptions};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The default database: a SQLite file under `./data`, created on start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/hrms.db?mode=rwc";

/// Database settings shared by `serve` and `directory`.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH?mode=rwc` (created and migrated on first start) or
    /// `postgres://USER@HOST/DB`.
    #[arg(long, env = "HRMS_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Largest number of pooled database connections.
    #[arg(long, env = "HRMS_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// Do not apply migrations at start (for deployments that run
    /// `hrms migrate` as a separate step).
    #[arg(long, env = "HRMS_SKIP_MIGRATIONS")]
    pub skip_migrations: bool,
}

impl DatabaseArgs {
    fn options(&self) -> StoreOptions {
        StoreOptions {
            url: self.database_url.clone(),
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens the store, creating a SQLite file's folder first, and migrates.
pub async fn open_store(args: &DatabaseArgs) -> anyhow::Result<Store> {
    if let Some(folder) = sqlite_folder(&args.database_url) {
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating the database folder {}", folder.display()))?;
    }
    let store = Store::connect(&args.options())
        .await
        .context("connecting to the database")?;
    if !args.skip_migrations {
        store.migrate().await.context("migrating the database")?;
        hrms_directory::values::index_existing(&store)
            .await
            .context("making existing employees' attributes searchable")?;
    }
    Ok(store)
}

/// The folder a `sqlite://` URL's file lives in, if it names a file.
fn sqlite_folder(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map(Path::to_path_buf)
}

/// A running directory and/or adapter, stopped by [`Embedded::stop`].
pub struct Embedded {
    pub grpc_addr: Option<SocketAddr>,
    pub scim_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

impl Embedded {
    /// Starts the directory on `grpc_listener` with `store`.
    pub fn start_directory(store: Store, grpc_listener: TcpListener) -> anyhow::Result<Self> {
        let mut running = Embedded::empty();
        running.add_directory(store, grpc_listener)?;
        Ok(running)
    }

    /// Starts the adapter on `scim_listener`, talking to `config.directory_url`.
    pub fn start_adapter(
        config: &AdapterConfig,
        scim_listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let mut running = Embedded::empty();
        running.add_adapter(config, scim_listener)?;
        Ok(running)
    }

    /// Starts both; the adapter calls the directory over loopback gRPC,
    /// exactly as it would across machines.
    pub fn start_both(
        store: Store,
        grpc_listener: TcpListener,
        scim_listener: TcpListener,
        public_url: Option<String>,
    ) -> anyhow::Result<Self> {
        Self::start_both_with_admin(store, grpc_listener, scim_listener, public_url, None)
    }

    /// As [`Embedded::start_both`], with the `/admin` pages on when an
    /// administrator password is given.
    pub fn start_both_with_admin(
        store: Store,
        grpc_listener: TcpListener,
        scim_listener: TcpListener,
        public_url: Option<String>,
        admin_password: Option<String>,
    ) -> anyhow::Result<Self> {
        let mut running = Embedded::empty();
        let grpc_addr = running.add_directory(store, grpc_listener)?;
        let config = AdapterConfig {
            directory_url: format!("http://{grpc_addr}"),
            public_url,
            directory_timeout: Duration::from_secs(30),
            admin_password,
        };
        running.add_adapter(&config, scim_listener)?;
        Ok(running)
    }

    fn empty() -> Self {
        let (stop, _) = watch::channel(false);
        Embedded {
            grpc_addr: None,
            scim_addr: None,
            stop,
            tasks: Vec::new(),
        }
    }

    fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.stop.subscribe();
        async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        }
    }

    fn add_directory(&mut self, store: Store, listener: TcpListener) -> anyhow::Result<SocketAddr> {
        let addr = listener.local_addr()?;
        let stopped = self.stopped();
        self.tasks.push(tokio::spawn(async move {
            hrms_directory::serve(listener, store, DirectoryConfig::default(), stopped).await?;
            Ok(())
        }));
        self.grpc_addr = Some(addr);
        Ok(addr)
    }

    fn add_adapter(
        &mut self,
        config: &AdapterConfig,
        listener: TcpListener,
    ) -> anyhow::Result<SocketAddr> {
        let addr = listener.local_addr()?;
        let state = AppState::new(config)?;
        let router = hrms_adapter::router(state);
        let stopped = self.stopped();
        self.tasks.push(tokio::spawn(async move {
            hrms_adapter::serve(listener, router, stopped).await?;
            Ok(())
        }));
        self.scim_addr = Some(addr);
        Ok(addr)
    }

    /// Waits until a part stops by itself (an error) or `signal` fires,
    /// then stops everything.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        let tasks = std::mem::take(&mut self.tasks);
        let first = futures_first(tasks);
        tokio::select! {
            () = signal => {
                tracing::info!("shutting down");
                let _ = self.stop.send(true);
                Ok(())
            }
            result = first => {
                let _ = self.stop.send(true);
                result
            }
        }
    }

    /// Stops every part and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Resolves when the first task ends, with its result.
async fn futures_first(tasks: Vec<JoinHandle<anyhow::Result<()>>>) -> anyhow::Result<()> {
    if tasks.is_empty() {
        return std::future::pending().await;
    }
    let (result, _, rest) = futures::future::select_all(tasks).await;
    for task in rest {
        task.abort();
    }
    result.context("a server task panicked")?
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_folder_is_found_for_file_urls_only() {
        assert_eq!(sqlite_folder(DEFAULT_DATABASE_URL), Some("data".into()));
        assert_eq!(sqlite_folder("sqlite:///tmp/x/h.db"), Some("/tmp/x".into()));
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
        assert_eq!(sqlite_folder("sqlite://h.db"), None);
        assert_eq!(sqlite_folder("postgres://localhost/h"), None);
    }
}

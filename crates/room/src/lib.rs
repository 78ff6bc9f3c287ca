//! The Web Sense Room's HTTP API (`websense serve`): trends and the items behind them,
//! signals for the case table (i2o), curator tools, accounts, the audit log and privacy.
//!
//! This crate owns who may see and do what, and the record of what they saw and did: the
//! axum router and its JSON API, accounts with roles (Argon2id password hashes, bearer
//! tokens stored as SHA-256), the append-only audit log, raw-text retention and author
//! resolution, the curator's draft evaluation, and the workers that scan for signal
//! candidates and deliver confirmed signals. It keeps its own small transactional data
//! (accounts, sessions, audit log, signals, deliveries, lexicon versions) in one SQLite file,
//! the *room database* ([`RoomDb`]), in every deployment; items and trends stay in the
//! [`Store`] (SQLite or ClickHouse). It must not collect, match or write items: it reads the
//! store, and only purges raw text from it. It does not depend on the collector either: the
//! `[privacy]` section's type, the switch file it writes to turn a source off
//! (`switches.json`) and Telegram discovery's files (the channels collected channels mention,
//! which it proposes to admins, and the channels an admin added or dismissed, which it
//! writes: `websense_model::telegram`) are `websense_model`'s. Signal semantics (states, explanation, export,
//! webhook) are `websense-signals`'; spike detection and emerging terms are
//! `websense-trends`', reached through [`TrendAnalysis`] ([`SeasonalTrends`]).
//!
//! # Endpoints and roles
//!
//! Every endpoint is one row of one table ([`routes::ENDPOINTS`]): method, path, who may call
//! it, and its handler. The router is built from the rows alone, each handler wrapped in the
//! authorization layer for its own row, so no route exists without its access rule: no
//! credentials or bad ones are `401`, a role that is not listed is `403`. `HEAD` is the `GET`
//! it mirrors (same rule, no body); any method a route's rows do not name (`OPTIONS`, `PUT`,
//! `DELETE`, `PATCH`, ...) is `405` with an `Allow` header, and runs nothing. The same table is
//! checked against the OpenAPI document the API serves at `/api/openapi.json`, and a test
//! walks every route x method x kind of caller from it (`tests/access_matrix.rs`).
//!
//! Every `POST` changes something, so it must be JSON and, when the browser names its page's
//! origin, come from this server (`csrf`: 415 for forms, 403 for other origins; checked after
//! the caller is known). Every answer under `/api/` is `Cache-Control: no-store`.
//!
//! | endpoint                                   | analyst | curator | i2o liaison | admin | audited |
//! |--------------------------------------------|:-------:|:-------:|:-----------:|:-----:|:-------:|
//! | `POST /api/login`                          | public  |         |             |       | yes     |
//! | `POST /api/logout`, `GET /api/me`          | any     | any     | any         | any   | logout  |
//! | `GET /api/openapi.json`                    | public  |         |             |       |         |
//! | `GET /api/trends/categories/{category}`    | x       | x       |             | x     |         |
//! | `GET /api/trends/terms/{category}/{term}`  | x       | x       |             | x     |         |
//! | `GET /api/totals`                          | x       | x       |             | x     |         |
//! | `GET /api/terms/rising`                    | x       | x       |             | x     |         |
//! | `GET /api/terms/emerging`                  | x       | x       |             |       |         |
//! | `GET /api/spikes`                          | x       | x       |             | x     |         |
//! | `GET /api/overview`                        | x       | x       |             | x     |         |
//! | `GET /api/events` (server-sent spikes)     | x       | x       |             | x     |         |
//! | `POST /api/terms/emerging/reject`          | x       | x       |             |       | yes     |
//! | `GET /api/items` (item text)               | x       | x       |             |       | yes     |
//! | `GET /api/signals`, `GET /api/signals/{id}`| x       |         | x           | x     |         |
//! | `POST /api/signals/scan`                   | x       |         |             |       | yes     |
//! | `POST /api/signals/dismiss` (several)      | x       |         |             |       | yes     |
//! | `GET /api/signals/{id}/item` (item text)   | x       |         |             |       | yes     |
//! | `POST /api/signals/{id}/confirm`, `/dismiss`| x      |         |             |       | yes     |
//! | `GET /api/signals/export`                  | x       |         | x           |       | yes     |
//! | `GET /api/signals/{id}/deliveries`         |         |         | x           | x     |         |
//! | `POST /api/signals/{id}/resolve-author`    |         |         |             | x     | yes     |
//! | `GET /api/sources/status`                  | x       | x       |             | x     |         |
//! | `GET /api/lexicons`                        | x       | x       |             | x     |         |
//! | `POST /api/lexicons/evaluate` (starts a job) |       | x       |             |       | yes     |
//! | `GET /api/lexicons/evaluate/{id}`, `POST .../cancel` | | x (own) |           | x (no result) | cancel |
//! | `GET /api/lexicons/files`                  |         | x       |             |       |         |
//! | `POST /api/lexicons/save`                  |         | x       |             |       | yes     |
//! | `GET /api/lexicons/history`, `.../{version}/diff` |  | x       |             | x     |         |
//! | `POST /api/sources/{id}/enabled`           |         |         |             | x     | yes     |
//! | `GET /api/telegram/proposals`              |         |         |             | x     |         |
//! | `POST /api/telegram/proposals/{channel}/add`, `/dismiss` | |   |             | x     | yes     |
//! | `GET /api/audit`                           |         |         |             | x     |         |
//! | `GET /api/audit/export`                    |         |         |             | x     | yes     |
//! | `GET /api/municipalities`, `.../{code}`    | x       | x       |             | x     | posts   |
//! | `GET /api/accounts`                        |         |         |             | x     |         |
//! | `POST /api/accounts/{name}/municipalities` |         |         |             | x     | yes     |
//! | `GET /api/settings`, `POST /api/settings`  | any     | any     | any         | any   |         |
//!
//! An admin can scope an account to municipalities ([`scope`]): it then reads the posts,
//! items and signals of those municipalities only, through every endpoint (a municipality
//! outside its scope is 403), and the region's aggregate counts. Each person's municipality
//! filter is remembered in the room database (`/api/settings`).
//!
//! Admin is not a super-user: it runs the room (audit, deliveries, author resolution) but
//! reads no item text, and analysts cannot read the audit log. An account may hold several
//! roles. The i2o liaison sees confirmed signals only: other states are 403 in listings and
//! exports and 404 for one signal (unless the account is also an analyst or admin). With
//! `[room] four_eyes` the account that confirmed a signal cannot resolve its author. The
//! audit log is hash-chained ([`audit::chain`]), verified at start.
//!
//! # Pages
//!
//! The Web Sense Room's pages (`/overzicht`, `/kaart`, `/gemeente`, `/trends`, `/berichten`,
//! `/signalen`, `/lexicons`, `/bronnen`, `/audit`, `/accounts`, `/login`) are served by the
//! same router from [`pages`] (the map and a municipality's overview from [`pages_map`]):
//! HTML shells and scripts compiled into the binary, which build every page from
//! the JSON API with DOM calls (post text only ever as text nodes), under a strict
//! Content-Security-Policy. Dutch first, English through `/taal/en`. On `/bronnen` admins also
//! see Telegram discovery's proposals (`GET /api/telegram/proposals`) and add or dismiss them.
//!
//! # Errors
//!
//! Every failure is `{"error": "..."}`: 400 for malformed query or path parameters, 415/400/422
//! for missing, malformed or ill-shaped JSON, 404 for unknown ids, 409 for a decision on a
//! decided signal, 410 when an author can no longer be resolved, 501 for trend analysis that
//! is not plugged in, 503 when the store fails or a read runs past `[room]
//! request_deadline`, 500 only for the room database's own trouble.
//!
//! # Bounded work
//!
//! Every parameter is bounded before any work starts, in one place (`api::params`): times
//! within 1970..2200 (so no date arithmetic can overflow), ranges the store analyses at most
//! `[room] max_range` (366 days by default), series at most 10,000 buckets, page sizes and
//! offsets capped, reasons at most 2000 characters. Reads (`GET`, `HEAD`) answer within
//! `[room] request_deadline` (30 s) or get 503; work already on a blocking thread
//! finishes there and its answer is dropped. Writes have no deadline: a write cut off would
//! still happen, unseen; their work is bounded by their parameters (a scan covers at most 31
//! days, a draft evaluation at most `evaluate_max_range` and `evaluate_max_items`).
//!
//! # Design and costs
//!
//! Handlers are thin: parse, authorize (in the layer), call the store or the room database on
//! a blocking thread, audit, answer. The room database is one connection behind a mutex:
//! its writes are people's actions and a few worker rows a minute, so contention is not a
//! concern, and one connection lets a decision and its audit row share a transaction.
//! Logins are bounded before they cost anything: a failed-login throttle per name and client
//! address (`throttle`: charged before the password is checked, so parallel guesses count;
//! slowing with `Retry-After`, never locking out), then at most `[room.login] concurrency`
//! Argon2id checks at once on the blocking pool, in buffers of `password_hash.memory_kib`
//! (19 MiB by default) reserved when the room opens and reused, with a bounded, deadlined
//! queue and 503 beyond it (`password_checks`). A flood of logins costs no memory beyond the
//! buffers (400 at once: resident memory 111 MB before, 114 MB after, measured by
//! `crates/websense/tests/login_load.rs`). Reads
//! of item text page through the store's bucket query (at most 500 items per call). The
//! curator's draft evaluation is a job (start, progress, cancel) that reads up to
//! `evaluate_max_items` stored items, compares the draft with their stored hits and
//! re-scores only those the draft can change, on every core ([`evaluate`]), and writes
//! nothing: 6.4 s for the last 30 days of a 10M-item store (3.4 million posts).
//!
//! Measured on the 2-core development machine with the embedded store, while other builds
//! ran on it (`cargo run --release -p websense-room --example room_bench -- 50 lexicons`:
//! 102,259 generated posts, 50 MB, over three days, the shipped lexicons): a draft
//! evaluation takes 2.3 s (3.9 s for the full two-sided re-score; 1.25 s and 2.1 s on a
//! quieter moment), a candidate scan of the same posts 1.05 s, reading a 500-post bucket
//! 5 ms, and one password check at the default Argon2id cost 34 ms.

pub mod accounts;
mod api;
pub mod audit;
mod auth;
pub mod config;
mod csrf;
pub mod db;
pub mod error;
mod error_text;
pub mod evaluate;
pub mod lexicons;
pub mod local;
pub mod pages;
pub mod pages_map;
mod password_checks;
pub mod region;
pub mod routes;
pub mod scan;
pub mod scope;
mod spike_cache;
pub mod spike_scan;
mod throttle;
pub mod trends;
pub mod workers;

pub use accounts::{Caller, Role};
pub use config::{LoginConfig, PasswordHashCost, PrivacyConfig, RoomConfig, ServeConfig};
pub use db::RoomDb;
pub use error::ApiError;
pub use trends::{SeasonalTrends, TrendAnalysis};

use std::path::PathBuf;
use std::sync::Arc;
use websense_signals::{AuthorVault, Deliverer};
use websense_store::Store;

/// Why the room cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error(transparent)]
    Database(#[from] db::OpenError),
    #[error(transparent)]
    Vault(#[from] websense_signals::VaultError),
    #[error("{0}")]
    Config(String),
    #[error(
        "{0}. The room does not start on a broken audit log: keep a copy of the database as \
         evidence, see `websense audit verify` and deploy/operations.md"
    )]
    AuditChain(#[from] audit::chain::ChainError),
}

/// Everything the API and the workers share.
pub struct Room {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) db: RoomDb,
    pub(crate) config: RoomConfig,
    pub(crate) privacy: PrivacyConfig,
    pub(crate) lexicon_dir: PathBuf,
    pub(crate) vault: Option<Arc<AuthorVault>>,
    pub(crate) trends: Option<Arc<dyn TrendAnalysis>>,
    pub(crate) deliverer: Option<Arc<Deliverer>>,
    /// The overview's last spike scan ([`spike_cache`]).
    pub(crate) overview_spikes: spike_cache::SpikeCache,
    /// Verified against when a login names no account, so that case takes as long as a
    /// wrong password and does not reveal which names exist.
    pub(crate) decoy_hash: String,
    /// At most `[room.login] concurrency` password checks at once, in memory reserved here.
    pub(crate) password_checks: password_checks::PasswordChecks,
    /// Failed logins slow further tries per name and address (`throttle`).
    pub(crate) login_throttle: throttle::LoginThrottle,
    /// Open and ongoing spikes for `/api/events`, kept by a worker while anyone listens.
    pub(crate) live: tokio::sync::watch::Sender<Arc<Vec<trends::ReportedSpike>>>,
    pub(crate) live_wake: tokio::sync::Notify,
    /// API requests that passed authorization and reached their handler.
    pub(crate) handled: std::sync::atomic::AtomicU64,
    /// One admin decision about a proposed Telegram channel at a time (read, change, write
    /// `telegram_channels.json`).
    pub(crate) channel_decisions: tokio::sync::Mutex<()>,
    /// The curators' draft evaluations, running and recently finished.
    pub(crate) evaluations: evaluate::EvaluationJobs,
    /// The municipalities, their names and map locations (the shipped gazetteer).
    pub(crate) gazetteer: Arc<websense_gazetteer::Gazetteer>,
    /// `[region]`, resolved: the municipalities of the default view.
    pub(crate) region: region::Region,
    /// The map's last figures ([`local::FiguresCache`]).
    pub(crate) map_figures: local::FiguresCache,
}

impl Room {
    /// Open the room database (and the author vault, when configured) and set up the webhook
    /// deliverer (when configured). Workers start with [`workers::spawn_workers`] (or [`serve`]).
    pub fn new(
        config: RoomConfig,
        privacy: PrivacyConfig,
        store: Arc<dyn Store>,
        lexicon_dir: impl Into<PathBuf>,
    ) -> Result<Room, RoomError> {
        config
            .validate()
            .map_err(|e| RoomError::Config(e.to_string()))?;
        privacy
            .validate()
            .map_err(|e| RoomError::Config(e.to_string()))?;
        let gazetteer = Arc::new(websense_gazetteer::Gazetteer::shipped());
        let region =
            region::Region::resolve(&config.region, &gazetteer).map_err(RoomError::Config)?;
        let mut db = RoomDb::open(&config.database)?;
        let started = std::time::Instant::now();
        let head_file = config.audit_head_file.clone();
        match db.blocking(|c| audit::chain::verify(c, head_file.as_deref())) {
            Ok(report) => {
                tracing::info!(
                    rows = report.rows,
                    ms = started.elapsed().as_millis() as u64,
                    "audit log chain verified"
                );
                if let Some(file) = head_file {
                    db.export_audit_head(file);
                }
            }
            Err(e) if config.audit_verify_at_start => return Err(e.into()),
            // The head file is left as it is: it is evidence of what the log held.
            Err(e) => tracing::error!(
                error = %e,
                "THE AUDIT LOG IS BROKEN; starting anyway ([room] audit_verify_at_start = false)"
            ),
        }
        let vault = match &privacy.author_vault {
            Some(path) => Some(Arc::new(AuthorVault::open(path)?)),
            None => None,
        };
        let deliverer = match &config.webhook {
            Some(w) => Some(Arc::new(
                Deliverer::new(db.connection(), w.clone()).map_err(RoomError::Config)?,
            )),
            None => None,
        };
        let decoy_hash = accounts::hash_password("decoy password", config.password_hash)
            .map_err(|e| RoomError::Config(e.to_string()))?;
        let password_checks =
            password_checks::PasswordChecks::new(&config.login, config.password_hash);
        let login_throttle = throttle::LoginThrottle::new(&config.login);
        Ok(Room {
            store,
            db,
            config,
            privacy,
            lexicon_dir: lexicon_dir.into(),
            vault,
            trends: None,
            deliverer,
            overview_spikes: Default::default(),
            decoy_hash,
            password_checks,
            login_throttle,
            live: tokio::sync::watch::Sender::new(Arc::new(Vec::new())),
            live_wake: tokio::sync::Notify::new(),
            handled: Default::default(),
            channel_decisions: tokio::sync::Mutex::new(()),
            evaluations: evaluate::EvaluationJobs::default(),
            gazetteer,
            region,
            map_figures: Default::default(),
        })
    }

    /// Plug in spike detection and emerging-term suggestions.
    pub fn with_trends(mut self, trends: Arc<dyn TrendAnalysis>) -> Room {
        self.trends = Some(trends);
        self
    }

    pub fn db(&self) -> &RoomDb {
        &self.db
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn config(&self) -> &RoomConfig {
        &self.config
    }

    /// How many API requests have reached their handler since start, i.e. passed
    /// authorization (a figure for monitoring, and the tests' proof that refused requests
    /// run nothing).
    pub fn handled_requests(&self) -> u64 {
        self.handled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The API.
    pub fn router(self: &Arc<Self>) -> axum::Router {
        routes::router(self.clone())
    }
}

/// Serve the API on `listener` with the workers running, until `shutdown` completes; then
/// finish the requests in flight and stop the workers.
pub async fn serve(
    room: Arc<Room>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = workers::spawn_workers(&room, stopped);
    // The peer's address is the login throttle's key (`throttle::ClientAddress`).
    let app = room
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    served
}

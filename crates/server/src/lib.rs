//! The composition root: configuration, telemetry, and the only place that names the
//! concrete adapters. `main.rs` is a thin CLI over it; the black-box tests start the
//! same [`Application`] on port 0.

pub mod billing_cli;
pub mod config;
pub mod config_error;
pub mod config_limits;
pub mod config_receivables;
pub mod config_schedule;
pub mod config_seller;
pub mod config_tokens;
mod config_urls;
pub mod delivery;
pub mod jobs;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use portal_billing::{Portal, SystemClock};
use portal_http::access::PortalRootSpan;
use portal_http::limits::RateLimits;
use portal_http::{AppState, HttpSettings, TokenKeys};
use portal_pdf::{KrillaInvoiceRenderer, Seller};
use portal_persistence::{
    CachedStore, KeyValue, MemoryCache, RedisCache, RedisChangeFeed, SeaOrmStore,
};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

pub use config::{ConfigError, Settings};

/// Opens the database, applies migrations and builds the capability services over it.
pub async fn open_portal(settings: &Settings) -> anyhow::Result<(Arc<Portal>, SeaOrmStore)> {
    let store = SeaOrmStore::connect(settings.database_url.expose_secret()).await?;
    store.migrate().await?;
    // Redis when configured (dual write, contract §5): one server, or a Redis Cluster when
    // REDIS_URL lists several nodes (`RedisCache::connect` tells them apart); else an
    // in-process cache.
    let cache: Arc<dyn KeyValue> =
        match settings.redis_url.as_ref().map(ExposeSecret::expose_secret) {
            Some(url) => {
                Arc::new(RedisCache::connect(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?)
            }
            None => Arc::new(MemoryCache::default()),
        };
    let renderer = KrillaInvoiceRenderer::new(seller(settings))?;
    let mut ports = CachedStore::new(store.clone(), cache)
        .with_calendar(settings.calendar)
        .ports(Arc::new(renderer), Arc::new(SystemClock));
    ports.mailer = settings.delivery.mailer()?;
    ports.webhooks = settings.delivery.webhooks()?;
    // With Redis, the instances tell each other of changes (pub/sub).
    let feed = match settings.redis_url.as_ref().map(ExposeSecret::expose_secret) {
        Some(url) => {
            Some(RedisChangeFeed::new(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?)
        }
        None => None,
    };
    if let Some(feed) = &feed {
        ports.changes = Arc::new(feed.clone());
    }
    ports.entitlement_ttl = settings.entitlement_ttl;
    ports.pay_to = settings.pay_to.clone();
    ports.suspend_after_days = settings.suspend_after_days;
    ports.metrics = Arc::new(telemetry::PrometheusMetrics);
    let portal = Arc::new(Portal::new(ports));
    if let Some(feed) = &feed {
        let weak = Arc::downgrade(&portal);
        feed.listen(move |customers| {
            if let Some(portal) = weak.upgrade() {
                tokio::spawn(
                    async move { portal.spend_guard.forget_entitlements(&customers).await },
                );
            }
        });
    }
    Ok((portal, store))
}

/// The invoice issuer: configured fields, demo placeholders for the rest.
fn seller(settings: &Settings) -> Seller {
    let demo = Seller::demo();
    let s = &settings.seller;
    Seller {
        name: s.name.clone().unwrap_or(demo.name),
        address: s.address.clone().unwrap_or(demo.address),
        tax_id: s.tax_id.clone().unwrap_or(demo.tax_id),
        bank_name: s.bank_name.clone().unwrap_or(demo.bank_name),
        bank_account: s.bank_account.clone().unwrap_or(demo.bank_account),
    }
}

/// The two HTTP servers, bound and ready to run: the public listener (`PORTAL_BIND`) and
/// the internal one (`PORTAL_INTERNAL_BIND`, §17).
pub struct Application {
    port: u16,
    internal_port: u16,
    server: Server,
    internal: Server,
    portal: Arc<Portal>,
    /// Whether this instance runs the outbox's delivery runner.
    delivers: bool,
    /// When this instance starts each month's billing run (`None`: never).
    billing_run_at: Option<chrono::NaiveTime>,
}

/// Binds `address` for the listener configured by `variable`.
fn listen(variable: &str, address: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .map_err(|e| anyhow::anyhow!("{variable}: cannot listen on {address}: {e}"))
}

impl Application {
    /// Connects, migrates and binds both listeners (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let ring = settings.key_ring()?;
        let (portal, _store) = open_portal(&settings).await?;
        let listener = listen("PORTAL_BIND", settings.bind)?;
        let internal_listener = listen("PORTAL_INTERNAL_BIND", settings.internal_bind)?;
        let port = listener.local_addr()?.port();
        let internal_port = internal_listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            portal: portal.clone(),
            keys: TokenKeys::with_ring(&ring),
            limits: RateLimits::new(settings.rate_limit, settings.trusted_proxies.clone()),
            metrics: telemetry::metrics(),
            readiness: Default::default(),
            request_metrics: Default::default(),
            entitlement_json: Default::default(),
        });
        let http = HttpSettings {
            allowed_parent_origins: settings.allowed_parent_origins.clone(),
            static_dir: settings.static_dir.clone(),
            demo_sign_in: settings.demo_sign_in,
        };
        let server = {
            let (state, http) = (state.clone(), http.clone());
            HttpServer::new(move || {
                App::new()
                    .wrap(TracingLogger::<PortalRootSpan>::new())
                    .configure(portal_http::configure(state.clone(), http.clone()))
            })
            .listen(listener)?
            .run()
        };
        let internal = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::<PortalRootSpan>::new())
                .configure(portal_http::configure_internal(state.clone(), http.clone()))
        })
        .listen(internal_listener)?
        .run();
        Ok(Self {
            port,
            internal_port,
            server,
            internal,
            portal,
            delivers: settings.delivery.any(),
            billing_run_at: settings.billing_run_at,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The internal listener's port.
    pub fn internal_port(&self) -> u16 {
        self.internal_port
    }

    /// The capability services behind the server, for seeding from the same process.
    pub fn portal(&self) -> Arc<Portal> {
        self.portal.clone()
    }

    /// Serves, delivers the outbox's messages when e-mail or webhooks are configured,
    /// starts each month's billing run at `PORTAL_BILLING_RUN_AT`, drives runs nobody
    /// drives and sends payment reminders, until the server stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let runner = self
            .delivers
            .then(|| tokio::spawn(delivery::run(self.portal.clone())));
        let resumer = tokio::spawn(jobs::run(self.portal.clone()));
        let reminders = tokio::spawn(jobs::remind(self.portal.clone()));
        let schedule = self
            .billing_run_at
            .map(|at| tokio::spawn(jobs::schedule(self.portal.clone(), at)));
        // Both listeners stop on the same signal; the first error is the answer.
        let served = tokio::try_join!(self.server, self.internal).map(|_| ());
        if let Some(schedule) = schedule {
            schedule.abort();
        }
        reminders.abort();
        if let Some(runner) = runner {
            runner.abort();
        }
        resumer.abort();
        served
    }
}

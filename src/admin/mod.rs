//! The web page for approvers, auditors and admins, and the request page
//! that recipients reach from the link in a notice. Server-rendered HTML
//! (askama, escaped by default), Japanese by default with an English
//! switch, no JavaScript at all, a strict Content-Security-Policy.
//!
//! It reaches mail only through `quarantine` (the workflow, index and
//! store); releases go to the relay's delivery queue as index rows.

mod auth;
mod i18n;
mod listen;
mod login;
mod login_log;
mod pages;
mod pictures;
mod public;
mod unlock;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::config::Config;
use crate::quarantine::{Quarantine, UnlockLimiter};
use auth::{LoginLimiter, Sessions};
use login_log::LoginLog;
pub use pages::{PartRow, part_rows};
pub use unlock::Unlocker;
pub use view::{local_time, parse_date};

/// Shared by every request.
pub struct App {
    pub config: Arc<Config>,
    pub q: Arc<Quarantine>,
    pub sessions: Sessions,
    pub limiter: LoginLimiter,
    /// Failed logins' audit lines, throttled.
    pub login_log: LoginLog,
    /// Served over TLS: cookies get `Secure`.
    pub tls: bool,
    /// Wrong passwords per message and recipient (PPAP).
    pub unlock_limiter: UnlockLimiter,
    /// The relay, which opens a locked part and delivers the result;
    /// none where no relay runs beside the page.
    pub unlocker: Option<Arc<dyn Unlocker>>,
    /// Draws original parts as pictures (画面で見る), unless `[view]` is off.
    pub viewer: Option<Arc<crate::render::Viewer>>,
}

/// Where the page listens.
pub struct Page {
    /// The address it listens on, as a URL (`https://127.0.0.1:8025`).
    pub local_url: String,
    pub public_url: String,
}

/// Binds the page's address and serves it until `stop` turns true.
pub async fn start(
    config: Arc<Config>,
    q: Arc<Quarantine>,
    unlocker: Option<Arc<dyn Unlocker>>,
    stop: watch::Receiver<bool>,
) -> Result<Page, String> {
    let admin = &config.admin;
    let tls = match (&admin.tls_cert, &admin.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(crate::tls::acceptor(cert, key)?)),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(&admin.listen)
        .await
        .map_err(|e| format!("cannot listen on {} for the web page: {e}", admin.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let local_url = format!("{scheme}://{local}");
    let public_url = admin
        .public_url
        .clone()
        .unwrap_or_else(|| local_url.clone())
        .trim_end_matches('/')
        .to_string();
    let app = Arc::new(App {
        sessions: Sessions::new(
            q.index.pool().clone(),
            admin.session_lifetime.duration(),
            admin.session_idle.duration(),
        ),
        limiter: LoginLimiter::new(
            q.index.pool().clone(),
            admin.login_max_failures,
            admin.login_window.duration(),
        ),
        login_log: LoginLog::new(admin.login_window.duration()),
        unlock_limiter: UnlockLimiter::new(
            &q.index,
            config.ppap.max_wrong_passwords,
            config.ppap.wrong_password_window.duration(),
        ),
        unlocker,
        viewer: if config.view.enabled {
            Some(Arc::new(
                crate::render::Viewer::new(Arc::clone(&config))
                    .map_err(|e| format!("cannot start the picture renderer: {e}"))?,
            ))
        } else {
            None
        },
        tls: tls.is_some(),
        config: Arc::clone(&config),
        q,
    });
    let router = router(app);
    listen::spawn(listener, tls, router, stop);
    Ok(Page {
        local_url,
        public_url,
    })
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::list))
        .route("/m/{id}", get(pages::detail))
        .route("/m/{id}/release", post(pages::release))
        .route("/requests", get(pages::requests))
        .route("/requests/{id}", post(pages::decide))
        .route("/audit", get(pages::audit))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/r/{token}", get(public::form).post(public::submit))
        .route("/r/{token}/unlock", post(unlock::submit))
        .route("/r/{token}/view/{part}", get(pictures::public_view))
        .route(
            "/r/{token}/view/{part}/{picture}",
            get(pictures::public_picture),
        )
        .route("/m/{id}/view/{part}", get(pictures::staff_view))
        .route(
            "/m/{id}/view/{part}/{picture}",
            get(pictures::staff_picture),
        )
        .route("/static/mugai.css", get(view::stylesheet))
        .route_service("/metrics", metrics_router(Arc::clone(&app.config)))
        .fallback(view::not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

/// Serves `/metrics` alone on `admin.metrics_listen` until `stop` turns
/// true; returns the address it listens on.
pub async fn start_metrics(
    config: Arc<Config>,
    stop: watch::Receiver<bool>,
) -> Result<std::net::SocketAddr, String> {
    let Some(address) = config.admin.metrics_listen.clone() else {
        return Err("admin.metrics_listen is not set".into());
    };
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| format!("cannot listen on {address} for the metrics: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    listen::spawn(listener, None, metrics_router(config), stop);
    Ok(local)
}

/// `/metrics`: the relay's metrics in Prometheus' text format, without a
/// login, to the addresses `admin.metrics_allow` lists.
fn metrics_router(config: Arc<Config>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(config)
}

async fn metrics(
    axum::extract::State(config): axum::extract::State<Arc<Config>>,
    axum::extract::ConnectInfo(listen::Peer(peer)): axum::extract::ConnectInfo<listen::Peer>,
) -> Response {
    use axum::response::IntoResponse;
    if !config.admin.metrics_allowed(peer.ip()) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "this address may not read the metrics (admin.metrics_allow)\n",
        )
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::global().render(),
    )
        .into_response()
}

/// Headers on every answer: no script, no framing, no caching of data,
/// no referrer (request links carry their token in the path).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

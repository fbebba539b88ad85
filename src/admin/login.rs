//! Log in and out. The login form carries a CSRF token that is also in a
//! short-lived cookie (double submit), since there is no session yet.
//! Failures are rate-limited per account and per address, logged in the
//! audit log, and answered with one plain sentence that does not say
//! whether the account exists.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::App;
use super::auth::{SESSION_COOKIE, same_token};
use super::listen::Peer;
use super::view::{self, Chrome, cookie};
use crate::audit::Event;
use crate::quarantine::token::random_bytes;
use crate::quarantine::users::{dummy_hash, verify_password};

const LOGIN_CSRF_COOKIE: &str = "mugai_login";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: &'a Chrome,
    token: &'a str,
    next: &'a str,
    problem: Option<&'a str>,
}

/// Where to go after logging in: only a page this site serves to a
/// logged-in person (`/`, `/requests`, `/audit`, `/m/ID`), with its
/// query. Anything else (`//host`, `/\thost` whose tab a browser drops,
/// `/\\host`, a scheme, spaces or control characters) goes to `/`.
fn safe_next(next: Option<&String>) -> String {
    let Some(next) = next.filter(|n| n.len() <= 2048) else {
        return "/".into();
    };
    let (path, query) = next.split_once('?').unwrap_or((next, ""));
    let id_ok = |id: &str| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let path_ok =
        matches!(path, "/" | "/requests" | "/audit") || path.strip_prefix("/m/").is_some_and(id_ok);
    let query_ok = query
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~=&%+".contains(&b));
    if path_ok && query_ok {
        next.clone()
    } else {
        "/".into()
    }
}

fn login_page(
    app: &App,
    c: &Chrome,
    status: StatusCode,
    next: &str,
    problem: Option<&str>,
) -> Response {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<24>().unwrap_or_default());
    let mut response = view::page(
        status,
        c,
        &LoginPage {
            c,
            token: &token,
            next,
            problem,
        },
    );
    view::set_cookie(
        &mut response,
        LOGIN_CSRF_COOKIE,
        &token,
        "/login",
        3600,
        app.tls,
    );
    response
}

pub async fn form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let c = Chrome::anonymous(&headers, query.get("lang").map(String::as_str));
    login_page(
        &app,
        &c,
        StatusCode::OK,
        &safe_next(query.get("next")),
        None,
    )
}

pub async fn submit(
    State(app): State<Arc<App>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let c = Chrome::anonymous(&headers, None);
    let ja = c.t.lang == "ja";
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(sent, &expected) {
        return view::error(
            StatusCode::FORBIDDEN,
            &c,
            if ja {
                "フォームの有効期限が切れました。ログイン画面を開き直してください。"
            } else {
                "The form has expired. Open the login page again."
            },
        );
    }
    let name = form.get("user").map(|s| s.trim()).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let next = safe_next(form.get("next"));
    let ip = peer.ip();
    if !app.limiter.allowed(name, ip).await {
        app.login_log.limited(&app.q, name, ip).await;
        return login_page(
            &app,
            &c,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some(if ja {
                "ログインの失敗が続いたため、しばらくログインできません。時間をおいてやり直してください。"
            } else {
                "Too many failed logins. Wait a while and try again."
            }),
        );
    }
    let user = app.q.index.user(name).await.ok().flatten();
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        _ => {
            app.limiter.failed(name, ip).await;
            app.login_log.failed(&app.q, name, ip).await;
            return login_page(
                &app,
                &c,
                StatusCode::UNAUTHORIZED,
                &next,
                Some(if ja {
                    "ユーザー名またはパスワードが違います。"
                } else {
                    "Wrong user name or password."
                }),
            );
        }
    };
    app.limiter.succeeded(name).await;
    let credentials = super::auth::credentials(&user.password_hash);
    let Some(session) = app
        .sessions
        .create(&user.name, user.role, credentials)
        .await
    else {
        return view::error(StatusCode::SERVICE_UNAVAILABLE, &c, "no session");
    };
    app.q
        .note(
            Event::new("login", &user.name)
                .with("address", ip.to_string())
                .with("role", user.role.as_str())
                .tenant(user.tenant.as_deref().unwrap_or("")),
        )
        .await;
    let mut response = view::redirect(&next);
    let lifetime = app.config.admin.session_lifetime.0;
    view::set_cookie(
        &mut response,
        SESSION_COOKIE,
        &session.id,
        "/",
        lifetime,
        app.tls,
    );
    response
}

pub async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(id) = cookie(&headers, SESSION_COOKIE) else {
        return view::redirect("/login");
    };
    if let Some(session) = app.sessions.get(&id).await {
        if !same_token(
            form.get("csrf").map(String::as_str).unwrap_or(""),
            &session.csrf,
        ) {
            let c = Chrome::anonymous(&headers, None);
            return view::error(StatusCode::FORBIDDEN, &c, "CSRF");
        }
        app.sessions.remove(&id).await;
        app.q.note(Event::new("logout", &session.user)).await;
    }
    let mut response = view::redirect("/login");
    view::set_cookie(&mut response, SESSION_COOKIE, "", "/", 0, app.tls);
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_the_pages_own_paths_are_followed_after_login() {
        for ok in [
            "/",
            "/requests",
            "/audit?actor=sato&page=2",
            "/m/6443F1098DC4E0003",
            "/?q=%E8%AB%8B",
        ] {
            assert_eq!(safe_next(Some(&ok.to_string())), ok, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\t\t/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "/ /evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/m/../..//evil.example",
            "/login?next=//evil.example",
            "/r/token",
            "",
            "evil.example",
            "/audit?x=<script>",
        ] {
            assert_eq!(safe_next(Some(&bad.to_string())), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

//! What every page shares: the language, the frame around the content
//! (askama templates under `templates/`), plain error pages, redirects,
//! cookies, times shown in JST, and the stylesheet.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::Session;
use super::i18n::{self, Texts};

/// The frame's facts: language, who is logged in, the CSRF token.
pub struct Chrome {
    pub t: &'static Texts,
    pub user: Option<String>,
    pub csrf: String,
    pub may_audit: bool,
    pub may_decide: bool,
    pub is_admin: bool,
    /// `lang=xx` was asked for: remember it in a cookie.
    pub set_lang: Option<&'static str>,
}

impl Chrome {
    /// For a page with no login (login form, request page, errors).
    pub fn anonymous(headers: &HeaderMap, query_lang: Option<&str>) -> Chrome {
        let (t, set_lang) = language(headers, query_lang);
        Chrome {
            t,
            user: None,
            csrf: String::new(),
            may_audit: false,
            may_decide: false,
            is_admin: false,
            set_lang,
        }
    }

    pub fn for_session(headers: &HeaderMap, query_lang: Option<&str>, s: &Session) -> Chrome {
        let mut c = Chrome::anonymous(headers, query_lang);
        c.user = Some(s.user.clone());
        c.csrf = s.csrf.clone();
        c.may_audit = s.role.may_audit();
        c.may_decide = s.role.may_decide();
        c.is_admin = s.role == crate::quarantine::Role::Admin;
        c
    }

    pub fn state(&self, state: &str) -> &'static str {
        i18n::state_name(state, self.t)
    }
}

/// The language of a request: `?lang=` first, then the cookie, then ja.
fn language(
    headers: &HeaderMap,
    query_lang: Option<&str>,
) -> (&'static Texts, Option<&'static str>) {
    if let Some(lang) = query_lang {
        let t = i18n::texts(lang);
        return (t, Some(t.lang));
    }
    let lang = cookie(headers, "mugai_lang").unwrap_or_default();
    (i18n::texts(&lang), None)
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Renders a template into an HTML answer.
pub fn page<T: Template>(status: StatusCode, chrome: &Chrome, template: &T) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response();
            if let Some(lang) = chrome.set_lang {
                set_cookie(&mut response, "mugai_lang", lang, "/", 365 * 86400, false);
            }
            response
        }
        Err(e) => {
            tracing::error!("web page: template failed: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub c: &'a Chrome,
    pub heading: &'a str,
    pub text: &'a str,
    pub back: Option<&'a str>,
}

/// A plain page with one message (errors, confirmations).
pub fn message(
    status: StatusCode,
    c: &Chrome,
    heading: &str,
    text: &str,
    back: Option<&str>,
) -> Response {
    page(
        status,
        c,
        &MessagePage {
            c,
            heading,
            text,
            back,
        },
    )
}

/// An error page in the page's language.
pub fn error(status: StatusCode, c: &Chrome, text: &str) -> Response {
    message(status, c, c.t.error, text, Some("/"))
}

/// Adds a cookie: HttpOnly, SameSite=Strict, and Secure when served over
/// TLS; `max_age` 0 deletes it.
pub fn set_cookie(
    response: &mut Response,
    name: &str,
    value: &str,
    path: &str,
    max_age: u64,
    secure: bool,
) {
    let secure = if secure { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// 303 See Other to `to`.
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

pub async fn not_found(headers: HeaderMap) -> Response {
    not_found_with(&Chrome::anonymous(&headers, None))
}

/// 404 in `c`'s language.
pub fn not_found_with(c: &Chrome) -> Response {
    let text = if c.t.lang == "ja" {
        "ページが見つかりません。"
    } else {
        "There is no such page."
    };
    error(StatusCode::NOT_FOUND, c, text)
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("templates/mugai.css"),
    )
        .into_response()
}

pub use crate::clock::{day_start as parse_date, local_minutes as local_time};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_day_starts_at_midnight_in_the_shown_zone() {
        let t = parse_date("2026-11-23").unwrap();
        assert_eq!(local_time(t), "2026-11-23 00:00");
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("x"), None);
    }
}

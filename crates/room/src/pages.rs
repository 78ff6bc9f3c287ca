//! The Web Sense Room's pages: HTML shells, the static assets they load, login, the language
//! switch, and the 401/403 pages.
//!
//! # Design
//!
//! Each page is a small HTML shell rendered here (navigation for the caller's roles, the page
//! title, the texts of the chosen language) plus one script that fetches its data from the
//! JSON API (`/api/...`) and builds the page with DOM calls. Post text only ever reaches the
//! page as JSON and is inserted as text nodes (`assets/app.js` has the one element builder
//! every page uses; no page script writes HTML strings), so nothing in a post can become
//! markup. Every page is served with a Content-Security-Policy that allows only this
//! server's own scripts and styles, as a second wall. All assets are compiled into the
//! binary: the Room needs no CDN, fonts or second server.
//!
//! Authorization is the API's: a page shell holds no data, and its API calls are checked per
//! endpoint. The shell is still refused to callers who may not use it (401 with the login
//! form, 403 with an explanation), so people see at once what is theirs.
//!
//! The texts are in `assets/i18n.json`, Dutch first with English beside it; the page's
//! language comes from the `websense_lang` cookie (`/taal/en`, `/taal/nl`).

use crate::accounts::{Caller, Role};
use crate::auth::{self, cookie};
use crate::Room;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use Role::{Admin, Analyst, Curator, I2oLiaison};

/// A page of the Room.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub path: &'static str,
    /// The i18n key of its title (and navigation label).
    pub title: &'static str,
    /// Its script under `/static/`.
    pub script: &'static str,
    pub roles: &'static [Role],
}

const fn page(
    path: &'static str,
    title: &'static str,
    script: &'static str,
    roles: &'static [Role],
) -> Page {
    Page {
        path,
        title,
        script,
        roles,
    }
}

/// Every page, in navigation order, with the roles that may open it. A page's roles match
/// the API endpoints it needs (`routes::ENDPOINTS`).
pub const PAGES: &[Page] = &[
    page(
        "/overzicht",
        "nav.overview",
        "overview.js",
        &[Analyst, Curator, Admin],
    ),
    // Rendered on the server (`pages_map`): no page script.
    page("/kaart", "nav.map", "", &[Analyst, Curator, Admin]),
    page(
        "/trends",
        "nav.trends",
        "trends.js",
        &[Analyst, Curator, Admin],
    ),
    page("/berichten", "nav.items", "items.js", &[Analyst, Curator]),
    page(
        "/signalen",
        "nav.signals",
        "signals.js",
        &[Analyst, I2oLiaison, Admin],
    ),
    page("/lexicons", "nav.lexicons", "lexicons.js", &[Curator]),
    page(
        "/bronnen",
        "nav.sources",
        "sources.js",
        &[Analyst, Curator, Admin],
    ),
    page("/audit", "nav.audit", "audit.js", &[Admin]),
    page("/accounts", "nav.accounts", "accounts.js", &[Admin]),
];

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The language the caller's language cookie asks for; Dutch without one.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        match cookie(headers, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Nl,
        }
    }
}

const LANG_COOKIE: &str = "websense_lang";

/// The texts, by language, from `assets/i18n.json` (`{"key": {"nl": "...", "en": "..."}}`).
fn texts(lang: Lang) -> &'static Map<String, Value> {
    static TEXTS: OnceLock<HashMap<&'static str, Map<String, Value>>> = OnceLock::new();
    let all = TEXTS.get_or_init(|| {
        let source: Map<String, Value> =
            serde_json::from_str(include_str!("../assets/i18n.json")).expect("i18n.json is JSON");
        let mut by_lang = HashMap::new();
        for code in ["nl", "en"] {
            let map: Map<String, Value> = source
                .iter()
                .map(|(k, v)| (k.clone(), v.get(code).cloned().unwrap_or(Value::Null)))
                .collect();
            by_lang.insert(code, map);
        }
        by_lang
    });
    &all[lang.code()]
}

pub(crate) fn t(lang: Lang, key: &str) -> &'static str {
    text(lang, key).unwrap_or("(?)")
}

/// The text `key` in `lang`, if `assets/i18n.json` has it.
pub(crate) fn text(lang: Lang, key: &str) -> Option<&'static str> {
    texts(lang).get(key).and_then(Value::as_str)
}

/// Escape text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside a `<script type="application/json">` element.
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The Content-Security-Policy of every page: this server's scripts, styles and data only.
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub(crate) fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What a page shell shows around its content.
pub(crate) struct Shell<'a> {
    pub(crate) lang: Lang,
    pub(crate) title: &'a str,
    pub(crate) caller: Option<&'a Caller>,
    pub(crate) current: Option<&'a str>,
    pub(crate) scripts: &'a [&'a str],
    /// Server-rendered content of `<main>` after the heading (already escaped).
    pub(crate) body: String,
    /// Data for the page script.
    pub(crate) data: Value,
}

pub(crate) fn render(shell: Shell<'_>) -> String {
    let lang = shell.lang;
    let mut nav = String::new();
    if let Some(caller) = shell.caller {
        nav.push_str(&format!(
            "<nav aria-label=\"{}\"><ul>",
            escape(t(lang, "nav.label"))
        ));
        for p in PAGES
            .iter()
            .filter(|p| caller.roles.iter().any(|r| p.roles.contains(r)))
        {
            let current = if shell.current == Some(p.path) {
                " aria-current=\"page\""
            } else {
                ""
            };
            nav.push_str(&format!(
                "<li><a href=\"{}\"{current}>{}</a></li>",
                p.path,
                escape(t(lang, p.title))
            ));
        }
        nav.push_str("</ul></nav>");
    }
    let here = shell.current.unwrap_or("/");
    let (other, other_label) = match lang {
        Lang::Nl => ("en", "English"),
        Lang::En => ("nl", "Nederlands"),
    };
    let mut account = format!(
        "<a class=\"lang\" href=\"/taal/{other}?next={}\" lang=\"{other}\">{other_label}</a>",
        escape(here)
    );
    if let Some(caller) = shell.caller {
        let roles: Vec<&str> = caller
            .roles
            .iter()
            .map(|r| t(lang, &format!("role.{}", r.as_str())))
            .collect();
        account.push_str(&format!(
            "<span class=\"who\">{} <span class=\"roles\">({})</span></span>\
             <button type=\"button\" id=\"logout\">{}</button>",
            escape(&caller.name),
            escape(&roles.join(", ")),
            escape(t(lang, "logout"))
        ));
    }
    let mut data = shell.data;
    data["lang"] = json!(lang.code());
    data["texts"] = Value::Object(texts(lang).clone());
    if let Some(caller) = shell.caller {
        data["user"] = json!({ "name": caller.name, "roles": caller.roles });
    }
    let scripts: String = std::iter::once("app.js")
        .chain(shell.scripts.iter().copied())
        .map(|s| format!("<script src=\"/static/{s}\" defer></script>"))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Web Sense Room</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\">\
         <script type=\"application/json\" id=\"room-data\">{data}</script>{scripts}</head>\
         <body><a class=\"skip\" href=\"#main\">{skip}</a>\
         <header class=\"top\"><a class=\"brand\" href=\"/\">Web Sense Room</a>{nav}\
         <div class=\"account\">{account}</div></header>\
         <main id=\"main\" tabindex=\"-1\"><h1>{title}</h1>{body}</main></body></html>",
        code = lang.code(),
        title = escape(shell.title),
        data = script_json(&data),
        skip = escape(t(lang, "skip")),
        body = shell.body,
    )
}

/// The signed-in caller of a page request; a room database that cannot answer shows the page
/// as to someone not signed in (the API it calls then answers with the error).
pub(crate) async fn caller_of(room: &Room, headers: &HeaderMap) -> Option<Caller> {
    auth::caller(room, headers).await.ok().flatten()
}

/// A local path to go back to after login or a language switch; anything else is `/`.
pub(crate) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

pub(crate) fn login_page(
    lang: Lang,
    status: StatusCode,
    next: &str,
    notice: Option<&str>,
) -> Response {
    let notice = notice
        .map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "{notice}<form id=\"login\" class=\"card narrow\" method=\"post\" action=\"/login\">\
         <p><label for=\"user\">{user}</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required></p>\
         <p><label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\
         <p id=\"login-error\" class=\"error\" role=\"alert\"></p>\
         <p><button type=\"submit\">{submit}</button></p></form>",
        user = escape(t(lang, "login.user")),
        password = escape(t(lang, "login.password")),
        submit = escape(t(lang, "login.submit")),
    );
    html_response(
        status,
        render(Shell {
            lang,
            title: t(lang, "login.title"),
            caller: None,
            current: Some("/login"),
            scripts: &["login.js"],
            body,
            data: json!({ "next": next }),
        }),
    )
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn login(headers: HeaderMap, Query(q): Query<NextParam>) -> Response {
    let next = local_path(q.next.as_deref());
    login_page(Lang::of(&headers), StatusCode::OK, &next, None)
}

async fn home(State(room): State<Arc<Room>>, headers: HeaderMap) -> Response {
    let Some(caller) = caller_of(&room, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    match PAGES
        .iter()
        .find(|p| caller.roles.iter().any(|r| p.roles.contains(r)))
    {
        Some(p) => Redirect::to(p.path).into_response(),
        None => forbidden(Lang::of(&headers), &caller, None),
    }
}

pub(crate) fn forbidden(lang: Lang, caller: &Caller, page: Option<&Page>) -> Response {
    let needed = page
        .map(|p| {
            p.roles
                .iter()
                .map(|r| t(lang, &format!("role.{}", r.as_str())))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let body = format!(
        "<p id=\"forbidden\">{}</p><p>{} <strong>{}</strong></p><p><a href=\"/\">{}</a></p>",
        escape(t(lang, "forbidden.text")),
        escape(t(lang, "forbidden.needs")),
        escape(&needed),
        escape(t(lang, "forbidden.back")),
    );
    html_response(
        StatusCode::FORBIDDEN,
        render(Shell {
            lang,
            title: t(lang, "forbidden.title"),
            caller: Some(caller),
            current: None,
            scripts: &[],
            body,
            data: json!({}),
        }),
    )
}

async fn show_page(State(room): State<Arc<Room>>, headers: HeaderMap, uri: Uri) -> Response {
    let lang = Lang::of(&headers);
    let Some(page) = PAGES.iter().find(|p| p.path == uri.path()) else {
        return not_found(lang);
    };
    let here = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| page.path.to_string());
    let Some(caller) = caller_of(&room, &headers).await else {
        return login_page(
            lang,
            StatusCode::UNAUTHORIZED,
            &local_path(Some(&here)),
            Some(t(lang, "login.needed")),
        );
    };
    if !caller.roles.iter().any(|r| page.roles.contains(r)) {
        return forbidden(lang, &caller, Some(page));
    }
    html_response(
        StatusCode::OK,
        render(Shell {
            lang,
            title: t(lang, page.title),
            caller: Some(&caller),
            current: Some(page.path),
            scripts: &[page.script],
            body: "<div id=\"page\"></div>".to_string(),
            data: crate::pages_map::filter_data(&room, &caller).await,
        }),
    )
}

pub(crate) fn not_found(lang: Lang) -> Response {
    html_response(
        StatusCode::NOT_FOUND,
        render(Shell {
            lang,
            title: t(lang, "notfound.title"),
            caller: None,
            current: None,
            scripts: &[],
            body: format!(
                "<p>{}</p><p><a href=\"/\">{}</a></p>",
                escape(t(lang, "notfound.text")),
                escape(t(lang, "forbidden.back"))
            ),
            data: json!({}),
        }),
    )
}

async fn switch_language(Path(code): Path<String>, Query(q): Query<NextParam>) -> Response {
    let code = if code == "en" { "en" } else { "nl" };
    let mut response = Redirect::to(&local_path(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// Every static asset: name, content type, bytes.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css", include_str!("../assets/app.css")),
    (
        "app.js",
        "text/javascript",
        include_str!("../assets/app.js"),
    ),
    (
        "login.js",
        "text/javascript",
        include_str!("../assets/login.js"),
    ),
    (
        "overview.js",
        "text/javascript",
        include_str!("../assets/overview.js"),
    ),
    (
        "trends.js",
        "text/javascript",
        include_str!("../assets/trends.js"),
    ),
    (
        "items.js",
        "text/javascript",
        include_str!("../assets/items.js"),
    ),
    (
        "signals.js",
        "text/javascript",
        include_str!("../assets/signals.js"),
    ),
    (
        "lexicons.js",
        "text/javascript",
        include_str!("../assets/lexicons.js"),
    ),
    (
        "sources.js",
        "text/javascript",
        include_str!("../assets/sources.js"),
    ),
    (
        "audit.js",
        "text/javascript",
        include_str!("../assets/audit.js"),
    ),
    (
        "accounts.js",
        "text/javascript",
        include_str!("../assets/accounts.js"),
    ),
    (
        "municipality.js",
        "text/javascript",
        include_str!("../assets/municipality.js"),
    ),
];

async fn asset(Path(name): Path<String>) -> Response {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut response = (*body).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{content_type}; charset=utf-8")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The pages' routes (merged with the API's in `routes::router`).
pub(crate) fn router(room: Arc<Room>) -> Router {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/taal/{code}", get(switch_language))
        .route("/static/{name}", get(asset));
    for p in PAGES.iter().filter(|p| p.path != "/kaart") {
        router = router.route(p.path, get(show_page));
    }
    router = router
        .route("/kaart", get(crate::pages_map::map_page))
        .route("/gemeente", get(crate::pages_map::municipality_page));
    router.with_state(room)
}

/// The answer for an unknown path outside `/api/`.
pub(crate) async fn fallback(headers: HeaderMap) -> Response {
    not_found(Lang::of(&headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text a page asks for exists in both languages.
    #[test]
    fn every_text_key_has_dutch_and_english() {
        let source: Map<String, Value> =
            serde_json::from_str(include_str!("../assets/i18n.json")).unwrap();
        for (key, v) in &source {
            for lang in ["nl", "en"] {
                assert!(
                    v.get(lang)
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty()),
                    "{key} has no {lang} text"
                );
            }
        }
        let mut used = Vec::new();
        for (_, _, text) in ASSETS {
            for (at, _) in text.match_indices("t('") {
                // `t(` itself, not `get(` or `R.t(`-like names ending in t.
                let before = text[..at].chars().next_back().unwrap_or(' ');
                if before.is_ascii_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                let key: String = text[at + 3..].chars().take_while(|c| *c != '\'').collect();
                if !key.ends_with('.') {
                    used.push(key);
                }
            }
        }
        let pages = [include_str!("pages.rs"), include_str!("pages_map.rs")].concat();
        let mut rest = pages.as_str();
        while let Some(at) = rest.find("t(lang, \"") {
            rest = &rest[at + 9..];
            used.push(rest.chars().take_while(|c| *c != '"').collect());
        }
        for p in PAGES {
            used.push(p.title.to_string());
        }
        let is_key = |k: &String| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
        };
        assert!(used.len() > 100, "the scan found the texts: {}", used.len());
        for key in used.into_iter().filter(is_key) {
            assert!(
                source.contains_key(&key),
                "text {key:?} is missing from i18n.json"
            );
        }
    }

    #[test]
    fn escape_and_script_json_keep_markup_out() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        let data = script_json(&json!({ "x": "</script><script>alert(1)</script>" }));
        assert!(!data.contains('<') && !data.contains('>'), "{data}");
        let back: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(back["x"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/trends?category=x")), "/trends?category=x");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}

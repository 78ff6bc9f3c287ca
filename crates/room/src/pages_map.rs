//! The local picture's pages: the map (`/kaart`), one municipality's overview
//! (`/gemeente?code=GM0479`), and what every page's municipality filter offers.
//!
//! The map is rendered here, on the server, as inline SVG: a dot per municipality of the
//! region at its shipped location (the gazetteer's lat/lon of its main place; no boundary
//! data is shipped), its area growing with the posts of the last 24 hours, its colour saying
//! whether that is a rise against the municipality's baseline ([`crate::local`]). Each dot
//! with posts now or in the baseline is a link to the municipality's overview, reachable
//! with the keyboard and named for screen readers ("Zaanstad: 12 berichten, stijgend"); a
//! table below lists the same figures for everyone who does not read the map. No script, no
//! external map tiles: the page works under the Room's strict Content-Security-Policy.
//!
//! The figures are aggregate counts, shown to every watcher (scoped accounts too). Names come
//! from the gazetteer, not from posts, and are escaped all the same.

use crate::accounts::{Caller, Role};
use crate::local::{self, MunicipalityFigures, Rise};
use crate::pages::{
    caller_of, escape, forbidden, html_response, local_path, login_page, render, t, Lang, Shell,
    PAGES,
};
use crate::scope::{self, MUNICIPALITY_SETTING};
use crate::Room;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt::Write;
use std::sync::Arc;

/// The map's width in SVG units; its height follows the region's shape.
const WIDTH: f64 = 560.0;
const MARGIN: f64 = 24.0;

/// Who may open the map and a municipality's overview: the watchers, as for the overview.
const ROLES: &[Role] = &[Role::Analyst, Role::Curator, Role::Admin];

/// The signed-in caller allowed on these pages, or the page that says why not.
async fn allowed(
    room: &Room,
    headers: &HeaderMap,
    uri: &Uri,
    lang: Lang,
) -> Result<Caller, Response> {
    let here = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let Some(caller) = caller_of(room, headers).await else {
        return Err(login_page(
            lang,
            StatusCode::UNAUTHORIZED,
            &local_path(Some(&here)),
            Some(t(lang, "login.needed")),
        ));
    };
    if !caller.roles.iter().any(|r| ROLES.contains(r)) {
        let page = PAGES.iter().find(|p| p.path == "/kaart");
        return Err(forbidden(lang, &caller, page));
    }
    Ok(caller)
}

/// What a page's municipality filter needs: the region's municipalities (a scoped account's
/// own only) and what the person chose last.
pub(crate) async fn filter_data(room: &Room, caller: &Caller) -> Value {
    let name = caller.name.clone();
    let chosen = room
        .db
        .run(move |c| {
            scope::setting(c, &name, MUNICIPALITY_SETTING)
                .map_err(|e| crate::ApiError::internal("cannot read settings", e))
        })
        .await
        .ok()
        .flatten()
        .map(|text| scope::parse_codes(&text))
        .unwrap_or_default();
    let offered: Vec<Value> = room
        .region
        .municipalities()
        .iter()
        .filter(|m| !scope::is_scoped(caller) || caller.municipalities.contains(&m.code))
        .map(|m| json!({ "code": m.code, "name": m.name }))
        .collect();
    // A scoped account's own municipalities outside the region are offered too.
    let mut offered = offered;
    for code in &caller.municipalities {
        if room.region.get(code).is_none() {
            if let Some(m) = room.gazetteer.municipality(code) {
                offered.push(json!({ "code": m.code, "name": m.name }));
            }
        }
    }
    json!({
        "region": offered,
        "chosen": chosen,
        "scope": caller.municipalities,
    })
}

fn rise_text(lang: Lang, rise: Rise) -> &'static str {
    t(lang, &format!("map.rise.{}", rise.as_str()))
}

/// `Zaanstad: 12 berichten, stijgend`.
fn dot_name(lang: Lang, f: &MunicipalityFigures) -> String {
    t(lang, "map.dot")
        .replace("{name}", &f.name)
        .replace("{n}", &f.items.to_string())
        .replace("{rise}", rise_text(lang, f.rise))
}

/// The SVG map of `figures`.
pub fn map_svg(lang: Lang, figures: &[MunicipalityFigures]) -> String {
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    // The region's extent (the whole country when it has no municipalities).
    for f in figures {
        lat0 = lat0.min(f.lat);
        lat1 = lat1.max(f.lat);
        lon0 = lon0.min(f.lon);
        lon1 = lon1.max(f.lon);
    }
    if figures.is_empty() {
        (lat0, lat1, lon0, lon1) = (50.7, 53.6, 3.3, 7.3);
    }
    // At least a few kilometres across, so one municipality is a dot in the middle.
    let (lat_mid, lon_mid) = ((lat0 + lat1) / 2.0, (lon0 + lon1) / 2.0);
    let (dlat, dlon) = ((lat1 - lat0).max(0.1), (lon1 - lon0).max(0.15));
    let lat1 = lat_mid + dlat / 2.0;
    let lon0 = lon_mid - dlon / 2.0;
    // Equirectangular, scaled at the region's latitude: good enough at this size.
    let aspect = lat_mid.to_radians().cos();
    let scale = (WIDTH - 2.0 * MARGIN) / (dlon * aspect);
    let height = (dlat * scale + 2.0 * MARGIN).round();
    let x = |lon: f64| MARGIN + (lon - lon0) * aspect * scale;
    let y = |lat: f64| MARGIN + (lat1 - lat) * scale;
    let max_items = figures.iter().map(|f| f.items).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg id=\"map\" class=\"map\" viewBox=\"0 0 {WIDTH} {height}\" role=\"group\" \
         aria-labelledby=\"map-title\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"map-title\">{}</title>\
         <rect class=\"map-bg\" x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\"/>",
        escape(t(lang, "map.svg.title"))
    );
    // Quiet ones first, so the dots that matter are drawn on top.
    let mut order: Vec<&MunicipalityFigures> = figures.iter().collect();
    order.sort_by_key(|f| (f.rise != Rise::Quiet, f.items));
    for f in order {
        let (cx, cy) = (x(f.lon), y(f.lat));
        if f.rise == Rise::Quiet {
            let _ = write!(
                svg,
                "<circle class=\"dot quiet\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"2\" aria-hidden=\"true\"/>"
            );
            continue;
        }
        // Area in proportion to the posts: 3 to 18 units of radius.
        let r = 3.0 + 15.0 * (f.items as f64 / max_items).sqrt();
        let name = escape(&dot_name(lang, f));
        let _ = write!(
            svg,
            "<a class=\"dot-link\" href=\"/gemeente?code={code}\" aria-label=\"{name}\" \
             data-code=\"{code}\"><circle class=\"dot {rise}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" \
             r=\"{r:.1}\"/><title>{name}</title></a>",
            code = escape(&f.code),
            rise = f.rise.as_str(),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The table with the map's figures, busiest first.
pub fn map_table(lang: Lang, figures: &[MunicipalityFigures]) -> String {
    let mut rows: Vec<&MunicipalityFigures> = figures.iter().collect();
    rows.sort_by(|a, b| b.items.cmp(&a.items).then_with(|| a.name.cmp(&b.name)));
    let mut html = format!(
        "<table id=\"map-table\"><caption>{}</caption><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        escape(t(lang, "map.table.caption")),
        escape(t(lang, "map.table.municipality")),
        escape(t(lang, "map.table.province")),
        escape(t(lang, "map.table.items")),
        escape(t(lang, "map.table.baseline")),
        escape(t(lang, "map.table.rise")),
    );
    for f in rows {
        let _ = write!(
            html,
            "<tr data-code=\"{code}\"><th scope=\"row\"><a href=\"/gemeente?code={code}\">{name}</a></th>\
             <td>{province}</td><td>{items}</td><td>{baseline:.1}</td>\
             <td><span class=\"rise {rise}\">{rise_text}</span></td></tr>",
            code = escape(&f.code),
            name = escape(&f.name),
            province = escape(&f.province),
            items = f.items,
            baseline = f.baseline_per_day,
            rise = f.rise.as_str(),
            rise_text = escape(rise_text(lang, f.rise)),
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// `GET /kaart`.
pub(crate) async fn map_page(
    State(room): State<Arc<Room>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let lang = Lang::of(&headers);
    let caller = match allowed(&room, &headers, &uri, lang).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let body = match room
        .map_figures
        .now(room.store.as_ref(), &room.region)
        .await
    {
        Ok((_, figures)) => {
            let region = match (&room.region.label, room.region.configured) {
                (Some(province), _) => province.clone(),
                (None, true) => t(lang, "map.region").to_string(),
                (None, false) => t(lang, "map.country").to_string(),
            };
            let legend = [Rise::Rising, Rise::Steady, Rise::Falling, Rise::Quiet]
                .iter()
                .map(|r| {
                    format!(
                        "<li><svg class=\"key\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">\
                         <circle class=\"dot {}\" cx=\"6\" cy=\"6\" r=\"5\"/></svg>{}</li>",
                        r.as_str(),
                        escape(rise_text(lang, *r))
                    )
                })
                .collect::<String>();
            format!(
                "<p id=\"map-intro\">{intro}</p>\
                 <div class=\"card map-card\">{svg}<ul class=\"legend\" aria-label=\"{legend_label}\">{legend}</ul>\
                 <p class=\"hint\">{how}</p></div>\
                 <div class=\"card\">{table}</div>",
                intro = escape(
                    &t(lang, "map.intro")
                        .replace("{region}", &region)
                        .replace("{days}", &local::BASELINE_DAYS.to_string())
                ),
                svg = map_svg(lang, &figures),
                legend_label = escape(t(lang, "map.legend")),
                how = escape(t(lang, "map.how")),
                table = map_table(lang, &figures),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "the map's figures could not be read");
            format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(t(lang, "map.error"))
            )
        }
    };
    html_response(
        StatusCode::OK,
        render(Shell {
            lang,
            title: t(lang, "nav.map"),
            caller: Some(&caller),
            current: Some("/kaart"),
            scripts: &[],
            body,
            data: json!({}),
        }),
    )
}

#[derive(Deserialize)]
pub(crate) struct CodeParam {
    code: Option<String>,
}

/// `GET /gemeente?code=GM0479`: the shell of a municipality's overview (`municipality.js`
/// fills it from `GET /api/municipalities/{code}`).
pub(crate) async fn municipality_page(
    State(room): State<Arc<Room>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<CodeParam>,
) -> Response {
    let lang = Lang::of(&headers);
    let caller = match allowed(&room, &headers, &uri, lang).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let code = q.code.unwrap_or_default().to_ascii_uppercase();
    let Some(m) = room.gazetteer.municipality(&code) else {
        return crate::pages::not_found(lang);
    };
    let title = t(lang, "municipality.title").replace("{name}", &m.name);
    let mut data = filter_data(&room, &caller).await;
    data["code"] = json!(m.code);
    data["name"] = json!(m.name);
    html_response(
        StatusCode::OK,
        render(Shell {
            lang,
            title: &title,
            caller: Some(&caller),
            current: Some("/kaart"),
            scripts: &["municipality.js"],
            body: "<div id=\"page\"></div>".to_string(),
            data,
        }),
    )
}

//! The statistics dashboard page over HTTP, as a signed-in browser sees it: charts with their
//! tables for the roles that read statistics, each within its own area; no link and a refusal for
//! the others; hidden figures never shown as numbers. On both databases.

use kotopolku_domain::access::Role;
use kotopolku_domain::directory::NewUser;
use kotopolku_service::SecuritySettings;
use kotopolku_store::Backend;
use serde_json::json;

use crate::support::{As, Reply, TestApp};

/// Like `on_both_backends!`, on a server of a training environment (no two-factor sign-in, so a
/// test signs in with a password alone) holding the customers of [`seed`] and their figures.
macro_rules! on_both_backends_with_figures {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = super::seeded(kotopolku_store::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let app = super::seeded(kotopolku_store::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}

on_both_backends_with_figures!(
    a_national_analyst_sees_charts_and_the_national_total,
    a_supervisor_chooses_among_the_units_municipalities_only,
    a_caseworker_has_no_statistics,
    hidden_figures_are_shown_as_a_dash_not_a_number,
);

const PASSWORD: &str = "a long enough demo password";
const HIDDEN: &str = "<span aria-hidden=\"true\">–</span><span class=\"visually-hidden\">hidden</span>";

/// A server with 13 new customers in Helsinki this year (2026): 10 women and 3 men, so that the men
/// are too few to publish (and the women, who would reveal them), while the total of 13 is shown.
async fn seeded(backend: Backend) -> TestApp {
    let settings = SecuritySettings {
        demo: true,
        failure_delay: std::time::Duration::from_millis(2),
        ..SecuritySettings::default()
    };
    let app = TestApp::start_with(backend, settings).await;
    for i in 0..13 {
        app.register(&json!({
            "family_name": "Tilasto",
            "given_names": format!("Henkilö {i}"),
            "birth_date": format!("19{}-05-0{}", 70 + i, 1 + i % 9),
            "sex": if i < 10 { "female" } else { "male" },
            "municipality_code": "091",
            "customership_start": "2026-03-02",
        }))
        .await;
    }
    app.services.refresh_statistics().await.expect("statistics refreshed");
    app
}

/// A browser signed in as a new user of `role` in `organisation_id`, asking for English pages.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    session: String,
}

impl<'a> Browser<'a> {
    async fn signed_in(app: &'a TestApp, role: Role, organisation_id: &str) -> Browser<'a> {
        let email = format!("{}@statistics.example", role.as_str());
        app.services
            .create_demo_user(
                &NewUser {
                    email: email.clone(),
                    display_name: format!("Test {}", role.as_str()),
                    organisation_id: organisation_id.to_owned(),
                    role,
                },
                PASSWORD,
            )
            .await
            .expect("user");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .post(app.url("/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "email={email}&password={}&_next=%2F",
                PASSWORD.replace(' ', "+")
            ))
            .send()
            .await
            .expect("sign-in");
        assert_eq!(response.status(), 303, "signed in without a second factor");
        let session = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("kotopolku_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        Browser { app, client, session }
    }

    async fn get(&self, path: &str) -> Reply {
        let request = self
            .client
            .get(self.app.url(path))
            .header("accept-language", "en-GB,en;q=0.8")
            .header("cookie", format!("kotopolku_session={}", self.session));
        Reply::from_response(request.send().await.expect("GET")).await
    }
}

/// The part of `html` from the element with `id` to the end of its section.
fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// The `<th scope="row">` row labelled `label` in `html`, up to its end.
fn row<'h>(html: &'h str, label: &str) -> &'h str {
    let start = html
        .find(&format!("<th scope=\"row\">{label}</th>"))
        .unwrap_or_else(|| panic!("no row {label}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

async fn a_national_analyst_sees_charts_and_the_national_total(app: &TestApp) {
    let browser = Browser::signed_in(app, Role::NationalAnalyst, &app.directory.national).await;
    // The home page of a role that sees only aggregates is the statistics.
    let home = browser.get("/").await;
    assert_eq!(home.status, 303, "{}", home.text);
    assert_eq!(home.headers["location"], "/statistics");
    let page = browser.get("/statistics").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains("<h1>Statistics: Whole country, 2026</h1>"), "{html}");
    assert_eq!(html.matches("<h1").count(), 1, "one h1");
    assert!(
        html.contains("<a href=\"/statistics\" aria-current=\"page\">Statistics</a>"),
        "the main navigation leads here"
    );
    // The tests' clock: 2026-06-15 09:00 UTC, 12:00 in Helsinki.
    assert!(
        html.contains("Figures made 15.6.2026 12:00, as of 15.6.2026. Counts under 5 are hidden"),
        "the freshness line"
    );
    assert!(html.contains("<svg"), "charts are drawn on the page");
    assert!(!html.contains("style="), "no inline styles under the pages' CSP");
    assert!(!html.contains("<script>"), "no inline script");
    assert!(html.contains("New customers in the period: 13"), "the national total");
    let by_target_group = section(html, "target-group");
    assert!(by_target_group.contains("<svg") && by_target_group.contains("<table"));
    assert!(row(by_target_group, "Total").contains("<td class=\"num\">13</td>"));
    // Every area, each within the wider one; every period the figures have, readably.
    assert!(html.contains("<option value=\"nation\" selected>Whole country</option>"));
    assert!(html.contains("value=\"m-091\""), "municipalities can be chosen");
    assert!(html.contains("<option value=\"all\">All time</option>"));
    assert!(html.contains("<option value=\"2026-Q1\">Q1/2026</option>"));
    assert!(html.contains("<option value=\"earlier\">Before 2021</option>"));
    // The areas within, each linking to its own figures.
    assert!(section(html, "parts").contains("href=\"/statistics?area=rc-1&#38;period=2026\""));
    // Downloads of the same figures, authenticated by the same session.
    assert!(html.contains(
        "/api/v1/statistics?area=nation&#38;period=2026&#38;format=csv&#38;delimiter=semicolon&#38;bom=true"
    ));
    let xlsx = browser
        .get("/api/v1/statistics?area=nation&period=2026&format=xlsx")
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.content_type.contains("spreadsheetml"), "{}", xlsx.content_type);

    let quarter = browser.get("/statistics?area=rc-1&period=2026-Q1").await;
    assert_eq!(quarter.status, 200, "{}", quarter.text);
    assert!(quarter.text.contains(", Q1/2026</h1>"));
    assert!(quarter.text.contains("New customers in the period: 13"));
    let all_time = browser.get("/statistics?area=m-091&period=all").await;
    assert_eq!(all_time.status, 200, "{}", all_time.text);
    assert!(all_time.text.contains("<h1>Statistics: Helsinki, All time</h1>"));
    // What names no area or period is refused as the other pages refuse, not a server error.
    for bad in ["area=atlantis", "period=1999", "area=m-091&period=2026-Q1"] {
        let reply = browser.get(&format!("/statistics?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert!(reply.text.contains("not one this page knows"), "{bad}: {}", reply.text);
    }
}

async fn a_supervisor_chooses_among_the_units_municipalities_only(app: &TestApp) {
    let browser = Browser::signed_in(app, Role::Supervisor, &app.directory.unit_a).await;
    let page = browser.get("/statistics").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains("href=\"/statistics\""), "supervisors have the link");
    let select = &html[html.find("<select id=\"area\"").expect("area select")..];
    let select = &select[..select.find("</select>").expect("end of the select")];
    let mut offered: Vec<&str> = select
        .split("value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    offered.sort_unstable();
    assert_eq!(offered, ["m-049", "m-091"], "unit A serves Espoo and Helsinki");
    // At first one of the unit's municipalities, this year.
    assert!(
        ["Espoo", "Helsinki"]
            .iter()
            .any(|name| html.contains(&format!("<h1>Statistics: {name}, 2026</h1>"))),
        "{html}"
    );
    // Quarters are not published for a municipality.
    assert!(!html.contains("value=\"2026-Q1\""));

    let helsinki = browser.get("/statistics?area=m-091&period=2026").await;
    assert_eq!(helsinki.status, 200, "{}", helsinki.text);
    assert!(helsinki.text.contains("New customers in the period: 13"));
    let espoo = browser.get("/statistics?area=m-049&period=2026").await;
    assert_eq!(espoo.status, 200, "{}", espoo.text);
    assert!(espoo.text.contains("New customers in the period: 0"));
    for outside in ["nation", "m-092", "wc-90"] {
        let refused = browser.get(&format!("/statistics?area={outside}")).await;
        assert_eq!(refused.status, 403, "{outside}: {}", refused.text);
        assert!(refused.text.contains("Not allowed"), "{}", refused.text);
    }
}

async fn a_caseworker_has_no_statistics(app: &TestApp) {
    let browser = Browser::signed_in(app, Role::Caseworker, &app.directory.unit_a).await;
    let home = browser.get("/").await;
    assert_eq!(home.status, 200, "{}", home.text);
    assert!(home.text.contains("class=\"main-nav\""), "the navigation is shown");
    assert!(!home.text.contains("href=\"/statistics\""), "no link to statistics");
    let refused = browser.get("/statistics").await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.text.contains("<h1>Not allowed</h1>"), "{}", refused.text);
    assert!(!refused.text.contains("<svg"));
}

async fn hidden_figures_are_shown_as_a_dash_not_a_number(app: &TestApp) {
    // The premise, from the API: the men (3) are hidden, and so are the women (13 − 3 would give
    // them away).
    let api = app
        .get_as(As::NationalAnalyst, "/api/v1/statistics?area=nation&period=2026")
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(api.body["figures"]["customers"]["sex:male"], json!(null));
    assert_eq!(api.body["figures"]["customers"]["sex:female"], json!(null));
    assert_eq!(api.body["figures"]["customers"]["total"], json!(13.0));

    let browser = Browser::signed_in(app, Role::NationalAnalyst, &app.directory.national).await;
    let page = browser.get("/statistics?area=nation&period=2026").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let by_sex = section(&page.text, "sex");
    for label in ["Male", "Female"] {
        let cells = row(by_sex, label);
        assert!(cells.contains(HIDDEN), "{label}: {cells}");
        assert!(!cells.chars().any(|c| c.is_ascii_digit()), "{label}: {cells}");
    }
    assert!(row(by_sex, "Total").contains("<td class=\"num\">13</td>"));
    // The chart says so too (with nothing left to draw, it draws no bar at all).
    assert!(by_sex.contains("Male: hidden; Female: hidden."), "{by_sex}");
    assert!(!by_sex.contains(">3<") && !by_sex.contains(">10<"), "{by_sex}");
}

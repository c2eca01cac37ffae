//! Statistics through the API (issue 6): figures agree with a count of what was registered; small
//! groups are hidden, also against the difference of overlapping queries; each level reads its own
//! area only; downloads; a change shows after the next refresh; open data needs no sign-in.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{As, TestApp};

on_both_backends!(
    figures_agree_with_a_count_of_what_was_registered,
    no_hidden_figure_is_the_difference_of_published_ones,
    each_level_reads_its_own_area_only,
    downloads_are_csv_for_excel_and_xlsx,
    a_change_shows_after_the_next_refresh,
    open_data_is_public_and_protected,
    unknown_areas_and_periods_are_refused_naming_them,
);

/// One synthetic customer: who registers, where, since when, the target group and sex, and when
/// the first assessment started (if it did).
struct Person {
    who: As,
    municipality: &'static str,
    start: &'static str,
    target_group: &'static str,
    sex: &'static str,
    assessed_on: Option<&'static str>,
}

/// Helsinki 12 (6 assessed on time), Vantaa 7 (none assessed) and Espoo 2 (both on time). Every
/// deadline, two months from the start, has passed on the tests' day, 2026-06-15.
fn people() -> Vec<Person> {
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(Person {
            who: As::CaseworkerA,
            municipality: "091",
            start: "2026-01-10",
            target_group: if i < 8 {
                "international_protection"
            } else {
                "other_in_need"
            },
            sex: if i % 2 == 0 { "female" } else { "male" },
            assessed_on: (i < 6).then_some("2026-02-15"),
        });
    }
    for _ in 0..7 {
        people.push(Person {
            who: As::CaseworkerB,
            municipality: "092",
            start: "2026-02-01",
            target_group: "international_protection",
            sex: "female",
            assessed_on: None,
        });
    }
    for _ in 0..2 {
        people.push(Person {
            who: As::CaseworkerA,
            municipality: "049",
            start: "2026-03-01",
            target_group: "other_in_need",
            sex: "male",
            assessed_on: Some("2026-03-15"),
        });
    }
    people
}

/// Registers everyone (with their assessments) and returns their ids in order.
async fn register_people(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, p) in people().iter().enumerate() {
        let body = json!({
            "family_name": format!("Tilasto{}", ["a", "b", "c", "d", "e", "f", "g"][i % 7]),
            "given_names": format!("Henkilö {i}"),
            "birth_date": format!("19{:02}-0{}-1{}", 60 + i, 1 + i % 9, i % 10),
            "sex": p.sex,
            "municipality_code": p.municipality,
            "customership_start": p.start,
            "target_group": p.target_group,
        });
        let reply = app.post_as(p.who, "/api/v1/customers", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let id = reply.body["id"].as_str().expect("id").to_owned();
        if let Some(on) = p.assessed_on {
            let reply = app
                .post_as(
                    p.who,
                    &format!("/api/v1/customers/{id}/records"),
                    &json!({"kind": "assessment", "started_on": on}),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
        ids.push(id);
    }
    ids
}

async fn refresh(app: &TestApp) -> Value {
    let reply = app.post_as(As::Admin, "/api/v1/statistics/refresh", &json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn statistics(app: &TestApp, who: As, query: &str) -> Value {
    let reply = app.get_as(who, &format!("/api/v1/statistics?{query}")).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

/// A figure as published: `Some(None)` hidden, `Some(Some(v))` a value; a category not listed is 0.
fn figure(view: &Value, indicator: &str, category: &str) -> Option<f64> {
    match view["figures"][indicator].get(category) {
        None => Some(0.0),
        Some(Value::Null) => None,
        Some(v) => Some(v.as_f64().expect("a number")),
    }
}

async fn figures_agree_with_a_count_of_what_was_registered(app: &TestApp) {
    register_people(app).await;
    let freshness = refresh(app).await;
    assert_eq!(freshness["customers"], 21);
    assert_eq!(freshness["facts_derived"], 21);
    assert_eq!(freshness["as_of"], "2026-06-15");

    // The independent count: straight from the list registered.
    let people = people();
    let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as f64;
    let nation = statistics(app, As::NationalAnalyst, "area=nation&period=all").await;
    assert_eq!(nation["area"]["key"], "nation");
    assert_eq!(figure(&nation, "customers", "total"), Some(count(&|_| true)));
    for group in ["international_protection", "other_in_need"] {
        assert_eq!(
            figure(&nation, "customers", &format!("target_group:{group}")),
            Some(count(&|p| p.target_group == group)),
            "{group}"
        );
    }
    for sex in ["female", "male"] {
        assert_eq!(
            figure(&nation, "customers", &format!("sex:{sex}")),
            Some(count(&|p| p.sex == sex))
        );
    }
    let on_time = count(&|p| p.assessed_on.is_some());
    assert_eq!(figure(&nation, "assessment_timeliness", "on_time"), Some(on_time));
    assert_eq!(figure(&nation, "assessment_timeliness", "late"), Some(21.0 - on_time));
    // Median days from the start to the assessment: 36 for Helsinki's six, 14 for Espoo's two.
    assert_eq!(figure(&nation, "days_to_assessment", "median"), Some(36.0));
    // The same year as a period, and its first quarter, hold everyone (all started in Q1).
    let year = statistics(app, As::NationalAnalyst, "area=nation&period=2026").await;
    assert_eq!(figure(&year, "customers", "total"), Some(21.0));
    let q1 = statistics(app, As::NationalAnalyst, "area=nation&period=2026-Q1").await;
    assert_eq!(figure(&q1, "customers", "total"), Some(21.0));
    // New customers by month within the quarter: 12, 7 and 2 — the 2 hidden, and so another.
    let months: BTreeMap<String, Value> = q1["new_customers"]
        .as_array()
        .expect("series")
        .iter()
        .map(|p| (p["period"].as_str().expect("period").to_owned(), p["value"].clone()))
        .collect();
    assert_eq!(months.keys().collect::<Vec<_>>(), ["2026-01", "2026-02", "2026-03"]);
    assert!(months["2026-03"].is_null(), "two customers in March: {months:?}");
    assert_eq!(
        months.values().filter(|v| v.is_null()).count(),
        2,
        "a single hidden month would be the quarter minus the others: {months:?}"
    );

    // Helsinki's supervisor: 12 customers; Espoo's 2 hidden. (Helsinki's 6 on time may be hidden
    // beside Espoo's 2 in the region's figure; if shown, it is the true count.)
    let helsinki = statistics(app, As::SupervisorA, "area=m-091&period=2026").await;
    assert_eq!(figure(&helsinki, "customers", "total"), Some(12.0));
    assert!(matches!(
        figure(&helsinki, "assessment_timeliness", "on_time"),
        None | Some(6.0)
    ));
    let espoo = statistics(app, As::SupervisorA, "area=m-049&period=2026").await;
    assert_eq!(figure(&espoo, "customers", "total"), None, "two customers");
}

/// Every published parent figure against its parts: a parent whose parts all show but one would
/// give that one away by subtraction, and so would a parent hidden while all its parts show.
fn assert_no_lone_hidden_part(parent: &Value, parts: &[(&str, &Value)], what: &str) {
    let indicators = parent["figures"].as_object().cloned().unwrap_or_default();
    for (indicator, categories) in &indicators {
        for category in categories.as_object().expect("categories").keys() {
            if indicator.starts_with("days_") || indicator == "civic_orientation" {
                continue;
            }
            let hidden_parts: Vec<&str> = parts
                .iter()
                .filter(|(_, part)| figure(part, indicator, category).is_none())
                .map(|(name, _)| *name)
                .collect();
            match figure(parent, indicator, category) {
                Some(_) => assert_ne!(
                    hidden_parts.len(),
                    1,
                    "{what}: {indicator} {category} is published and only {hidden_parts:?} is hidden among its parts"
                ),
                None => assert!(
                    !hidden_parts.is_empty() || parts.is_empty(),
                    "{what}: {indicator} {category} is hidden but its parts all show"
                ),
            }
        }
    }
}

async fn no_hidden_figure_is_the_difference_of_published_ones(app: &TestApp) {
    register_people(app).await;
    refresh(app).await;
    // Every area from the nation down to the municipalities with customers, each with its parts.
    for area in ["nation", "rc-1", "r-01", "wc-90", "wc-01", "wc-04"] {
        for period in ["all", "2026"] {
            let view = statistics(app, As::NationalAnalyst, &format!("area={area}&period={period}")).await;
            let mut parts = Vec::new();
            for part in view["parts"].as_array().expect("parts") {
                let key = part["area"]["key"].as_str().expect("key").to_owned();
                parts.push((key, json!({"figures": part["figures"]})));
            }
            let named: Vec<(&str, &Value)> = parts.iter().map(|(k, v)| (k.as_str(), v)).collect();
            assert_no_lone_hidden_part(&view, &named, &format!("{area} {period}"));
        }
    }
    // The year against its quarters, for a county (municipalities have no quarters).
    let year = statistics(app, As::NationalAnalyst, "area=wc-04&period=2026").await;
    let quarters: Vec<Value> = quarters_of(app, "wc-04").await;
    let named: Vec<(&str, &Value)> = ["Q1", "Q2", "Q3", "Q4"].iter().copied().zip(quarters.iter()).collect();
    assert_no_lone_hidden_part(&year, &named, "wc-04 2026 by quarter");
    // Espoo's two are hidden wherever they would show alone.
    let espoo = statistics(app, As::NationalAnalyst, "area=m-049&period=all").await;
    assert_eq!(figure(&espoo, "customers", "total"), None);
    assert_eq!(figure(&espoo, "customers", "target_group:other_in_need"), None);
}

async fn quarters_of(app: &TestApp, area: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for q in 1..=4 {
        out.push(statistics(app, As::NationalAnalyst, &format!("area={area}&period=2026-Q{q}")).await);
    }
    out
}

async fn each_level_reads_its_own_area_only(app: &TestApp) {
    register_people(app).await;
    refresh(app).await;
    let status = async |who: As, query: &str| app.get_as(who, &format!("/api/v1/statistics?{query}")).await.status;
    // Personal-data roles without statistics and the operator: refused.
    for who in [As::CaseworkerA, As::CountyWorker, As::Admin] {
        let reply = app.get_as(who, "/api/v1/statistics").await;
        reply.assert_problem(403, "forbidden");
    }
    // A supervisor: the unit's municipalities, nothing wider or elsewhere.
    assert_eq!(status(As::SupervisorA, "area=m-091").await, 200);
    assert_eq!(status(As::SupervisorA, "area=m-049").await, 200);
    for area in ["m-092", "wc-90", "nation"] {
        assert_eq!(status(As::SupervisorA, &format!("area={area}")).await, 403, "{area}");
    }
    let areas = app.get_as(As::SupervisorA, "/api/v1/statistics/areas").await;
    let keys: Vec<&str> = areas
        .body
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["m-049", "m-091"]);
    // Without an area: one's own.
    let own = statistics(app, As::SupervisorB, "").await;
    assert_eq!(own["area"]["key"], "m-092");
    // A regional officer of Uusimaa: the centre and everything within, not other centres.
    for area in ["rc-1", "r-01", "wc-90", "m-092"] {
        assert_eq!(
            status(As::RegionalOfficer, &format!("area={area}")).await,
            200,
            "{area}"
        );
    }
    for area in ["rc-2", "nation", "m-853"] {
        assert_eq!(
            status(As::RegionalOfficer, &format!("area={area}")).await,
            403,
            "{area}"
        );
    }
    // The national analyst: everything.
    assert_eq!(status(As::NationalAnalyst, "area=m-853").await, 200);
    // Only the operator refreshes on demand.
    let reply = app
        .post_as(As::NationalAnalyst, "/api/v1/statistics/refresh", &json!({}))
        .await;
    reply.assert_problem(403, "forbidden");
    // Reads and refusals are in the audit log.
    let audit = app.get_as(As::Admin, "/api/v1/audit?action=statistics.read").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let text = audit.body.to_string();
    assert!(text.contains("statistics.read"), "{text}");
}

async fn downloads_are_csv_for_excel_and_xlsx(app: &TestApp) {
    register_people(app).await;
    refresh(app).await;
    let client = app.client_as(As::SupervisorA);
    let csv = client
        .get(app.url("/api/v1/statistics?area=m-049&period=all&format=csv&delimiter=semicolon&bom=true"))
        .send()
        .await
        .expect("GET");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"),
        "{:?}",
        csv.headers()
    );
    let text = csv.text().await.expect("text");
    assert!(
        text.starts_with("\u{feff}area;area_name;period;indicator;category;value\r\n"),
        "{text}"
    );
    assert!(
        text.contains("m-049;Espoo;all;customers;total;suppressed\r\n"),
        "{text}"
    );
    let xlsx = client
        .get(app.url("/api/v1/statistics?area=m-091&period=2026&format=xlsx"))
        .send()
        .await
        .expect("GET");
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip container");
    // CSV options belong to CSV only.
    let reply = app
        .get_as(
            As::SupervisorA,
            "/api/v1/statistics?area=m-091&format=xlsx&delimiter=semicolon",
        )
        .await;
    assert_eq!(reply.assert_problem(400, "invalid_query"), ["delimiter"]);
}

async fn a_change_shows_after_the_next_refresh(app: &TestApp) {
    let ids = register_people(app).await;
    refresh(app).await;
    let before = statistics(app, As::NationalAnalyst, "area=nation&period=2026").await;
    assert_eq!(figure(&before, "end_reasons", "total"), Some(0.0));
    // Five Helsinki customerships end: nothing changes until the figures are made again.
    for id in &ids[..5] {
        let reply = app
            .post_as(
                As::CaseworkerA,
                &format!("/api/v1/customers/{id}/end"),
                &json!({"end_date": "2026-06-01", "reason": "employed", "version": 1}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let stale = statistics(app, As::NationalAnalyst, "area=nation&period=2026").await;
    assert_eq!(figure(&stale, "end_reasons", "total"), Some(0.0));
    let freshness = refresh(app).await;
    assert_eq!(
        freshness["facts_derived"], 5,
        "only the changed customers are derived again"
    );
    let after = statistics(app, As::NationalAnalyst, "area=nation&period=2026").await;
    assert_eq!(figure(&after, "end_reasons", "reason:employed"), Some(5.0));
    assert_eq!(after["freshness"]["refreshed_at"], freshness["refreshed_at"]);
}

async fn open_data_is_public_and_protected(app: &TestApp) {
    register_people(app).await;
    refresh(app).await;
    let anonymous = crate::support::client_with_token(None);
    let reply = anonymous
        .get(app.url("/api/v1/statistics/open-data"))
        .send()
        .await
        .expect("GET");
    assert_eq!(reply.status(), 200);
    let data: Value = reply.json().await.expect("JSON");
    let find = |area: &str, period: &str, indicator: &str, category: &str| {
        data["figures"]
            .as_array()
            .expect("figures")
            .iter()
            .find(|f| {
                f["area"] == area && f["period"] == period && f["indicator"] == indicator && f["category"] == category
            })
            .map(|f| f["value"].clone())
    };
    assert_eq!(find("nation", "all", "customers", "total"), Some(json!(21.0)));
    assert_eq!(find("m-049", "all", "customers", "total"), Some(Value::Null));
    // No quarters or months in open data, and no figure under the threshold anywhere.
    for f in data["figures"].as_array().expect("figures") {
        let period = f["period"].as_str().expect("period");
        assert!(!period.contains('-'), "{f}");
        if let Some(v) = f["value"].as_f64()
            && !f["indicator"].as_str().unwrap().starts_with("days_")
            && f["category"] != "hours"
            && f["category"] != "mean_hours"
        {
            assert!(v == 0.0 || v >= 5.0, "{f}");
        }
    }
    let csv = anonymous
        .get(app.url("/api/v1/statistics/open-data?format=csv"))
        .send()
        .await
        .expect("GET");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.text()
            .await
            .expect("text")
            .starts_with("area,area_name,period,indicator,category,value\r\n")
    );
}

async fn unknown_areas_and_periods_are_refused_naming_them(app: &TestApp) {
    refresh(app).await;
    let reply = app.get_as(As::NationalAnalyst, "/api/v1/statistics?area=m-999").await;
    assert_eq!(reply.assert_problem(400, "invalid_query"), ["area"]);
    let reply = app
        .get_as(As::NationalAnalyst, "/api/v1/statistics?area=nation&period=2026-13")
        .await;
    assert_eq!(reply.assert_problem(400, "invalid_query"), ["period"]);
    // Municipalities are published by year: a quarter is no period of theirs.
    let reply = app
        .get_as(As::SupervisorA, "/api/v1/statistics?area=m-091&period=2026-Q1")
        .await;
    assert_eq!(reply.assert_problem(400, "invalid_query"), ["period"]);
    // Before any customer: empty figures, but fresh ones.
    let empty = statistics(app, As::NationalAnalyst, "area=nation&period=all").await;
    assert_eq!(figure(&empty, "customers", "total"), Some(0.0));
    assert!(empty["freshness"]["refreshed_at"].is_string());
}

//! The customer registry through the HTTP API, on both databases.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestApp;

/// A customer with every field filled in.
fn full_customer() -> Value {
    json!({
        "identity_code": "010594Y9032",
        "family_name": "Kovalenko",
        "given_names": "Oleksandr Petro",
        "birth_date": "1994-05-01",
        "sex": "male",
        "citizenships": ["UA", "PL"],
        "native_language": "uk",
        "other_languages": [{"language": "ru", "level": "C1"}, {"language": "en", "level": "B1"}],
        "contact_language": "en",
        "interpreter_needed": true,
        "interpreter_language": "uk",
        "phone": "+358 40 123 4567",
        "email": "oleksandr.kovalenko@example.org",
        "street_address": "Esimerkkikatu 1 A 2",
        "postal_code": "00100",
        "post_office": "Helsinki",
        "municipality_code": "091",
        "arrival_date": "2024-03-10",
        "first_permit_date": "2024-04-02",
        "residence_basis": "temporary_protection",
        "target_group": "other_in_need",
        "customership_start": "2026-02-01",
        "responsible_caseworker": "caseworker-17"
    })
}

/// A customer with only the required fields.
fn minimal(family: &str, given: &str, birth_date: &str) -> Value {
    json!({
        "family_name": family,
        "given_names": given,
        "birth_date": birth_date,
        "municipality_code": "091",
        "customership_start": "2026-03-01"
    })
}

on_both_backends!(
    registered_customer_reads_back_exactly,
    identity_code_gives_birth_date_and_sex,
    identity_code_in_use_is_refused_naming_the_holder,
    likely_duplicates_need_confirmation,
    bad_input_is_refused_naming_the_field_and_writes_nothing,
    update_keeps_field_history_and_refuses_stale_versions,
    ending_a_customership_checks_dates_and_reason,
    search_by_name_ignores_case_and_diacritics,
    search_by_code_birth_date_and_municipality,
    pagination_walks_every_customer_once_in_order,
    a_prefix_of_several_words_pages_each_match_once_in_name_order,
    a_prefix_of_very_many_words_still_pages_in_name_order,
    concurrent_registrations_of_one_code_let_exactly_one_through,
    unknown_customer_is_404_everywhere,
);

async fn registered_customer_reads_back_exactly(app: &TestApp) {
    let reply = app.post("/api/v1/customers", &full_customer()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let created = reply.body;
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        reply.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/customers/{id}").as_str())
    );
    let read = app.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(read.status, 200);
    // Everything written comes back exactly, timestamps included.
    assert_eq!(read.body, created);
    let mut expected = full_customer();
    let expected = expected.as_object_mut().expect("object");
    for (field, value) in expected.iter() {
        assert_eq!(&read.body[field], value, "field {field}");
    }
    assert_eq!(read.body["version"], 1);
    assert_eq!(read.body["created_at"], "2026-06-15T09:00:00Z");
    assert!(read.body["customership_end"].is_null());
    // Personal data must not be cached by browsers or proxies.
    assert_eq!(
        read.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

async fn identity_code_gives_birth_date_and_sex(app: &TestApp) {
    let created = app
        .register(&json!({
            "identity_code": "131052-308T",
            "family_name": "Virtanen",
            "given_names": "Aino",
            "municipality_code": "049",
            "customership_start": "2026-01-05"
        }))
        .await;
    assert_eq!(created["birth_date"], "1952-10-13");
    assert_eq!(created["sex"], "female");

    let mut conflicting = minimal("Virtanen", "Aino", "1952-10-14");
    conflicting["identity_code"] = json!("131052-308T");
    let reply = app.post("/api/v1/customers", &conflicting).await;
    let fields = reply.assert_problem(422, "validation_failed");
    assert!(fields.contains(&"birth_date".to_owned()), "{fields:?}");

    // A code in lower case is the same code.
    let reply = app
        .post(
            "/api/v1/customers",
            &json!({
                "identity_code": "020516c903k",
                "family_name": "Ahmadi",
                "given_names": "Omid",
                "municipality_code": "091",
                "customership_start": "2026-03-01"
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["identity_code"], "020516C903K");
    assert_eq!(reply.body["birth_date"], "2016-05-02");
}

async fn identity_code_in_use_is_refused_naming_the_holder(app: &TestApp) {
    let first = app.register(&full_customer()).await;
    let mut second = minimal("Someone", "Else", "1994-05-01");
    second["identity_code"] = json!("010594Y9032");
    let reply = app.post("/api/v1/customers", &second).await;
    let fields = reply.assert_problem(409, "duplicate_identity_code");
    assert_eq!(fields, ["identity_code"]);
    assert_eq!(reply.body["existing_customer_id"], first["id"]);
    // Confirming "not a duplicate" does not override a code that is in use.
    second["confirm_not_duplicate"] = json!(true);
    let reply = app.post("/api/v1/customers", &second).await;
    reply.assert_problem(409, "duplicate_identity_code");
    assert_eq!(app.customer_count().await, 1);
}

async fn likely_duplicates_need_confirmation(app: &TestApp) {
    let first = app.register(&minimal("Hassan", "Mohammad Ali", "1988-02-29")).await;
    // Transliteration variants with the same birth date.
    let variant = minimal("Hasan", "Muhammad", "1988-02-29");
    let reply = app.post("/api/v1/customers", &variant).await;
    reply.assert_problem(409, "likely_duplicate");
    let candidates = reply.body["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0]["id"], first["id"]);
    assert_eq!(app.customer_count().await, 1);

    // Same name, another birth date: not a candidate.
    app.register(&minimal("Hassan", "Mohammad Ali", "1988-03-01")).await;
    // A different person born the same day: not a candidate.
    app.register(&minimal("Virtanen", "Liisa", "1988-02-29")).await;

    let mut confirmed = variant.clone();
    confirmed["confirm_not_duplicate"] = json!(true);
    let reply = app.post("/api/v1/customers", &confirmed).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(app.customer_count().await, 4);

    let mut not_a_bool = variant;
    not_a_bool["confirm_not_duplicate"] = json!("yes");
    let fields = app
        .post("/api/v1/customers", &not_a_bool)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["confirm_not_duplicate"]);
}

async fn bad_input_is_refused_naming_the_field_and_writes_nothing(app: &TestApp) {
    let with = |field: &str, value: Value| {
        let mut body = full_customer();
        body[field] = value;
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with("identity_code", json!("131052-308U")), "identity_code"),
        (with("identity_code", json!("310252-308T")), "identity_code"),
        (with("municipality_code", json!("999")), "municipality_code"),
        (with("native_language", json!("xx")), "native_language"),
        (with("citizenships", json!(["UA", "ZZ"])), "citizenships[1]"),
        (
            with("other_languages", json!([{"language": "en", "level": "D1"}])),
            "other_languages[0].level",
        ),
        (with("residence_basis", json!("tourist")), "residence_basis"),
        (with("family_name", json!("")), "family_name"),
        (with("family_name", json!("x".repeat(101))), "family_name"),
        (with("given_names", json!("Anna\u{0007}")), "given_names"),
        (with("email", json!("not-an-address")), "email"),
        (with("postal_code", json!("1234")), "postal_code"),
        (with("phone", json!("call me")), "phone"),
        (with("interpreter_language", Value::Null), "interpreter_language"),
        (with("arrival_date", json!("1990-01-01")), "arrival_date"),
        (with("first_permit_date", json!("2027-01-01")), "first_permit_date"),
        (with("customership_start", json!("2026-07-01")), "customership_start"),
        (with("birth_date", json!("not a date")), "birth_date"),
        (with("interpreter_needed", json!("yes")), "interpreter_needed"),
        (with("unexpected", json!(1)), "unexpected"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/customers", &body).await;
        let fields = reply.assert_problem(422, "validation_failed");
        assert!(fields.contains(&field.to_owned()), "expected {field} in {fields:?}");
    }

    // A birth date in the future, without an identity code.
    let mut future = minimal("Future", "Person", "2026-06-16");
    future["customership_start"] = json!("2026-06-15");
    let fields = app
        .post("/api/v1/customers", &future)
        .await
        .assert_problem(422, "validation_failed");
    assert!(fields.contains(&"birth_date".to_owned()), "{fields:?}");

    // A required field missing.
    let mut missing = full_customer();
    missing.as_object_mut().map(|o| o.remove("municipality_code"));
    let fields = app
        .post("/api/v1/customers", &missing)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["municipality_code"]);

    // Malformed JSON, the wrong media type, the wrong shape.
    app.post_raw("/api/v1/customers", "application/json", "{\"family_name\": ")
        .await
        .assert_problem(400, "malformed_json");
    app.post_raw("/api/v1/customers", "text/plain", "{}")
        .await
        .assert_problem(415, "unsupported_media_type");
    app.post_raw("/api/v1/customers", "application/json", "[1, 2]")
        .await
        .assert_problem(422, "validation_failed");
    let huge = format!("{{\"family_name\": \"{}\"}}", "x".repeat(300 * 1024));
    app.post_raw("/api/v1/customers", "application/json", &huge)
        .await
        .assert_problem(413, "payload_too_large");

    assert_eq!(app.customer_count().await, 0, "a refused request wrote something");
}

async fn update_keeps_field_history_and_refuses_stale_versions(app: &TestApp) {
    let created = app.register(&full_customer()).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/customers/{id}");

    let mut change = full_customer();
    change["phone"] = json!("+358 50 765 4321");
    change["municipality_code"] = json!("049");
    change["other_languages"] = json!([{"language": "fi", "level": "A2"}]);
    change["version"] = json!(1);
    app.clock.set(crate::support::test_now() + chrono::Duration::hours(2));
    let reply = app.put(&path, &change).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["version"], 2);
    assert_eq!(reply.body["municipality_code"], "049");
    assert_eq!(reply.body["updated_at"], "2026-06-15T11:00:00Z");
    assert_eq!(reply.body["created_at"], "2026-06-15T09:00:00Z");

    // The same version again is stale: someone else's change must not be overwritten.
    change["phone"] = json!("+358 40 000 0000");
    let reply = app.put(&path, &change).await;
    reply.assert_problem(409, "version_conflict");
    assert_eq!(reply.body["current_version"], 2);
    assert_eq!(app.get(&path).await.body["phone"], "+358 50 765 4321");
    // Search follows the move to Espoo.
    let found = |query: &'static str| async move {
        app.get(query).await.body["customers"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    assert_eq!(found("/api/v1/customers?name=kovalenko&municipality=049").await, 1);
    assert_eq!(found("/api/v1/customers?name=kovalenko&municipality=091").await, 0);

    // An update without a version, or with bad data, changes nothing.
    let mut no_version = full_customer();
    no_version["phone"] = json!("+358 40 000 0000");
    let fields = app
        .put(&path, &no_version)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["version"]);
    let mut bad = full_customer();
    bad["version"] = json!(2);
    bad["municipality_code"] = json!("000");
    app.put(&path, &bad).await.assert_problem(422, "validation_failed");

    // Saving the same data again does not bump the version or add history.
    change["phone"] = json!("+358 50 765 4321");
    change["version"] = json!(2);
    let reply = app.put(&path, &change).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["version"], 2);

    let history = app.get(&format!("{path}/history")).await;
    assert_eq!(history.status, 200);
    let entries = history.body["entries"].as_array().expect("entries");
    let updated: Vec<&Value> = entries.iter().filter(|e| e["change_kind"] == "updated").collect();
    let fields: Vec<&str> = updated.iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields.len(), 3, "{fields:?}");
    for expected in ["phone", "municipality_code", "other_languages"] {
        assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
    }
    let phone = updated.iter().find(|e| e["field"] == "phone").expect("phone change");
    assert_eq!(phone["old_value"], "+358 40 123 4567");
    assert_eq!(phone["new_value"], "+358 50 765 4321");
    assert_eq!(phone["actor_name"], "CaseworkerA");
    assert_eq!(phone["changed_at"], "2026-06-15T11:00:00Z");
    // Registration is in the history too, field by field.
    assert!(
        entries
            .iter()
            .any(|e| e["change_kind"] == "created" && e["field"] == "family_name" && e["new_value"] == "Kovalenko")
    );
}

async fn ending_a_customership_checks_dates_and_reason(app: &TestApp) {
    let created = app.register(&full_customer()).await;
    let path = format!("/api/v1/customers/{}/end", created["id"].as_str().expect("id"));

    let fields = app
        .post(
            &path,
            &json!({"end_date": "2026-01-31", "reason": "employed", "version": 1}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["end_date"]);
    let fields = app
        .post(
            &path,
            &json!({"end_date": "2026-05-31", "reason": "bored", "version": 1}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["reason"]);
    let fields = app
        .post(
            &path,
            &json!({"end_date": "2026-06-16", "reason": "employed", "version": 1}),
        )
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["end_date"]);
    app.post(
        &path,
        &json!({"end_date": "2026-05-31", "reason": "employed", "version": 7}),
    )
    .await
    .assert_problem(409, "version_conflict");

    let reply = app
        .post(
            &path,
            &json!({"end_date": "2026-05-31", "reason": "employed", "version": 1}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["customership_end"], "2026-05-31");
    assert_eq!(reply.body["end_reason"], "employed");
    app.post(
        &path,
        &json!({"end_date": "2026-05-31", "reason": "employed", "version": 2}),
    )
    .await
    .assert_problem(409, "already_ended");

    // Ended customers are found by default and can be left out.
    assert_eq!(
        app.get("/api/v1/customers?name=kovalenko").await.body["customers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get("/api/v1/customers?name=kovalenko&include_ended=false")
            .await
            .body["customers"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

async fn search_by_name_ignores_case_and_diacritics(app: &TestApp) {
    app.register(&minimal("Järvinen", "Matti Ilmari", "1980-01-01")).await;
    app.register(&minimal("Jarvis", "Anna", "1981-01-01")).await;
    app.register(&minimal("Öztürk", "Şükrü", "1982-01-01")).await;
    app.register(&minimal("Mäki-Jääskeläinen", "Eeva", "1983-01-01")).await;

    let names = |reply: &crate::support::Reply| -> Vec<String> {
        reply.body["customers"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["family_name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(names(&app.get("/api/v1/customers?name=Jarvinen").await), ["Järvinen"]);
    assert_eq!(names(&app.get("/api/v1/customers?name=JÄRVINEN").await), ["Järvinen"]);
    assert_eq!(
        names(&app.get("/api/v1/customers?name=jarv").await),
        ["Järvinen", "Jarvis"]
    );
    assert_eq!(names(&app.get("/api/v1/customers?name=jarv%20ilm").await), ["Järvinen"]);
    assert_eq!(
        names(&app.get("/api/v1/customers?name=ilmari%20matti").await),
        ["Järvinen"]
    );
    assert_eq!(
        names(&app.get("/api/v1/customers?name=ozturk%20sukru").await),
        ["Öztürk"]
    );
    assert_eq!(
        names(&app.get("/api/v1/customers?name=jaaskelainen").await),
        ["Mäki-Jääskeläinen"]
    );
    assert!(names(&app.get("/api/v1/customers?name=virtanen").await).is_empty());
    let fields = app
        .get("/api/v1/customers?name=a%20b%20c%20d%20e%20f")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["name"]);
}

async fn search_by_code_birth_date_and_municipality(app: &TestApp) {
    app.register(&full_customer()).await;
    let mut espoo = minimal("Nguyen", "Lan", "1994-05-01");
    espoo["municipality_code"] = json!("049");
    app.register(&espoo).await;

    let count = |reply: crate::support::Reply| {
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["customers"].as_array().map(Vec::len).unwrap_or(0)
    };
    assert_eq!(count(app.get("/api/v1/customers?identity_code=010594Y9032").await), 1);
    assert_eq!(count(app.get("/api/v1/customers?identity_code=010594y9032").await), 1);
    assert_eq!(count(app.get("/api/v1/customers?identity_code=131052-308T").await), 0);
    assert_eq!(count(app.get("/api/v1/customers?birth_date=1994-05-01").await), 2);
    assert_eq!(count(app.get("/api/v1/customers?birth_date=1994-05-02").await), 0);
    assert_eq!(count(app.get("/api/v1/customers?municipality=049").await), 1);
    assert_eq!(
        count(
            app.get("/api/v1/customers?municipality=091&birth_date=1994-05-01")
                .await
        ),
        1
    );

    let fields = app
        .get("/api/v1/customers?identity_code=131052-308X")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["identity_code"]);
    let fields = app
        .get("/api/v1/customers?municipality=999")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["municipality"]);
    let fields = app
        .get("/api/v1/customers?birth_date=yesterday")
        .await
        .assert_problem(400, "invalid_query");
    assert_eq!(fields, ["birth_date"]);
    let fields = app
        .get("/api/v1/customers?colour=red")
        .await
        .assert_problem(400, "invalid_query");
    assert_eq!(fields, ["colour"]);
    let fields = app
        .get("/api/v1/customers?limit=1000")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["limit"]);
    let fields = app
        .get("/api/v1/customers?cursor=nonsense")
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(fields, ["cursor"]);
}

async fn pagination_walks_every_customer_once_in_order(app: &TestApp) {
    // Equal names make the id the tie-breaker.
    let families = [
        "Virtanen",
        "Korhonen",
        "Virtanen",
        "Ahonen",
        "Mäkinen",
        "Virtanen",
        "Äijälä",
    ];
    for (i, family) in families.iter().enumerate() {
        app.register(&minimal(family, "Testi", &format!("19{:02}-01-01", 50 + i)))
            .await;
    }
    // Walk all customers, then the same customers found by name (the search index drives that query).
    for query in ["", "name=testi"] {
        walk_pages(app, query, families.len()).await;
    }
}

/// Every customer on the pages of `query` (a query string, possibly empty) walked `limit` at a time.
async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("{query}&")
    };
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?{query}limit={limit}&cursor={c}"),
            None => format!("/api/v1/customers?{query}limit={limit}"),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let customers = page.body["customers"].as_array().expect("customers");
        assert!(customers.len() <= limit);
        all.extend(customers.iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    all
}

/// "Family Given" of every customer on the pages of `query` walked `limit` at a time.
async fn walk_names(app: &TestApp, query: &str, limit: usize) -> Vec<String> {
    walk(app, query, limit)
        .await
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["family_name"].as_str().unwrap_or_default(),
                c["given_names"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

async fn a_prefix_of_several_words_pages_each_match_once_in_name_order(app: &TestApp) {
    // "ant" begins five different words; Anttila Antti has two of them and is one match.
    for (family, given, born) in [
        ("Virtanen", "Anton", "1970-01-01"),
        ("Anttila", "Antti", "1971-01-01"),
        ("Korhonen", "Anna", "1972-01-01"),
        ("Antonov", "Maria", "1973-01-01"),
        ("Santala", "Antero", "1974-01-01"),
        ("Antonov", "Boris", "1975-01-01"),
    ] {
        app.register(&minimal(family, given, born)).await;
    }
    let expected = [
        "Antonov Boris",
        "Antonov Maria",
        "Anttila Antti",
        "Santala Antero",
        "Virtanen Anton",
    ];
    for limit in [1, 2, 25] {
        assert_eq!(walk_names(app, "name=ant", limit).await, expected, "pages of {limit}");
    }
    // A second fragment narrows each word's matches.
    assert_eq!(walk_names(app, "name=ant%20ma", 1).await, ["Antonov Maria"]);
    assert_eq!(
        walk_names(app, "name=anto", 1).await,
        ["Antonov Boris", "Antonov Maria", "Virtanen Anton"]
    );
}

async fn a_prefix_of_very_many_words_still_pages_in_name_order(app: &TestApp) {
    // More distinct words under one prefix than the search merges page by page: it reads the range.
    let mut expected = Vec::new();
    for i in 0..70u8 {
        let family = format!("Kor{}{}nen", (b'a' + i / 26) as char, (b'a' + i % 26) as char);
        // Different birth dates: the same one with a similar name would be a likely duplicate.
        let born = format!("1950-{:02}-{:02}", i / 28 + 1, i % 28 + 1);
        app.register(&minimal(&family, "Testi", &born)).await;
        expected.push(format!("{family} Testi"));
    }
    app.register(&minimal("Korhonen", "Kaarina", "1980-01-01")).await;
    expected.push("Korhonen Kaarina".to_owned());
    expected.sort();
    assert_eq!(walk_names(app, "name=kor", 30).await, expected);
}

async fn walk_pages(app: &TestApp, query: &str, expected: usize) {
    let seen: Vec<(String, String)> = walk(app, query, 2)
        .await
        .iter()
        .map(|c| {
            (
                c["family_name"].as_str().unwrap_or_default().to_owned(),
                c["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let order: Vec<&str> = seen.iter().map(|(family, _)| family.as_str()).collect();
    // Folded order: Ahonen, Äijälä (aijala), Korhonen, Mäkinen, Virtanen x3.
    assert_eq!(
        order,
        [
            "Ahonen",
            "Äijälä",
            "Korhonen",
            "Mäkinen",
            "Virtanen",
            "Virtanen",
            "Virtanen"
        ]
    );
    let mut ids: Vec<&str> = seen.iter().map(|(_, id)| id.as_str()).collect();
    let virtanen_ids = &ids[4..];
    assert!(virtanen_ids.windows(2).all(|w| w[0] < w[1]), "ties are ordered by id");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "every customer exactly once");
}

async fn concurrent_registrations_of_one_code_let_exactly_one_through(app: &TestApp) {
    let attempts = (0..8).map(|i| {
        let mut body = minimal("Rinnakkainen", &format!("Testi{i}"), "1952-10-13");
        body["identity_code"] = json!("131052-308T");
        body["confirm_not_duplicate"] = json!(true);
        let client = app.client.clone();
        let url = app.url("/api/v1/customers");
        tokio::spawn(async move { client.post(url).json(&body).send().await.map(|r| r.status().as_u16()) })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("task").expect("request"));
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(app.customer_count().await, 1);
}

async fn unknown_customer_is_404_everywhere(app: &TestApp) {
    let missing = "/api/v1/customers/0190aaaa-0000-7000-8000-000000000000";
    app.get(missing).await.assert_problem(404, "not_found");
    app.get(&format!("{missing}/history"))
        .await
        .assert_problem(404, "not_found");
    let mut body = full_customer();
    body["version"] = json!(1);
    app.put(missing, &body).await.assert_problem(404, "not_found");
    app.post(
        &format!("{missing}/end"),
        &json!({"end_date": "2026-05-31", "reason": "employed", "version": 1}),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/no-such-route").await.assert_problem(404, "not_found");
    let reply = app
        .client
        .delete(app.url("/api/v1/customers"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(reply.status().as_u16(), 405);
}

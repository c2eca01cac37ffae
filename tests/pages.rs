//! The web pages over HTTP: what a browser sends (forms, cookies) and what a person sees (status,
//! the error at the field, what was typed kept), on both databases. The browser tests in
//! `tests/browser/` drive the same pages in Chromium.

use kotopolku_domain::access::Role;
use kotopolku_domain::directory::NewUser;
use kotopolku_domain::totp::TotpSecret;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{As, Reply, TestApp, test_now};

on_both_backends!(
    pages_need_a_session_and_allow_only_their_own_scripts,
    a_caseworker_registers_a_customer_and_writes_a_note_through_forms,
    a_form_with_errors_is_shown_again_with_what_was_typed_and_saves_nothing,
    a_form_from_another_session_is_not_saved,
    an_expired_session_keeps_what_was_typed,
    another_units_customer_is_not_found,
    a_chosen_language_follows_the_person_to_another_browser,
    a_caseworker_involves_a_county_and_ends_the_customership,
    a_supervisor_prints_what_is_held_about_a_customer,
    a_customer_who_moves_is_handed_over_through_the_pages,
    a_supervisor_resets_a_caseworkers_sign_in_on_the_users_page,
);

const PASSWORD: &str = "a long enough demo password";

/// A browser: a session cookie, no redirects followed, and the language it asks for (English
/// unless [`Browser::in_language`]). Also used by the training environment's tests.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    lang: &'static str,
    pub(crate) session: Option<String>,
    /// The two-factor key, once enrolled.
    totp_key: Option<String>,
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, text) in [key, value].into_iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for byte in text.bytes() {
                match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
                    _ => out.push_str(&format!("%{byte:02X}")),
                }
            }
        }
    }
    out
}

/// The value of the hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(unescape(&html[start..start + end]))
}

/// HTML's character references as askama writes them, undone.
fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl<'a> Browser<'a> {
    pub(crate) fn in_language(app: &'a TestApp, lang: &'static str) -> Self {
        Self { lang, ..Self::new(app) }
    }

    fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            app,
            client,
            lang: "en-GB,en;q=0.8",
            session: None,
            totp_key: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Reply {
        let mut request = request.header("accept-language", self.lang);
        if let Some(session) = &self.session {
            request = request.header("cookie", format!("kotopolku_session={session}"));
        }
        let reply = Reply::from_response(request.send().await.expect("request")).await;
        for set in reply.headers.get_all("set-cookie") {
            if let Some(value) = set
                .to_str()
                .ok()
                .and_then(|s| s.strip_prefix("kotopolku_session="))
                .and_then(|s| s.split(';').next())
            {
                self.session = Some(value.to_owned()).filter(|v| !v.is_empty());
            }
        }
        reply
    }

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        let request = self.client.get(self.app.url(path));
        self.send(request).await
    }

    pub(crate) async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let request = self
            .client
            .post(self.app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(pairs));
        self.send(request).await
    }

    /// The two-factor code of a later time step (a code is accepted once): moves the clock on.
    fn next_code(&self, app: &TestApp) -> String {
        let later = app.clock.now() + chrono::Duration::seconds(90);
        app.clock.set(later);
        TotpSecret::from_base32(self.totp_key.as_deref().unwrap_or_default())
            .expect("the browser enrolled two-factor sign-in")
            .code_at(later.timestamp())
    }

    /// GETs the form page at `path`, then submits it with its CSRF token and `pairs`.
    async fn submit(&mut self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        let csrf = hidden(&page.text, "_csrf").expect("a CSRF field");
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_form(path, &all).await
    }
}

fn location(reply: &Reply) -> String {
    reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A browser of a caseworker of unit A, signed in all the way: password, then two-factor enrolment
/// through its page (the QR code's key read off the page, as a person types it into an app).
async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    signed_in_as(app, email, Role::Caseworker).await
}

/// [`signed_in`] with another role of unit A.
async fn signed_in_as<'a>(app: &'a TestApp, email: &str, role: Role) -> Browser<'a> {
    signed_in_at(app, email, role, &app.directory.unit_a).await
}

/// [`signed_in`] with a role in an organisation.
async fn signed_in_at<'a>(app: &'a TestApp, email: &str, role: Role, organisation_id: &str) -> Browser<'a> {
    app.services
        .create_demo_user(
            &NewUser {
                email: email.into(),
                display_name: "Sanna Sivula".into(),
                organisation_id: organisation_id.to_owned(),
                role,
            },
            PASSWORD,
        )
        .await
        .expect("user");
    let mut browser = Browser::new(app);
    let reply = browser
        .post_form("/sign-in", &[("email", email), ("password", PASSWORD), ("_next", "/")])
        .await;
    assert_eq!(
        (reply.status, location(&reply).as_str()),
        (303, "/account/two-factor"),
        "{}",
        reply.text
    );
    let enrol = browser.get("/account/two-factor").await;
    assert_eq!(enrol.status, 200, "{}", enrol.text);
    assert!(enrol.text.contains("<svg role=\"img\""), "the QR code is on the page");
    let key: String = enrol
        .text
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key is shown")
        .split_whitespace()
        .collect();
    // Showing the page again keeps the key the person may already have scanned.
    let again = browser.get("/account/two-factor").await;
    assert!(again.text.replace(' ', "").contains(&key));
    let code = TotpSecret::from_base32(&key)
        .expect("key")
        .code_at(test_now().timestamp());
    let reply = browser.submit("/account/two-factor", &[("code", "000000")]).await;
    if code != "000000" {
        assert_eq!(reply.status, 422, "a wrong code is refused");
        assert!(reply.text.contains("The code is not right"), "{}", reply.text);
    }
    let reply = browser.submit("/account/two-factor", &[("code", code.as_str())]).await;
    assert_eq!((reply.status, location(&reply).as_str()), (303, "/"), "{}", reply.text);
    browser.totp_key = Some(key);
    browser
}

/// Registers a customer of unit A (Helsinki) through the API and returns the id.
async fn register_omar(app: &TestApp) -> String {
    let customer = app
        .register(
            &json!({"family_name": "Haddad", "given_names": "Omar", "birth_date": "1988-01-01",
            "municipality_code": "091", "customership_start": "2026-01-01"}),
        )
        .await;
    customer["id"].as_str().unwrap_or_default().to_owned()
}

async fn pages_need_a_session_and_allow_only_their_own_scripts(app: &TestApp) {
    let mut browser = Browser::new(app);
    let reply = browser.get("/customers?q=virtanen").await;
    assert_eq!(reply.status, 303);
    assert_eq!(location(&reply), "/sign-in?next=%2Fcustomers%3Fq%3Dvirtanen");
    let sign_in = browser.get("/sign-in").await;
    assert_eq!(sign_in.status, 200);
    assert!(
        sign_in.content_type.starts_with("text/html"),
        "{}",
        sign_in.content_type
    );
    assert!(sign_in.text.contains("<html lang=\"en\">"), "English was asked for");
    let csp = sign_in.headers["content-security-policy"].to_str().unwrap_or("");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
    // Static files are served, with the type browsers need under `nosniff`.
    let css = browser.get("/assets/app.css").await;
    assert!(css.content_type.starts_with("text/css") && css.text.contains(":focus-visible"));
    let js = browser.get("/assets/htmx.min.js").await;
    assert!(js.content_type.starts_with("text/javascript") && js.text.len() > 10_000);
}

async fn a_caseworker_registers_a_customer_and_writes_a_note_through_forms(app: &TestApp) {
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    let reply = browser
        .submit(
            "/customers/new",
            &[
                ("family_name", "Haddad"),
                ("given_names", "Leila"),
                ("birth_date", "3.4.1991"),
                ("sex", "female"),
                ("municipality_code", "091"),
                ("customership_start", "1.6.2026"),
                ("interpreter_needed", "true"),
                ("interpreter_language", "ar"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let page_path = location(&reply);
    assert!(page_path.ends_with("?done=registered"), "{page_path}");
    let customer_id = page_path
        .trim_start_matches("/customers/")
        .split('?')
        .next()
        .unwrap_or("")
        .to_owned();
    let api = app.get(&format!("/api/v1/customers/{customer_id}")).await;
    assert_eq!(api.body["birth_date"], "1991-04-03", "{}", api.body);
    assert_eq!(api.body["interpreter_needed"], true);
    let page = browser.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<h1>Haddad, Leila</h1>"), "{}", page.text);
    assert!(page.text.contains("The customer was registered."));
    assert!(page.text.contains("3.4.1991"), "dates are shown as d.m.yyyy");

    let note_form = format!("/customers/{customer_id}/records/new/note");
    let reply = browser
        .submit(
            &note_form,
            &[
                ("written_on", "15.6.2026"),
                ("note_type", "phone_call"),
                ("confidentiality", "normal"),
                ("text", "Soitettu: tulkki tarvitaan."),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let notes = app
        .get(&format!("/api/v1/customers/{customer_id}/records?kind=note"))
        .await;
    assert_eq!(
        notes.body["records"][0]["content"]["text"],
        "Soitettu: tulkki tarvitaan."
    );
    assert_eq!(notes.body["records"][0]["content"]["written_on"], "2026-06-15");

    // Opening the customer page is audited: the customer, the note and the deadlines, each a row.
    let note_id = notes.body["records"][0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(browser.get(&format!("/customers/{customer_id}")).await.status, 200);
    let log = app
        .get_as(As::SupervisorA, &format!("/api/v1/customers/{customer_id}/access-log"))
        .await;
    let reads: Vec<(String, String)> = log.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["actor_name"] == "Sanna Sivula" && e["outcome"] == "success")
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["target_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("customer.read".to_owned(), customer_id.clone()),
        ("process.read".to_owned(), note_id),
        ("process.read".to_owned(), customer_id.clone()),
    ] {
        assert!(reads.contains(&expected), "{expected:?} not in {reads:?}");
    }
}

async fn a_form_with_errors_is_shown_again_with_what_was_typed_and_saves_nothing(app: &TestApp) {
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    let before = app.customer_count().await;
    let reply = browser
        .submit(
            "/customers/new",
            &[
                ("given_names", "Leila <Test>"),
                ("birth_date", "31.2.1991"),
                ("municipality_code", "091"),
                ("customership_start", "1.6.2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    // The summary links each problem to its field, by the field's label.
    assert!(reply.text.contains("id=\"error-summary\""), "{}", reply.text);
    assert!(
        reply
            .text
            .contains("<a href=\"#f-family_name\">Family name: Fill in this field.</a>"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("<a href=\"#f-birth_date\">Date of birth: Enter a real date"),
        "{}",
        reply.text
    );
    // The message is also at the field, which says it is invalid; what was typed is kept, escaped.
    assert!(reply.text.contains("aria-invalid=\"true\""));
    assert!(reply.text.contains("id=\"f-family_name-error\""));
    assert!(
        reply.text.contains("value=\"Leila &#60;Test&#62;\"") || reply.text.contains("value=\"Leila &lt;Test&gt;\""),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("value=\"31.2.1991\""));
    assert_eq!(app.customer_count().await, before, "nothing was registered");

    // A rule of the domain is shown at its field too: a first plan longer than 12 months.
    let id = &register_omar(app).await;
    let reply = browser
        .submit(
            &format!("/customers/{id}/records/new/plan"),
            &[
                ("drawn_up_on", "1.6.2026"),
                ("starts_on", "1.6.2026"),
                ("ends_on", "1.12.2027"),
                ("goals[0].area", "language"),
                ("goals[0].description", "Suomen kieli A2"),
                ("goals[0].measures[0].service", "integration_training"),
                ("goals[0].measures[0].planned_start", "1.7.2026"),
                ("goals[0].measures[0].planned_end", "abc"),
                ("goals[1].area", ""),
                ("goals[1].description", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply.text.contains("href=\"#f-goals-0--measures-0--planned_end\""),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("Goal 1, Measure 1: Planned end"), "{}", reply.text);
    let records = app.get(&format!("/api/v1/customers/{id}/records")).await;
    assert_eq!(records.body["records"], json!([]), "nothing was saved");
    let reply = browser
        .submit(
            &format!("/customers/{id}/records/new/plan"),
            &[
                ("drawn_up_on", "1.6.2026"),
                ("starts_on", "1.6.2026"),
                ("ends_on", "1.12.2027"),
                ("goals[0].area", "language"),
                ("goals[0].description", "Suomen kieli A2"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("<a href=\"#f-ends_on\">Ends: The first integration plan can last at most 12 months"),
        "{}",
        reply.text
    );

    // A plan revised: its page lists both versions, and the first can still be read in full.
    let plan = json!({"kind": "plan", "drawn_up_on": "2026-06-01", "starts_on": "2026-06-01",
        "ends_on": "2027-05-31", "goals": [{"area": "language", "description": "Suomen kieli A2"}]});
    let created = app.post(&format!("/api/v1/customers/{id}/records"), &plan).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let record_id = created.body["id"].as_str().unwrap_or_default().to_owned();
    let mut revised = plan.clone();
    revised["goals"][0]["description"] = json!("Suomen kieli B1");
    revised["version"] = json!(1);
    let reply = app
        .put(&format!("/api/v1/customers/{id}/records/{record_id}"), &revised)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = browser.get(&format!("/customers/{id}/records/{record_id}")).await;
    assert!(
        page.text.contains("Suomen kieli B1"),
        "the form shows the current version"
    );
    let first = format!("/api/v1/customers/{id}/records/{record_id}/print?lang=en&#38;version=1");
    assert!(page.text.contains(&first), "{}", page.text);
    let printed = browser.get(&unescape(&first)).await;
    assert_eq!(printed.status, 200);
    assert!(printed.text.contains("Suomen kieli A2"), "{}", printed.text);
}

async fn a_form_from_another_session_is_not_saved(app: &TestApp) {
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    let before = app.customer_count().await;
    let reply = browser
        .post_form(
            "/customers/new",
            &[
                ("_csrf", "not-this-sessions-token"),
                ("family_name", "Haddad"),
                ("given_names", "Leila"),
                ("birth_date", "3.4.1991"),
                ("municipality_code", "091"),
                ("customership_start", "1.6.2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    // Offered back to the person, not saved.
    assert!(reply.text.contains("Continue to the form"), "{}", reply.text);
    assert_eq!(hidden(&reply.text, "family_name").as_deref(), Some("Haddad"));
    assert_eq!(app.customer_count().await, before);
}

async fn an_expired_session_keeps_what_was_typed(app: &TestApp) {
    let id = &register_omar(app).await;
    let note_form = format!("/customers/{id}/records/new/note");
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    let page = browser.get(&note_form).await;
    let csrf = hidden(&page.text, "_csrf").expect("csrf");
    // The session ends (here: its cookie is lost) while the note is being written.
    browser.session = None;
    let text = "Pitkä muistiinpano, jota ei saa hukata.";
    let typed = [("written_on", "15.6.2026"), ("note_type", "meeting"), ("text", text)];
    let mut sent = vec![("_csrf", csrf.as_str())];
    sent.extend_from_slice(&typed);
    let reply = browser.post_form(&note_form, &sent).await;
    assert_eq!(reply.status, 401);
    assert!(reply.text.contains("Nothing was saved"), "{}", reply.text);
    let resume_form = hidden(&reply.text, "_resume_form").expect("the typed form travels with the sign-in");
    let resume_path = hidden(&reply.text, "_resume_path").expect("and where it came from");
    assert_eq!(resume_path, note_form);
    // A later time step: a code is accepted once.
    let code = browser.next_code(app);
    let reply = browser
        .post_form(
            "/sign-in",
            &[
                ("email", "sanna@unit-a.example"),
                ("password", PASSWORD),
                ("totp_code", code.as_str()),
                ("_next", resume_path.as_str()),
                ("_resume_path", resume_path.as_str()),
                ("_resume_form", resume_form.as_str()),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(hidden(&reply.text, "text").as_deref(), Some(text));
    let new_csrf = hidden(&reply.text, "_csrf").expect("the new session's token");
    let mut restore = vec![("_csrf", new_csrf.as_str()), ("_action", "restore")];
    restore.extend_from_slice(&typed);
    let reply = browser.post_form(&note_form, &restore).await;
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains("Your entries were restored"), "{}", reply.text);
    assert!(reply.text.contains(&format!(">{text}</textarea>")), "{}", reply.text);
    let notes = app.get(&format!("/api/v1/customers/{id}/records")).await;
    assert_eq!(notes.body["records"], json!([]), "restoring does not save");
}

async fn another_units_customer_is_not_found(app: &TestApp) {
    let reply = app
        .post_as(
            As::CaseworkerB,
            "/api/v1/customers",
            &json!({"family_name": "Korhonen", "given_names": "Aino", "birth_date": "1990-05-05",
                "municipality_code": "092", "customership_start": "2026-01-01"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_str().unwrap_or_default().to_owned();
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    for path in [
        format!("/customers/{id}"),
        format!("/customers/{id}/edit"),
        format!("/customers/{id}/records/new/note"),
        "/customers/no-such-customer".to_owned(),
    ] {
        let reply = browser.get(&path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.text.contains("Korhonen"), "{path} leaks the name");
        assert!(reply.text.contains("<h1>Not found</h1>"), "{path}: {}", reply.text);
    }
}

async fn a_chosen_language_follows_the_person_to_another_browser(app: &TestApp) {
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    // Without the session's token only this browser's choice changes (the account's is a change of
    // state, which another site must not make); with it, the account's too.
    let reply = browser
        .post_form("/language", &[("lang", "fi"), ("_back", "/customers")])
        .await;
    assert_eq!(reply.status, 303);
    let users = app.get_as(As::Admin, "/api/v1/users").await;
    let user_id = users.body["users"]
        .as_array()
        .or(users.body.as_array())
        .and_then(|list| list.iter().find(|u| u["email"] == "sanna@unit-a.example"))
        .and_then(|u| u["id"].as_str())
        .expect("the user")
        .to_owned();
    assert_eq!(app.services.ui_language(&user_id).await.expect("read"), None);
    let page = browser.get("/customers").await;
    let csrf = hidden(&page.text, "_csrf").expect("the language buttons carry the token");
    let reply = browser
        .post_form(
            "/language",
            &[("lang", "sv"), ("_back", "/customers"), ("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!((reply.status, location(&reply).as_str()), (303, "/customers"));
    let set: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(set.iter().any(|c| c.starts_with("kotopolku_lang=sv;")), "{set:?}");

    // Another browser, which asks for English: after signing in, Swedish.
    let code = browser.next_code(app);
    let mut other = Browser::new(app);
    let reply = other
        .post_form(
            "/sign-in",
            &[
                ("email", "sanna@unit-a.example"),
                ("password", PASSWORD),
                ("totp_code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let set: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(set.iter().any(|c| c.starts_with("kotopolku_lang=sv;")), "{set:?}");
    let page = other
        .send(
            other
                .client
                .get(app.url("/customers"))
                .header("cookie", "kotopolku_lang=sv"),
        )
        .await;
    assert!(page.text.contains("<html lang=\"sv\">"), "{}", page.text);
}

async fn a_caseworker_involves_a_county_and_ends_the_customership(app: &TestApp) {
    let id = &register_omar(app).await;
    let page_path = format!("/customers/{id}");
    let mut browser = signed_in(app, "sanna@unit-a.example").await;
    let page = browser.get(&page_path).await;
    let csrf = hidden(&page.text, "_csrf").expect("csrf");
    let start = format!("/customers/{id}/county-involvements");
    // Without a purpose: the customer page again, the error at the field, nothing started.
    let reply = browser
        .post_form(
            &start,
            &[("_csrf", csrf.as_str()), ("county_code", "90"), ("purpose", "")],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("href=\"#f-purpose\""), "{}", reply.text);
    let reply = browser
        .post_form(
            &start,
            &[
                ("_csrf", csrf.as_str()),
                ("county_code", "90"),
                ("purpose", "Monialainen suunnitelma"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let page = browser.get(&page_path).await;
    assert!(page.text.contains("Monialainen suunnitelma"), "{}", page.text);
    let involvements = app.get(&format!("/api/v1/customers/{id}/county-involvements")).await;
    assert_eq!(involvements.body[0]["county_code"], "90", "{}", involvements.body);

    // Ending needs a reason from the list; then the page says so and offers no new records.
    let end = format!("/customers/{id}/end");
    let form = browser.get(&end).await;
    let version = hidden(&form.text, "_version").expect("the version the change is based on");
    let reply = browser
        .submit(
            &end,
            &[("_version", version.as_str()), ("end_date", "1.6.2026"), ("reason", "")],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.text.contains("href=\"#f-reason\""), "{}", reply.text);
    let reason = app.get("/api/v1/code-lists/customership-end-reasons").await.body["entries"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reply = browser
        .submit(
            &end,
            &[
                ("_version", version.as_str()),
                ("end_date", "1.6.2026"),
                ("reason", reason.as_str()),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let page = browser.get(&location(&reply)).await;
    assert!(page.text.contains("Customership ended 1.6.2026"), "{}", page.text);
    assert!(!page.text.contains("records/new/plan"), "no new plan after the end");
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}")).await.body["customership_end"],
        "2026-06-01"
    );

    // Signing out everywhere from the account page ends this session too.
    let account = browser.get("/account").await;
    assert!(account.text.contains("sanna@unit-a.example"), "{}", account.text);
    let kept = browser.session.clone();
    let csrf = hidden(&account.text, "_csrf").expect("csrf");
    let reply = browser
        .post_form("/account/sign-out-everywhere", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!((reply.status, location(&reply).as_str()), (303, "/sign-in"));
    browser.session = kept;
    assert_eq!(browser.get("/").await.status, 303, "the old cookie no longer works");
}

/// The answer to a customer's access request as a page: their data, its sources and who has read
/// it, with the machine-readable version linked; caseworkers do not get it.
async fn a_supervisor_prints_what_is_held_about_a_customer(app: &TestApp) {
    let id = register_omar(app).await;
    let mut supervisor = signed_in_as(app, "sari@unit-a.example", Role::Supervisor).await;
    let customer_page = supervisor.get(&format!("/customers/{id}")).await;
    assert!(
        customer_page
            .text
            .contains(&format!("href=\"/customers/{id}/subject-access\"")),
        "the customer page links to it"
    );
    let page = supervisor.get(&format!("/customers/{id}/subject-access")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    for expected in [
        "Right of access: all data",
        "Basic data",
        "Integration process records (every version)",
        "The data was entered in Kotopolku; none of it was migrated from other systems.",
        "Compiled the data for the right of access",
        &format!("/api/v1/customers/{id}/subject-access"),
    ] {
        assert!(page.text.contains(expected), "{expected:?} missing from {}", page.text);
    }
    let mut caseworker = signed_in(app, "sanna@unit-a.example").await;
    let refused = caseworker.get(&format!("/customers/{id}/subject-access")).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
}

/// Moving municipality through the pages: unit A asks, unit B sees who is coming on its hand-overs
/// page, takes the customer over, and lands on the customer's page; unit A no longer finds them.
async fn a_customer_who_moves_is_handed_over_through_the_pages(app: &TestApp) {
    let id = register_omar(app).await;
    let mut sender = signed_in(app, "sanna@unit-a.example").await;
    let customer = sender.get(&format!("/customers/{id}")).await;
    assert!(customer.text.contains(&format!("href=\"/customers/{id}/handover\"")));
    let wrong = sender
        .submit(
            &format!("/customers/{id}/handover"),
            &[("to_municipality", "091"), ("moved_on", "10.6.2026")],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert!(
        wrong.text.contains("already lives in this municipality"),
        "{}",
        wrong.text
    );
    let asked = sender
        .submit(
            &format!("/customers/{id}/handover"),
            &[("to_municipality", "092"), ("moved_on", "10.6.2026")],
        )
        .await;
    assert_eq!(
        (asked.status, location(&asked)),
        (303, format!("/customers/{id}?done=handover-requested"))
    );
    let sent = sender.get("/handovers").await;
    assert!(
        sent.text.contains("Waiting for an answer") && sent.text.contains("Withdraw"),
        "{}",
        sent.text
    );

    let mut receiver = signed_in_at(
        app,
        "ville@unit-b.example",
        Role::Caseworker,
        &app.directory.unit_b.clone(),
    )
    .await;
    let before = receiver.get(&format!("/customers/{id}")).await;
    assert_eq!(before.status, 404, "not B's customer before the hand-over");
    let coming = receiver.get("/handovers").await;
    assert_eq!(coming.status, 200, "{}", coming.text);
    assert!(coming.text.contains("Haddad, Omar (1.1.1988)"), "{}", coming.text);
    let handover_id = coming
        .text
        .split("/handovers/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a hand-over's form")
        .to_owned();
    let csrf = hidden(&coming.text, "_csrf").expect("csrf");
    let taken = receiver
        .post_form(&format!("/handovers/{handover_id}/accept"), &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(
        (taken.status, location(&taken)),
        (303, format!("/customers/{id}?done=handover-accepted"))
    );
    let page = receiver.get(&location(&taken)).await;
    assert!(page.text.contains("The customer was taken over."), "{}", page.text);
    assert_eq!(sender.get(&format!("/customers/{id}")).await.status, 404);
}

/// A caseworker who lost their phone: their supervisor resets their sign-in on the users page,
/// reads the one-time password off it, and the caseworker signs in with it to choose a password
/// and enrol a second factor again.
async fn a_supervisor_resets_a_caseworkers_sign_in_on_the_users_page(app: &TestApp) {
    let mut caseworker = signed_in(app, "unohtui@unit-a.example").await;
    let mut supervisor = signed_in_as(app, "sari@unit-a.example", Role::Supervisor).await;
    let users = app.get_as(As::SupervisorA, "/api/v1/users").await;
    let id = users
        .body
        .as_array()
        .and_then(|users| users.iter().find(|u| u["email"] == "unohtui@unit-a.example"))
        .and_then(|u| u["id"].as_str())
        .expect("listed")
        .to_owned();
    let page = supervisor.get("/admin/users").await;
    let action = format!("action=\"/admin/users/{id}/reset-sign-in\"");
    assert!(
        page.text.contains(&action),
        "a reset form for the caseworker: {}",
        page.text
    );
    let csrf = hidden(&page.text, "_csrf").expect("a CSRF field");
    let reply = supervisor
        .post_form(
            &format!("/admin/users/{id}/reset-sign-in"),
            &[("_csrf", csrf.as_str()), ("second_factor", "on")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply.text.contains("The user&#39;s sign-in was reset") || reply.text.contains("The user's sign-in was reset"),
        "{}",
        reply.text
    );
    let one_time = reply
        .text
        .split("id=\"one-time-password\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the one-time password is shown")
        .to_owned();
    assert_eq!(one_time.len(), 24);

    let refused = caseworker.get("/").await;
    assert_eq!(refused.status, 303, "the old session has ended: {}", refused.text);
    let mut again = Browser::new(app);
    let reply = again
        .post_form(
            "/sign-in",
            &[
                ("email", "unohtui@unit-a.example"),
                ("password", one_time.as_str()),
                ("_next", "/"),
            ],
        )
        .await;
    assert_eq!(
        (reply.status, location(&reply).as_str()),
        (303, "/account/password"),
        "{}",
        reply.text
    );
}

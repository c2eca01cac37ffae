//! A training environment (`kotopolku demo`, `SecuritySettings { demo: true, .. }`) says so on every
//! page, in the page's language, before anyone can type anything into it, and marks every response
//! with `X-Kotopolku-Environment: training`; a real server shows and sends nothing of the kind. On
//! both databases.

use kotopolku_domain::access::Role;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::NewUser;
use kotopolku_service::SecuritySettings;
use kotopolku_store::Backend;

use crate::on_both_backends;
use crate::pages::Browser;
use crate::support::{Reply, TestApp};

/// Like `on_both_backends!`, on the server of a training environment.
macro_rules! in_training_on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = super::training(kotopolku_store::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let app = super::training(kotopolku_store::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}

in_training_on_both_backends!(demo_pages_show_the_training_banner_in_every_language);
on_both_backends!(demo_banner_is_not_shown_by_a_real_server);

const PASSWORD: &str = "a long enough demo password";

const BANNER_START: &str = "<div role=\"note\" class=\"training-banner\">";
/// The banner's text in the three languages of the interface.
const FINNISH: &str = "Koulutusympäristö – vain keksittyä aineistoa. Älä syötä oikeita henkilötietoja.";
const SWEDISH: &str = "Utbildningsmiljö – endast påhittade uppgifter. Mata inte in riktiga personuppgifter.";
const ENGLISH: &str = "Training environment – synthetic data only. Never enter real personal data.";
const BANNERS: [(&str, &str); 3] = [("fi", FINNISH), ("sv", SWEDISH), ("en", ENGLISH)];

async fn training(backend: Backend) -> TestApp {
    TestApp::start_with(
        backend,
        SecuritySettings {
            demo: true,
            failure_delay: std::time::Duration::from_millis(2),
            ..SecuritySettings::default()
        },
    )
    .await
}

/// Signs in through the sign-in page (no second factor in a training environment, nor yet for a
/// one-time password); returns where it sends the browser next.
async fn sign_in(browser: &mut Browser<'_>, email: &str, password: &str) -> String {
    let reply = browser
        .post_form("/sign-in", &[("email", email), ("password", password), ("_next", "/")])
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn new_user(app: &TestApp, email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Harri Harjoittelija".into(),
        organisation_id: app.directory.unit_a.clone(),
        role: Role::Caseworker,
    }
}

/// Asserts that the page is HTML with the banner, in the page's language, before its header row.
fn assert_banner(page: &Reply, what: &str, text: &str) {
    assert!(
        page.content_type.starts_with("text/html"),
        "{what}: {}",
        page.content_type
    );
    let banner = format!("{BANNER_START}{text}</div>");
    let at = page
        .text
        .find(&banner)
        .unwrap_or_else(|| panic!("{what} has no training banner {banner:?}: {}", page.text));
    let header_row = page.text.find("class=\"header-row\"").unwrap_or(usize::MAX);
    assert!(at < header_row, "{what}: the banner comes first in the page");
    assert_eq!(page.text.matches("training-banner").count(), 1, "{what}: one banner");
    assert_eq!(
        page.headers
            .get("x-kotopolku-environment")
            .and_then(|v| v.to_str().ok()),
        Some("training"),
        "{what}"
    );
}

fn assert_no_banner(page: &Reply, what: &str) {
    assert!(
        page.content_type.starts_with("text/html"),
        "{what}: {}",
        page.content_type
    );
    assert!(!page.text.contains("training-banner"), "{what}: {}", page.text);
    for (_, text) in BANNERS {
        assert!(!page.text.contains(text), "{what}: {}", page.text);
    }
    assert!(!page.text.contains("<title>["), "{what}: no marker in the title");
    assert!(page.headers.get("x-kotopolku-environment").is_none(), "{what}");
}

async fn demo_pages_show_the_training_banner_in_every_language(app: &TestApp) {
    // The sign-in page, in each language of the interface, before anyone has signed in.
    for (lang, text) in BANNERS {
        let mut browser = Browser::in_language(app, lang);
        let page = browser.get("/sign-in").await;
        assert_eq!(page.status, 200);
        assert!(
            page.text.contains(&format!("<html lang=\"{lang}\">")),
            "{lang} was asked for"
        );
        assert_banner(&page, &format!("the sign-in page in {lang}"), text);
    }
    let mut browser = Browser::in_language(app, "en-GB,en;q=0.8");
    let page = browser.get("/sign-in").await;
    assert!(
        page.text.contains("<title>[Training] Sign in"),
        "the title says it too: {}",
        page.text
    );
    // A failed sign-in shows the page again, with the banner.
    let page = browser
        .post_form(
            "/sign-in",
            &[("email", "nobody@example.org"), ("password", "wrong password")],
        )
        .await;
    assert_ne!(page.status, 303);
    assert_banner(&page, "a failed sign-in", ENGLISH);
    // A form sent without a session: the sign-in page that keeps what was typed.
    let page = browser
        .post_form("/customers/new", &[("family_name", "Esimerkki")])
        .await;
    assert_eq!(page.status, 401, "{}", page.text);
    assert_banner(&page, "the sign-in page of an expired session", ENGLISH);

    // The steps of signing in: choosing one's own password for a one-time one.
    let created = app
        .services
        .create_user(&Actor::system(), &new_user(app, "one-time@training.example"))
        .await
        .expect("user");
    let mut browser = Browser::in_language(app, "sv-FI,sv;q=0.9");
    let next = sign_in(&mut browser, "one-time@training.example", &created.one_time_password).await;
    assert_eq!(next, "/account/password");
    let page = browser.get("/account/password").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_banner(&page, "the password page", SWEDISH);

    // Signed in (no second factor in a training environment): the worklist and every page after it.
    app.services
        .create_demo_user(&new_user(app, "trainee@training.example"), PASSWORD)
        .await
        .expect("user");
    let mut browser = Browser::in_language(app, "en-GB,en;q=0.8");
    assert_eq!(sign_in(&mut browser, "trainee@training.example", PASSWORD).await, "/");
    for path in ["/", "/customers", "/customers/new", "/account"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert_banner(&page, path, ENGLISH);
    }
    let page = browser.get("/").await;
    assert!(page.text.contains("<title>[Training] "), "{}", page.text);
    // Error pages too.
    let page = browser.get("/customers/0190c0de-0000-7000-8000-000000000000").await;
    assert_eq!(page.status, 404, "{}", page.text);
    assert_banner(&page, "the not-found page", ENGLISH);
    let page = browser.get("/admin/users").await;
    assert_eq!(page.status, 403, "{}", page.text);
    assert_banner(&page, "the forbidden page", ENGLISH);
    // In Finnish once the trainee chooses it.
    let mut finnish = Browser::in_language(app, "fi");
    finnish.session = browser.session.clone();
    let page = finnish.get("/").await;
    assert_banner(&page, "the worklist in Finnish", FINNISH);
    assert!(page.text.contains("<title>[Koulutus] "), "{}", page.text);

    // The JSON API says it in a header.
    let reply = app.get("/api/v1/me").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply
            .headers
            .get("x-kotopolku-environment")
            .and_then(|v| v.to_str().ok()),
        Some("training")
    );
    let reply = app.get("/api/v1/customers/nobody").await;
    assert_eq!(
        reply
            .headers
            .get("x-kotopolku-environment")
            .and_then(|v| v.to_str().ok()),
        Some("training"),
        "errors too"
    );
}

async fn demo_banner_is_not_shown_by_a_real_server(app: &TestApp) {
    for (lang, _) in BANNERS {
        let mut browser = Browser::in_language(app, lang);
        let page = browser.get("/sign-in").await;
        assert_eq!(page.status, 200);
        assert_no_banner(&page, &format!("the sign-in page in {lang}"));
    }
    let mut browser = Browser::in_language(app, "en");
    let page = browser
        .post_form("/customers/new", &[("family_name", "Esimerkki")])
        .await;
    assert_eq!(page.status, 401, "{}", page.text);
    assert_no_banner(&page, "the sign-in page of an expired session");
    // A signed-in page: choosing one's own password (a real server asks for a second factor after
    // it, which these pages need not go through here).
    let created = app
        .services
        .create_user(&Actor::system(), &new_user(app, "one-time@real.example"))
        .await
        .expect("user");
    let next = sign_in(&mut browser, "one-time@real.example", &created.one_time_password).await;
    assert_eq!(next, "/account/password");
    let page = browser.get("/account/password").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_no_banner(&page, "the password page");
    let reply = app.get("/api/v1/me").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.headers.get("x-kotopolku-environment").is_none());
}

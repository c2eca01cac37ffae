//! The integration plan (681/2023 §15) or multisectoral integration plan (§16) for the customer, as a
//! printable HTML page in the customer's language.
//!
//! Fixed texts are translated; what caseworkers wrote (goals, providers, outcomes, review summaries,
//! authors) is printed as written, HTML-escaped, in elements with `dir="auto"` so that it keeps its own
//! writing direction (Finnish text in an Arabic page). The page has no script and no inline style; it
//! links to [`crate::PRINT_CSS_PATH`].

use chrono::NaiveDate;
use kotopolku_domain::process::Plan;
use kotopolku_domain::process::plan::{Goal, Measure, MeasureStatus, Review};

use crate::html::{Html, PRINT_CSS_PATH};
use crate::language::Language;
use crate::texts::TextKey;

/// What the printed plan shows: the plan and the facts about the customer it is printed for.
#[derive(Debug, Clone, Copy)]
pub struct PlanDocument<'a> {
    /// The customer's name as shown in Kotopolku: "Family, Given".
    pub customer_name: &'a str,
    pub birth_date: NaiveDate,
    pub municipality_name: &'a str,
    pub plan: &'a Plan,
    /// The plan's version number (a revision is a new version).
    pub version: i64,
    /// Whether this is a multisectoral integration plan (§16); decides the heading.
    pub multisectoral: bool,
    pub printed_on: NaiveDate,
}

/// Renders the plan as a complete HTML page in `lang`.
pub fn render_plan(doc: &PlanDocument<'_>, lang: Language) -> String {
    let t = |key: TextKey| key.text(lang);
    let heading = t(if doc.multisectoral {
        TextKey::MultisectoralIntegrationPlan
    } else {
        TextKey::IntegrationPlan
    });
    let plan = doc.plan;
    let mut h = Html::new();

    h.raw("<!doctype html>\n<html lang=\"")
        .text(lang.as_str())
        .raw("\" dir=\"")
        .text(lang.dir())
        .raw("\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        .text(heading)
        .raw(" – ")
        .text(t(TextKey::PageTitle))
        .raw("</title>\n<link rel=\"stylesheet\" href=\"")
        .text(PRINT_CSS_PATH)
        .raw("\">\n</head>\n<body>\n<header>\n<h1>")
        .text(heading)
        .raw("</h1>\n<dl class=\"facts\">\n");

    free_fact(&mut h, t(TextKey::Customer)).text(doc.customer_name);
    end_fact(&mut h);
    fact(&mut h, t(TextKey::DateOfBirth)).date(doc.birth_date, lang);
    end_fact(&mut h);
    free_fact(&mut h, t(TextKey::Municipality)).text(doc.municipality_name);
    end_fact(&mut h);
    if let Some(county) = &plan.multisectoral_county {
        free_fact(&mut h, t(TextKey::WellbeingServicesCounty)).text(county);
        end_fact(&mut h);
    }
    fact(&mut h, t(TextKey::PlanPeriod));
    period(&mut h, plan.starts_on, plan.ends_on, lang);
    end_fact(&mut h);
    fact(&mut h, t(TextKey::DrawnUpOn)).date(plan.drawn_up_on, lang);
    end_fact(&mut h);
    fact(&mut h, t(TextKey::CustomerAgreedOn));
    match plan.customer_agreed_on {
        Some(date) => h.date(date, lang),
        None => h.text(t(TextKey::NotRecorded)),
    };
    end_fact(&mut h);
    free_fact(&mut h, t(TextKey::Authors));
    if plan.authors.is_empty() {
        h.text(t(TextKey::NotRecorded));
    }
    for (i, author) in plan.authors.iter().enumerate() {
        if i > 0 {
            h.raw("</dd>\n<dd dir=\"auto\">");
        }
        h.text(author);
    }
    end_fact(&mut h);
    h.raw("</dl>\n</header>\n<main>\n");

    h.raw("<section class=\"goals\">\n<h2>")
        .text(t(TextKey::Goals))
        .raw("</h2>\n");
    if plan.goals.is_empty() {
        h.raw("<p class=\"no-entries\">")
            .text(t(TextKey::NoEntries))
            .raw("</p>\n");
    }
    for goal in &plan.goals {
        render_goal(&mut h, goal, lang);
    }
    h.raw("</section>\n");

    render_reviews(&mut h, &plan.reviews, lang);

    h.raw("</main>\n<footer>\n<p class=\"notice\">")
        .text(t(TextKey::ReviewNotice))
        .raw("</p>\n<dl class=\"document-info\">\n");
    fact(&mut h, t(TextKey::Version)).text(&doc.version.to_string());
    end_fact(&mut h);
    fact(&mut h, t(TextKey::PrintedOn)).date(doc.printed_on, lang);
    end_fact(&mut h);
    h.raw("</dl>\n</footer>\n</body>\n</html>\n");
    h.finish()
}

/// Opens a term-value pair of a `<dl>`; the caller writes the value and calls [`end_fact`].
fn fact<'h>(h: &'h mut Html, term: &str) -> &'h mut Html {
    h.raw("<div><dt>").text(term).raw("</dt><dd>")
}

/// [`fact`] for a value someone typed (a name), which keeps its own writing direction.
fn free_fact<'h>(h: &'h mut Html, term: &str) -> &'h mut Html {
    h.raw("<div><dt>").text(term).raw("</dt><dd dir=\"auto\">")
}

fn end_fact(h: &mut Html) {
    h.raw("</dd></div>\n");
}

/// `1.3.2026 – 30.6.2026`.
fn period(h: &mut Html, start: NaiveDate, end: NaiveDate, lang: Language) {
    h.date(start, lang).raw(" – ").date(end, lang);
}

fn render_goal(h: &mut Html, goal: &Goal, lang: Language) {
    let t = |key: TextKey| key.text(lang);
    h.raw("<section class=\"goal\">\n<h3>")
        .text(t(TextKey::goal_area(goal.area)))
        .raw("</h3>\n<p class=\"free-text\" dir=\"auto\">")
        .text(&goal.description)
        .raw("</p>\n");
    if goal.measures.is_empty() {
        h.raw("<p class=\"no-entries\">")
            .text(t(TextKey::NoMeasures))
            .raw("</p>\n");
    } else {
        h.raw("<table class=\"measures\">\n<caption>")
            .text(t(TextKey::Measures))
            .raw("</caption>\n<thead>\n<tr>");
        for key in [
            TextKey::Service,
            TextKey::Provider,
            TextKey::PlannedDates,
            TextKey::Hours,
            TextKey::Status,
            TextKey::Outcome,
        ] {
            h.raw("<th scope=\"col\">").text(t(key)).raw("</th>");
        }
        h.raw("</tr>\n</thead>\n<tbody>\n");
        for measure in &goal.measures {
            render_measure(h, measure, lang);
        }
        h.raw("</tbody>\n</table>\n");
    }
    h.raw("</section>\n");
}

fn render_measure(h: &mut Html, m: &Measure, lang: Language) {
    h.raw("<tr><td>").text(TextKey::service(m.service).text(lang));
    h.raw("</td><td class=\"free-text\" dir=\"auto\">");
    optional_text(h, m.provider.as_deref());
    h.raw("</td><td>");
    period(h, m.planned_start, m.planned_end, lang);
    h.raw("</td><td class=\"number\">");
    match m.hours {
        Some(hours) => h.text(&hours.to_string()),
        None => h.text(EMPTY),
    };
    h.raw("</td><td>").text(TextKey::measure_status(m.status).text(lang));
    if let Some(date) = status_date(m) {
        h.raw(" ").date(date, lang);
    }
    h.raw("</td><td class=\"free-text\" dir=\"auto\">");
    optional_text(h, m.outcome.as_deref());
    h.raw("</td></tr>\n");
}

/// The date the measure reached its status, when one is recorded.
fn status_date(m: &Measure) -> Option<NaiveDate> {
    match m.status {
        MeasureStatus::Planned => None,
        MeasureStatus::Referred => m.referred_on,
        MeasureStatus::Started => m.started_on,
        MeasureStatus::Interrupted | MeasureStatus::Completed | MeasureStatus::Cancelled => m.ended_on,
    }
}

fn render_reviews(h: &mut Html, reviews: &[Review], lang: Language) {
    let t = |key: TextKey| key.text(lang);
    h.raw("<section class=\"reviews\">\n<h2>")
        .text(t(TextKey::Reviews))
        .raw("</h2>\n");
    if reviews.is_empty() {
        h.raw("<p class=\"no-entries\">")
            .text(t(TextKey::NoEntries))
            .raw("</p>\n");
    } else {
        h.raw("<table class=\"reviews\">\n<thead>\n<tr>");
        for key in [TextKey::ReviewPlanned, TextKey::ReviewHeld, TextKey::ReviewSummary] {
            h.raw("<th scope=\"col\">").text(t(key)).raw("</th>");
        }
        h.raw("</tr>\n</thead>\n<tbody>\n");
        for review in reviews {
            h.raw("<tr><td>").date(review.planned_on, lang).raw("</td><td>");
            match review.held_on {
                Some(date) => h.date(date, lang),
                None => h.text(EMPTY),
            };
            h.raw("</td><td class=\"free-text\" dir=\"auto\">");
            optional_text(h, review.summary.as_deref());
            h.raw("</td></tr>\n");
        }
        h.raw("</tbody>\n</table>\n");
    }
    h.raw("</section>\n");
}

/// What an empty table cell shows.
const EMPTY: &str = "—";

fn optional_text(h: &mut Html, text: Option<&str>) {
    h.text(text.filter(|t| !t.trim().is_empty()).unwrap_or(EMPTY));
}

#[cfg(test)]
mod tests {
    use kotopolku_domain::process::common::ServiceType;
    use kotopolku_domain::process::plan::GoalArea;

    use super::*;
    use crate::escape;

    const MALICIOUS: &str = "<script>alert(1)</script>";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn measure(service: ServiceType, status: MeasureStatus) -> Measure {
        Measure {
            id: Some("m1".into()),
            service,
            provider: Some("Opisto \"Kieli & Työ\" Oy".into()),
            planned_start: date(2026, 3, 2),
            planned_end: date(2026, 6, 30),
            hours: Some(70),
            status,
            referred_on: Some(date(2026, 2, 20)),
            started_on: Some(date(2026, 3, 2)),
            ended_on: None,
            outcome: Some("Kurssi <b>kesken</b>".into()),
        }
    }

    fn plan() -> Plan {
        Plan {
            multisectoral_county: Some("Pirkanmaan hyvinvointialue".into()),
            drawn_up_on: date(2026, 2, 15),
            starts_on: date(2026, 3, 1),
            ends_on: date(2027, 2, 28),
            goals: vec![
                Goal {
                    area: GoalArea::Language,
                    description: MALICIOUS.into(),
                    measures: vec![
                        measure(ServiceType::CivicOrientation, MeasureStatus::Started),
                        measure(ServiceType::IntegrationTraining, MeasureStatus::Referred),
                    ],
                },
                Goal {
                    area: GoalArea::Employment,
                    description: "Työ 'ravintola-alalla'\nensi vuonna".into(),
                    measures: vec![Measure {
                        provider: None,
                        hours: None,
                        outcome: None,
                        ..measure(ServiceType::WorkTryOut, MeasureStatus::Planned)
                    }],
                },
            ],
            reviews: vec![
                Review {
                    planned_on: date(2026, 8, 31),
                    held_on: Some(date(2026, 8, 28)),
                    summary: Some("Edistyy > odotettua".into()),
                },
                Review {
                    planned_on: date(2027, 2, 15),
                    held_on: None,
                    summary: None,
                },
            ],
            customer_agreed_on: Some(date(2026, 2, 15)),
            authors: vec!["Virtanen, Aino".into(), "O'Brien <x@y>".into()],
        }
    }

    fn document(plan: &Plan, multisectoral: bool) -> PlanDocument<'_> {
        PlanDocument {
            customer_name: "Al-Sayed, Mariam",
            birth_date: date(1990, 12, 24),
            municipality_name: "Tampere",
            plan,
            version: 3,
            multisectoral,
            printed_on: date(2026, 9, 1),
        }
    }

    fn assert_no_active_content(html: &str) {
        let lower = html.to_lowercase();
        for forbidden in [
            "<script",
            "style=",
            "<style",
            "javascript:",
            " onload=",
            " onclick=",
            " onerror=",
        ] {
            assert!(!lower.contains(forbidden), "found {forbidden}");
        }
    }

    #[test]
    fn renders_in_every_language() {
        let plan = plan();
        for lang in Language::ALL {
            for multisectoral in [false, true] {
                let html = render_plan(&document(&plan, multisectoral), lang);
                let heading = if multisectoral {
                    TextKey::MultisectoralIntegrationPlan
                } else {
                    TextKey::IntegrationPlan
                }
                .text(lang);
                assert!(html.starts_with("<!doctype html>\n"));
                assert!(html.contains(&format!("<html lang=\"{}\" dir=\"{}\">", lang.as_str(), lang.dir())));
                assert!(html.contains("<meta charset=\"utf-8\">"));
                assert!(html.contains(&format!(
                    "<title>{} – {}</title>",
                    escape(heading),
                    escape(TextKey::PageTitle.text(lang))
                )));
                assert!(html.contains(&format!("<h1>{}</h1>", escape(heading))));
                assert!(html.contains("<link rel=\"stylesheet\" href=\"/assets/print.css\">"));
                for key in [
                    TextKey::Goals,
                    TextKey::AreaLanguage,
                    TextKey::AreaEmployment,
                    TextKey::ServiceCivicOrientation,
                    TextKey::ServiceIntegrationTraining,
                    TextKey::ServiceWorkTryOut,
                    TextKey::StatusStarted,
                    TextKey::StatusReferred,
                    TextKey::StatusPlanned,
                    TextKey::Reviews,
                    TextKey::ReviewNotice,
                    TextKey::WellbeingServicesCounty,
                ] {
                    assert!(html.contains(&escape(key.text(lang))), "{key:?} in {}", lang.as_str());
                }
                assert!(html.contains(&format!(
                    "<th scope=\"col\">{}</th>",
                    escape(TextKey::Service.text(lang))
                )));

                // Free text is printed as written, escaped.
                assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
                assert!(html.contains("Opisto &quot;Kieli &amp; Työ&quot; Oy"));
                assert!(html.contains("Kurssi &lt;b&gt;kesken&lt;/b&gt;"));
                assert!(html.contains("Työ &#39;ravintola-alalla&#39;\nensi vuonna"));
                assert!(html.contains("Edistyy &gt; odotettua"));
                assert!(
                    html.contains(
                        "<dd dir=\"auto\">Virtanen, Aino</dd>\n<dd dir=\"auto\">O&#39;Brien &lt;x@y&gt;</dd>"
                    )
                );
                assert!(html.contains("Al-Sayed, Mariam"));
                assert!(html.contains("Pirkanmaan hyvinvointialue"));

                assert_no_active_content(&html);
                assert!(!html.contains("<b>"));
            }
        }
    }

    #[test]
    fn arabic_is_right_to_left() {
        let plan = plan();
        let html = render_plan(&document(&plan, false), Language::Ar);
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(html.contains("خطة الاندماج"));
        // Caseworkers' Finnish text keeps its own direction inside the right-to-left page.
        assert!(html.contains("<p class=\"free-text\" dir=\"auto\">&lt;script&gt;"));
        assert!(html.contains("<dd dir=\"auto\">Al-Sayed, Mariam</dd>"));
        for lang in [Language::Fi, Language::Sv, Language::En] {
            assert!(render_plan(&document(&plan, false), lang).contains("dir=\"ltr\""));
        }
    }

    #[test]
    fn finnish_page_in_detail() {
        let plan = plan();
        let html = render_plan(&document(&plan, false), Language::Fi);
        assert!(html.contains("<title>Kotoutumissuunnitelma – tulostettava versio</title>"));
        assert!(
            html.contains("<div><dt>Syntymäaika</dt><dd><time datetime=\"1990-12-24\">24.12.1990</time></dd></div>")
        );
        assert!(html.contains(
            "<dt>Suunnitelman voimassaoloaika</dt><dd><time datetime=\"2026-03-01\">1.3.2026</time> – \
             <time datetime=\"2027-02-28\">28.2.2027</time></dd>"
        ));
        assert!(html.contains("<caption>Toimenpiteet</caption>"));
        assert!(html.contains("<td>Aloitettu <time datetime=\"2026-03-02\">2.3.2026</time></td>"));
        assert!(html.contains("<td>Ohjattu <time datetime=\"2026-02-20\">20.2.2026</time></td>"));
        assert!(html.contains("<td class=\"number\">70</td>"));
        // A planned measure with no provider, hours or outcome.
        assert!(html.contains("<td class=\"free-text\" dir=\"auto\">—</td>"));
        assert!(html.contains("<td>Suunniteltu</td>"));
        assert!(html.contains("<dt>Versio</dt><dd>3</dd>"));
        assert!(html.contains("<dt>Tulostettu</dt><dd><time datetime=\"2026-09-01\">1.9.2026</time></dd>"));
        assert_eq!(html.matches("<section class=\"goal\">").count(), 2);
        assert_eq!(html.matches("<table class=\"measures\">").count(), 2);
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn empty_plan() {
        let plan = Plan {
            multisectoral_county: None,
            goals: vec![],
            reviews: vec![],
            customer_agreed_on: None,
            authors: vec![],
            ..plan()
        };
        let html = render_plan(&document(&plan, false), Language::Sv);
        assert!(html.contains("<h1>Integrationsplan</h1>"));
        assert!(!html.contains("Välfärdsområde"));
        assert!(html.contains("<dt>Kundens godkännande</dt><dd>Inte antecknat</dd>"));
        assert!(html.contains("<dt>Upprättad av</dt><dd dir=\"auto\">Inte antecknat</dd>"));
        assert_eq!(
            html.matches("<p class=\"no-entries\">Inga anteckningar.</p>").count(),
            2
        );
        assert!(!html.contains("<table"));
        assert!(html.contains("<time datetime=\"2026-03-01\">1.3.2026</time>"));
    }

    #[test]
    fn hostile_customer_facts_are_escaped() {
        let plan = plan();
        let doc = PlanDocument {
            customer_name: "\"><script>alert(1)</script>",
            municipality_name: "<style>body{}</style>",
            ..document(&plan, true)
        };
        let html = render_plan(&doc, Language::En);
        assert!(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;style&gt;body{}&lt;/style&gt;"));
        assert_no_active_content(&html);
    }
}

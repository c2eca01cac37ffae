//! `kotopolku demo`: a training environment on its own SQLite file, with demo organisations, a demo
//! user for every role, and synthetic customers with their process records, each customer the
//! responsibility of a demo caseworker of their unit.

use std::net::SocketAddr;

use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::{Actor, ActorKind};
use kotopolku_domain::directory::{NewOrganisation, NewUser, Organisation, User};
use kotopolku_domain::process::RecordBody;
use kotopolku_service::{Clock, SecuritySettings, Services};
use kotopolku_store::{Database, settings};
use kotopolku_synthetic::{Generator, ProcessGenerator, SyntheticRecord, carry_measure_ids, link_measure};

use crate::serve;

/// Demo accounts: e-mail, role, and which demo organisation they belong to. The password of each is
/// `demo-` followed by the role, e.g. `demo-caseworker`.
const DEMO_USERS: &[(&str, Role)] = &[
    ("caseworker@demo.kotopolku.invalid", Role::Caseworker),
    ("supervisor@demo.kotopolku.invalid", Role::Supervisor),
    ("county@demo.kotopolku.invalid", Role::CountyWorker),
    ("regional@demo.kotopolku.invalid", Role::RegionalOfficer),
    ("national@demo.kotopolku.invalid", Role::NationalAnalyst),
    ("admin@demo.kotopolku.invalid", Role::Admin),
];

/// Opens (or creates) a demo database, seeds it on first use, and serves it.
pub async fn run(database_url: &str, bind: SocketAddr, customers: u32, seed: u64) -> Result<(), String> {
    let db = serve::open(database_url).await?;
    let services = Services::with_settings(
        db.clone(),
        Clock::system(),
        SecuritySettings {
            demo: true,
            ..SecuritySettings::default()
        },
    );
    let token = seed_if_new(&services, &db, customers, seed).await?;
    println!("Kotopolku training environment: synthetic data only, never enter real personal data.");
    println!("Database: {database_url}");
    println!("Demo accounts (password: demo- followed by the role, e.g. demo-caseworker; no two-factor sign-in):");
    for (email, role) in DEMO_USERS {
        println!("  {:<18} {email}", role.as_str());
    }
    if let Some(token) = token {
        println!("API token of the demo caseworker (shown once): {token}");
    }
    println!(
        "Open http://{bind}/ in a browser and sign in as caseworker@demo.kotopolku.invalid, password demo-caseworker."
    );
    // Standard output is block-buffered when piped; show the accounts before the server starts.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    serve::run_with(
        kotopolku_web::AppState {
            services,
            hsts: false,
            oidc: None,
        },
        bind,
        // A training environment: figures follow what the trainee just did within a minute.
        std::time::Duration::from_secs(60),
    )
    .await
}

/// Seeds a new database and returns a caseworker API token; leaves an existing demo database as it
/// is; refuses any other database.
async fn seed_if_new(services: &Services, db: &Database, customers: u32, seed: u64) -> Result<Option<String>, String> {
    let environment = settings::get(db, settings::ENVIRONMENT)
        .await
        .map_err(|e| e.to_string())?;
    match environment.as_deref() {
        Some("demo") => return Ok(None),
        Some(other) => return Err(format!("refusing to use a database marked as {other:?} for the demo")),
        None => {}
    }
    if settings::has_customers(db).await.map_err(|e| e.to_string())? {
        return Err("refusing to use a database that holds data which is not demo data".into());
    }
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    settings::set(&mut tx, settings::ENVIRONMENT, "demo")
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;

    let system = Actor::system();
    let organisation = |kind, name: &str, area: Option<&str>, municipalities: &[&str]| NewOrganisation {
        kind,
        name: name.into(),
        area_code: area.map(str::to_owned),
        municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
    };
    let new_orgs = [
        organisation(
            OrganisationKind::MunicipalUnit,
            "Demo integration services",
            None,
            &kotopolku_synthetic::municipality_codes().collect::<Vec<_>>(),
        ),
        organisation(OrganisationKind::WellbeingCounty, "Helsinki (demo)", Some("90"), &[]),
        organisation(
            OrganisationKind::RegionalCentre,
            "Uusimaa regional centre (demo)",
            Some("1"),
            &[],
        ),
        organisation(OrganisationKind::National, "National level (demo)", None, &[]),
        organisation(OrganisationKind::Operator, "Operator (demo)", None, &[]),
    ];
    let mut orgs = std::collections::HashMap::new();
    for new in &new_orgs {
        let org = services
            .create_organisation(&system, new)
            .await
            .map_err(|e| format!("seeding failed: {e}"))?;
        orgs.insert(org.kind, org);
    }
    let org_ids: std::collections::HashMap<OrganisationKind, String> =
        orgs.iter().map(|(kind, org)| (*kind, org.id.clone())).collect();
    // The caseworkers customers are assigned to, each acting in their own unit.
    let mut caseworkers = Vec::new();
    for (email, role) in DEMO_USERS {
        let new = NewUser {
            email: (*email).into(),
            display_name: format!("Demo {}", role.as_str().replace('_', " ")),
            organisation_id: org_ids.get(&role.organisation_kind()).cloned().unwrap_or_default(),
            role: *role,
        };
        let user = services
            .create_demo_user(&new, &format!("demo-{}", role.as_str()))
            .await
            .map_err(|e| format!("seeding failed: {e}"))?;
        if *role == Role::Caseworker
            && let Some(org) = orgs.values().find(|o| o.id == user.organisation_id)
        {
            caseworkers.push((user_actor(&user, org), org.municipalities.clone()));
        }
    }
    let unit = org_ids
        .get(&OrganisationKind::MunicipalUnit)
        .cloned()
        .unwrap_or_default();
    let token = services
        .create_token(&system, &unit, Role::Caseworker, "demo caseworker", 365)
        .await
        .map_err(|e| format!("seeding failed: {e}"))?;

    let today = services.clock().today();
    let mut generator = Generator::new(seed, today);
    let mut process = ProcessGenerator::new(seed, today);
    let mut records = 0;
    for i in 0..customers {
        let mut customer = generator.customer();
        // Each customer is the responsibility of one of their unit's caseworkers, in turn.
        let unit: Vec<&Actor> = caseworkers
            .iter()
            .filter(|(_, municipalities)| municipalities.contains(&customer.municipality_code))
            .map(|(actor, _)| actor)
            .collect();
        let caseworker = (!unit.is_empty()).then(|| unit[i as usize % unit.len()]);
        customer.responsible_caseworker = caseworker.map(|c| c.id.clone());
        let registered = services
            .register_customer(&system, &customer, true)
            .await
            .map_err(|e| format!("seeding failed: {e}"))?;
        let (actor, name) = caseworker.map_or((&system, "Kotopolku"), |c| (c, c.display_name.as_str()));
        let generated = process.records(&customer, name);
        records += generated.len();
        add_records(services, actor, &registered.id, generated)
            .await
            .map_err(|e| format!("seeding failed: {e}"))?;
    }
    println!("Seeded {customers} synthetic customers with {records} process records (seed {seed}).");
    Ok(Some(token.secret))
}

/// A demo user acting in their organisation, as if signed in.
fn user_actor(user: &User, org: &Organisation) -> Actor {
    Actor {
        id: user.id.clone(),
        display_name: user.display_name.clone(),
        kind: ActorKind::User,
        role: Some(user.role),
        organisation_id: Some(org.id.clone()),
        jurisdiction: Some(org.jurisdiction()),
        purpose: None,
        request_id: None,
        client_address: None,
    }
}

/// Adds a customer's synthetic records through the service layer, each version after the first as
/// a revision of the one before, so that every record is validated as a caseworker's would be.
async fn add_records(
    services: &Services,
    actor: &Actor,
    customer_id: &str,
    records: Vec<SyntheticRecord>,
) -> Result<(), kotopolku_service::ServiceError> {
    // The saved current version of each record so far, for the measure ids plans were given.
    let mut saved: Vec<RecordBody> = Vec::with_capacity(records.len());
    for record in records {
        let mut current: Option<kotopolku_domain::process::ProcessRecord> = None;
        for mut body in record.versions {
            if let Some(at) = record.measure
                && let Some(plan) = saved.get(at.record)
            {
                link_measure(&mut body, plan, at);
            }
            current = Some(match current {
                None => services.add_record(actor, customer_id, body).await?,
                Some(previous) => {
                    carry_measure_ids(&previous.content, &mut body);
                    services
                        .revise_record(actor, customer_id, &previous.id, previous.version, body)
                        .await?
                }
            });
        }
        if let Some(current) = current {
            saved.push(current.content);
        }
    }
    Ok(())
}

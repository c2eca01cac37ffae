//! `kotopolku demo`: a training environment on its own SQLite file, with demo organisations, a demo
//! user for every role, and synthetic customers with their process records, each customer the
//! responsibility of a demo caseworker of their unit; `kotopolku demo generate` fills a training
//! database of any size on either database, and `kotopolku demo reset` makes one again as it was.

use std::net::SocketAddr;

use chrono::NaiveDate;

use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::{NewOrganisation, NewUser};
use kotopolku_service::{Clock, SecuritySettings, Services};
use kotopolku_store::{Database, PoolSettings, bulk_load, settings};
use kotopolku_synthetic::Caseworker;

use crate::serve;

mod generate;

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

/// Customers a new training database gets unless told otherwise, and the seed they are made from.
pub const DEFAULT_CUSTOMERS: u64 = 300;
pub const DEFAULT_SEED: u64 = 2026;
/// A caseworker's caseload in a generated database: one caseworker for every so many customers.
const CUSTOMERS_PER_CASEWORKER: u64 = 250;
/// Where a training database keeps what it was made with, for `kotopolku demo reset`.
const CUSTOMERS_SETTING: &str = "demo_customers";
const SEED_SETTING: &str = "demo_seed";
const AS_OF_SETTING: &str = "demo_as_of";

/// What synthetic data a training database is made of: the same recipe makes the same data.
#[derive(Debug, Clone, Copy)]
pub struct Recipe {
    pub customers: u64,
    pub seed: u64,
    /// The day the data is made as of; `None` for the day it is made (dates move with it).
    pub as_of: Option<NaiveDate>,
}

impl Recipe {
    /// Refuses a recipe that cannot be made, before anything is changed.
    fn check(&self, today: NaiveDate) -> Result<(), String> {
        if self.as_of.is_some_and(|day| day > today) {
            return Err("--as-of: a day in the future; synthetic data is made as of today or earlier".into());
        }
        Ok(())
    }
}

/// Opens (or creates) a demo database, seeds it on first use, and serves it.
pub async fn run(
    database_url: &str,
    bind: SocketAddr,
    recipe: Recipe,
    statistics_every: std::time::Duration,
) -> Result<(), String> {
    let db = serve::open(database_url).await?;
    let journal = crate::config::audit_journal(None, &crate::config::FileConfig::default(), database_url);
    let services = serve::with_audit_journal(training_services(&db), journal.as_deref()).await?;
    let token = match made_with(&db).await? {
        Some(_) => None,
        None => Some(build(&services, &db, database_url, recipe).await?),
    };
    println!("Kotopolku training environment: synthetic data only, never enter real personal data.");
    println!("Database: {database_url}");
    print_accounts(token.as_deref());
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
            limits: Default::default(),
            metrics: Default::default(),
            trusted_proxies: Default::default(),
        },
        serve::Listening::on(bind, statistics_every),
    )
    .await
}

/// `kotopolku demo generate`: fills a new or training database with synthetic customers made by
/// `recipe`, replacing what a training database held.
pub async fn generate(database_url: &str, recipe: Recipe) -> Result<(), String> {
    let db = serve::open(database_url).await?;
    let services = training_services(&db);
    made_with(&db).await?;
    recipe.check(services.clock().today())?;
    wipe(&db).await?;
    let token = build(&services, &db, database_url, recipe).await?;
    print_accounts(Some(&token));
    println!("Start it with: kotopolku demo --database-url {database_url}");
    db.close().await;
    Ok(())
}

/// `kotopolku demo reset`: makes a training database again as it was first made (the same number of
/// customers from the same seed, their dates counted from today unless it was made as of a given
/// day), dropping everything done in it.
pub async fn reset(database_url: &str) -> Result<(), String> {
    let db = serve::open(database_url).await?;
    let services = training_services(&db);
    let recipe = made_with(&db).await?.unwrap_or(Recipe {
        customers: DEFAULT_CUSTOMERS,
        seed: DEFAULT_SEED,
        as_of: None,
    });
    wipe(&db).await?;
    let token = build(&services, &db, database_url, recipe).await?;
    println!("The training database is as it was first made.");
    print_accounts(Some(&token));
    db.close().await;
    Ok(())
}

fn training_services(db: &Database) -> Services {
    Services::with_settings(
        db.clone(),
        Clock::system(),
        SecuritySettings {
            demo: true,
            ..SecuritySettings::default()
        },
    )
}

/// What a training database was made with; `None` for an empty database; an error for any
/// database that holds anything but demo data.
async fn made_with(db: &Database) -> Result<Option<Recipe>, String> {
    let get = |key| settings::get(db, key);
    match get(settings::ENVIRONMENT).await.map_err(|e| e.to_string())?.as_deref() {
        Some("demo") => {
            let number = |value: Option<String>, default| value.and_then(|v| v.parse().ok()).unwrap_or(default);
            let customers = number(
                get(CUSTOMERS_SETTING).await.map_err(|e| e.to_string())?,
                DEFAULT_CUSTOMERS,
            );
            let seed = number(get(SEED_SETTING).await.map_err(|e| e.to_string())?, DEFAULT_SEED);
            let as_of = get(AS_OF_SETTING)
                .await
                .map_err(|e| e.to_string())?
                .and_then(|day| day.parse().ok());
            Ok(Some(Recipe { customers, seed, as_of }))
        }
        Some(other) => Err(format!("refusing to use a database marked as {other:?} for the demo")),
        None if settings::has_customers(db).await.map_err(|e| e.to_string())? => {
            Err("refusing to use a database that holds data which is not demo data".into())
        }
        None => Ok(None),
    }
}

/// Empties a database already known to be a training one (or empty).
async fn wipe(db: &Database) -> Result<(), String> {
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    kotopolku_store::training::wipe(&mut tx)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())
}

fn print_accounts(token: Option<&str>) {
    println!("Demo accounts (password: demo- followed by the role, e.g. demo-caseworker; no two-factor sign-in):");
    for (email, role) in DEMO_USERS {
        println!("  {:<18} {email}", role.as_str());
    }
    println!(
        "  (a generated database has more caseworkers: caseworker-2@demo.kotopolku.invalid and on, password demo-caseworker)"
    );
    if let Some(token) = token {
        println!("API token for scripts (an integration's, shown once): {token}");
    }
}

/// Fills an empty database: the demo setting, the demo users, a caseworker for every 250 customers,
/// and the customers; returns an API token for scripts.
async fn build(services: &Services, db: &Database, database_url: &str, recipe: Recipe) -> Result<String, String> {
    let Recipe { customers, seed, as_of } = recipe;
    let today = services.clock().today();
    recipe.check(today)?;
    let failed = |e: kotopolku_service::ServiceError| format!("seeding failed: {e}");
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for (key, value) in [
        (settings::ENVIRONMENT, "demo".to_owned()),
        (CUSTOMERS_SETTING, customers.to_string()),
        (SEED_SETTING, seed.to_string()),
    ]
    .into_iter()
    .chain(as_of.map(|day| (AS_OF_SETTING, day.to_string())))
    {
        settings::set(&mut tx, key, &value).await.map_err(|e| e.to_string())?;
    }
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
        let org = services.create_organisation(&system, new).await.map_err(failed)?;
        orgs.insert(org.kind, org);
    }
    let unit = orgs
        .get(&OrganisationKind::MunicipalUnit)
        .cloned()
        .ok_or("seeding failed: no municipal unit")?;
    let mut caseworkers = Vec::new();
    for (email, role) in DEMO_USERS {
        let new = NewUser {
            email: (*email).into(),
            display_name: format!("Demo {}", role.as_str().replace('_', " ")),
            organisation_id: orgs
                .get(&role.organisation_kind())
                .map(|o| o.id.clone())
                .unwrap_or_default(),
            role: *role,
        };
        let user = services
            .create_demo_user(&new, &format!("demo-{}", role.as_str()))
            .await
            .map_err(failed)?;
        if *role == Role::Caseworker {
            caseworkers.push(user);
        }
    }
    let more: Vec<NewUser> = (2..=(customers / CUSTOMERS_PER_CASEWORKER).max(1))
        .map(|n| NewUser {
            email: format!("caseworker-{n}@demo.kotopolku.invalid"),
            display_name: format!("Demo caseworker {n}"),
            organisation_id: unit.id.clone(),
            role: Role::Caseworker,
        })
        .collect();
    if !more.is_empty() {
        caseworkers.extend(
            services
                .create_demo_users(&more, "demo-caseworker")
                .await
                .map_err(failed)?,
        );
    }
    let token = services
        .create_token(&system, &unit.id, Role::Caseworker, "demo caseworker", 365)
        .await
        .map_err(failed)?;

    let serving = kotopolku_synthetic::caseworker_municipalities(caseworkers.len());
    let caseworkers: Vec<Caseworker> = caseworkers
        .iter()
        .zip(serving)
        .map(|(user, municipalities)| Caseworker {
            id: user.id.clone(),
            name: user.display_name.clone(),
            municipalities,
        })
        .collect();
    let fallback = Caseworker {
        id: system.id.clone(),
        name: system.display_name.clone(),
        municipalities: Vec::new(),
    };
    let today = as_of.unwrap_or(today);
    // A connection of its own that does not wait for each batch to reach the disk; the database is
    // empty until the load ends, and a failed load is made again from the start.
    let bulk = Database::connect_with(database_url, &PoolSettings::bulk_load())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let started = std::time::Instant::now();
    let made = generate::customers(&bulk, seed, today, caseworkers, fallback, customers).await;
    let analysed = bulk_load::refresh_planner_statistics(&bulk).await;
    bulk.close().await;
    let made = made?;
    analysed.map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    kotopolku_service::audit::record_success(
        &mut tx,
        &system,
        "training.generate",
        kotopolku_service::audit::Target::default(),
        services.clock().now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    println!(
        "Generated {} synthetic customers with {} process records ({} versions) in {:.1} s, planner statistics \
         included (seed {seed}, as of {today}).",
        made.customers,
        made.records,
        made.versions,
        took.as_secs_f64()
    );
    Ok(token.secret)
}

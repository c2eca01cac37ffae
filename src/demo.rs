//! `kotopolku demo`: a training environment on its own SQLite file, filled with synthetic customers.

use std::net::SocketAddr;

use kotopolku_domain::actor::Actor;
use kotopolku_service::{Clock, Services};
use kotopolku_store::{Database, settings};
use kotopolku_synthetic::Generator;

use crate::serve;

/// Opens (or creates) a demo database, seeds it on first use, and serves it.
pub async fn run(database_url: &str, bind: SocketAddr, customers: u32, seed: u64) -> Result<(), String> {
    let db = serve::open(database_url).await?;
    seed_if_new(&db, customers, seed).await?;
    println!("Kotopolku training environment: synthetic data only, never enter real personal data.");
    println!("Database: {database_url}");
    serve::run(db, bind).await
}

/// Seeds a new database; leaves an existing demo database as it is; refuses any other database.
async fn seed_if_new(db: &Database, customers: u32, seed: u64) -> Result<(), String> {
    let environment = settings::get(db, settings::ENVIRONMENT)
        .await
        .map_err(|e| e.to_string())?;
    match environment.as_deref() {
        Some("demo") => return Ok(()),
        Some(other) => return Err(format!("refusing to use a database marked as {other:?} for the demo")),
        None => {}
    }
    if settings::has_customers(db).await.map_err(|e| e.to_string())? {
        return Err("refusing to use a database that holds data which is not demo data".into());
    }
    let clock = Clock::system();
    let services = Services::new(db.clone(), clock.clone());
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    settings::set(&mut tx, settings::ENVIRONMENT, "demo")
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    let mut generator = Generator::new(seed, clock.today());
    let actor = Actor::system();
    for _ in 0..customers {
        services
            .register_customer(&actor, &generator.customer(), true)
            .await
            .map_err(|e| format!("seeding failed: {e}"))?;
    }
    println!("Seeded {customers} synthetic customers (seed {seed}).");
    Ok(())
}

//! Synthetic customers written in bulk: one thread makes them while the database writes the batch
//! before, a thousand customers with their records to a transaction.

use chrono::NaiveDate;
use kotopolku_domain::access::Action;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::ProcessRecord;
use kotopolku_service::audit::{self, Target};
use kotopolku_store::{Database, bulk_load};
use kotopolku_synthetic::{Caseworker, SyntheticRows};

use crate::progress::Progress;

/// Customers per transaction.
const BATCH: u64 = 1_000;

/// What was written.
pub struct Generated {
    pub customers: u64,
    pub records: u64,
    pub versions: u64,
}

struct Batch {
    customers: Vec<Customer>,
    records: Vec<ProcessRecord>,
}

/// Writes `count` customers made from `seed` as of `today`, with a progress bar.
pub async fn customers(
    db: &Database,
    seed: u64,
    today: NaiveDate,
    caseworkers: Vec<Caseworker>,
    fallback: Caseworker,
    count: u64,
) -> Result<Generated, String> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Batch, String>>(4);
    let maker = std::thread::spawn(move || {
        let mut rows = SyntheticRows::new(seed, today, caseworkers, fallback);
        let mut left = count;
        while left > 0 {
            let size = left.min(BATCH);
            let mut batch = Batch {
                customers: Vec::with_capacity(size as usize),
                records: Vec::with_capacity(size as usize * 16),
            };
            let mut failed = None;
            for _ in 0..size {
                match rows.next_customer() {
                    Ok(made) => {
                        batch.customers.push(made.customer);
                        batch.records.extend(made.records);
                    }
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                }
            }
            let stop = failed.is_some();
            if sender.blocking_send(failed.map_or(Ok(batch), Err)).is_err() || stop {
                return;
            }
            left -= size;
        }
    });

    let system = Actor::system();
    let mut progress = Progress::new("customers", count);
    let mut generated = Generated {
        customers: 0,
        records: 0,
        versions: 0,
    };
    while let Some(batch) = receiver.recv().await {
        let batch = batch?;
        // Each registration is in the audit log (a customer's access log starts with it); the
        // records' writes are not, which would be fourteen audit rows for each customer.
        let registrations: Vec<_> = batch
            .customers
            .iter()
            .map(|c| {
                audit::entry(
                    &system,
                    Action::CustomerRegister.as_str(),
                    Target::customer(&c.id),
                    Outcome::Success,
                    c.created_at,
                )
            })
            .collect();
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        bulk_load::insert_customers(&mut tx, &batch.customers)
            .await
            .map_err(|e| e.to_string())?;
        kotopolku_store::audit::append(&mut tx, &registrations)
            .await
            .map_err(|e| e.to_string())?;
        bulk_load::insert_records(&mut tx, &batch.records)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        generated.customers += batch.customers.len() as u64;
        generated.versions += batch.records.len() as u64;
        generated.records += batch.records.iter().filter(|r| r.current).count() as u64;
        progress.advance(batch.customers.len() as u64);
    }
    maker.join().map_err(|_| "the generator thread failed".to_owned())?;
    progress.finish();
    Ok(generated)
}

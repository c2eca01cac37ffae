//! `reads`: what read auditing costs. Customer reads over HTTP from two servers on one database,
//! one with read auditing off and one with it on, taking turns.

use std::time::{Duration, Instant};

use kotopolku_domain::customer::Customer;
use kotopolku_service::AuditSink;
use kotopolku_synthetic::Rng;

use crate::{Options, client, ms, percentile};

/// The numbers of concurrent clients `reads` measures with unless told: from too few to keep both
/// cores busy while audited reads wait for their commits, to more than enough.
pub(crate) const READ_CLIENTS: [usize; 3] = [16, 64, 128];

/// Seconds of one slice of `reads`: the two modes take turns this often.
pub(crate) const READ_SLICE_SECONDS: u64 = 2;

/// `clients` concurrent loops reading random customers for `seconds` from each of two servers, each
/// a mode named by its label (read auditing off, then on, unless both are given one mode), taking
/// turns in slices of [`READ_SLICE_SECONDS`]: the machine's speed drifts by a quarter within
/// minutes, and slices give both modes the same drift.
/// A slice ends when `audit` has moved its rows into the chain, and that wait counts in its time:
/// work the audit writer defers must not fall into the unaudited slice after it.
/// Prints throughput and latency of each mode and the range of the slices' ratios.
pub(crate) async fn run(
    backend: &str,
    clients: usize,
    servers: [(&str, &str); 2],
    audit: &AuditSink,
    token: &str,
    loaded: &[Customer],
    options: &Options,
) -> Result<(), String> {
    let ids: std::sync::Arc<Vec<String>> = std::sync::Arc::new(loaded.iter().map(|c| c.id.clone()).collect());
    let clients = (0..clients).map(|_| client(token)).collect::<Result<Vec<_>, _>>()?;
    let slices = options.seconds.div_ceil(READ_SLICE_SECONDS).max(1);
    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut busy_ticks = [Some(0u64); 2];
    let mut elapsed = [Duration::ZERO; 2];
    let mut ratios = Vec::new();
    for slice in 0..slices {
        let mut rates = [0f64; 2];
        for (mode, (_, base)) in servers.iter().enumerate() {
            let busy_before = system_busy_ticks();
            let started = Instant::now();
            let slice_times = read_slice(&clients, base, &ids, slice * 2 + mode as u64).await?;
            audit.flush().await.map_err(|e| e.to_string())?;
            let slice_elapsed = started.elapsed();
            let busy = busy_before
                .zip(system_busy_ticks())
                .map(|(before, after)| after - before);
            busy_ticks[mode] = busy_ticks[mode].zip(busy).map(|(sum, busy)| sum + busy);
            elapsed[mode] += slice_elapsed;
            rates[mode] = slice_times.len() as f64 / slice_elapsed.as_secs_f64();
            times[mode].extend(slice_times);
        }
        ratios.push(rates[1] / rates[0].max(f64::MIN_POSITIVE));
    }
    let overall_rates = [0, 1].map(|mode| times[mode].len() as f64 / elapsed[mode].as_secs_f64());
    for (mode, times) in times.iter_mut().enumerate() {
        times.sort();
        // Processor time of the whole machine (server, database, and the clients) per read.
        let cpu_per_read = busy_ticks[mode]
            .map(|ticks| {
                format!(
                    "{:.0}",
                    ticks as f64 * 1e6 / TICKS_PER_SECOND / times.len().max(1) as f64
                )
            })
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<10} {:>7} {:<14} {:>12.0} {:>9.2} {:>9.2} {:>12}",
            backend,
            clients.len(),
            servers[mode].0,
            overall_rates[mode],
            ms(percentile(times, 0.50)),
            ms(percentile(times, 0.99)),
            cpu_per_read
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{:<10} {:>7} audited / unaudited {:.2} (slices of {READ_SLICE_SECONDS} s: {:.2} to {:.2})",
        backend,
        clients.len(),
        overall_rates[1] / overall_rates[0].max(f64::MIN_POSITIVE),
        ratios[0],
        ratios[ratios.len() - 1]
    );
    Ok(())
}

/// Clock ticks per second of `/proc/stat` (`USER_HZ`, 100 on Linux on every common architecture).
const TICKS_PER_SECOND: f64 = 100.0;

/// Processor time the whole machine has spent busy (user, system and interrupts, all cores) in
/// clock ticks since it started, from the first line of `/proc/stat`; `None` where there is none.
fn system_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|field| field.parse().ok())
        .collect::<Option<_>>()?;
    // user, nice, system, idle, iowait, irq, softirq: all but idle and iowait.
    Some(
        fields
            .get(..7)?
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4)
            .map(|(_, t)| t)
            .sum(),
    )
}

/// One slice of `reads`: every client reads random customers from `base` for
/// [`READ_SLICE_SECONDS`]; returns each read's round trip.
async fn read_slice(
    clients: &[reqwest::Client],
    base: &str,
    ids: &std::sync::Arc<Vec<String>>,
    seed: u64,
) -> Result<Vec<Duration>, String> {
    let deadline = Instant::now() + Duration::from_secs(READ_SLICE_SECONDS);
    let mut tasks = Vec::new();
    for (worker, client) in clients.iter().enumerate() {
        let client = client.clone();
        let ids = ids.clone();
        let base = base.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(1000 + seed * 10_000 + worker as u64);
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let id = rng.pick(&ids);
                let started = Instant::now();
                let response = client.get(format!("{base}/api/v1/customers/{id}")).send().await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => return Err(format!("HTTP {}", r.status())),
                    Err(e) => return Err(e.to_string()),
                }
                times.push(started.elapsed());
            }
            Ok(times)
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok(times)
}

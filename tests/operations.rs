//! Operating Kotopolku: a server killed in the middle of a write load loses no acknowledged write; a
//! backup taken under write load restores every write acknowledged before it with an intact audit
//! chain; SIGTERM stops the server cleanly; logs carry request ids and no personal data.
//!
//! These start the real binary as a process of its own (tests/support/server.rs).

use kotopolku_store::{Backend, Database, with_db};

use crate::support::TestDatabase;
use crate::support::server::{Acknowledged, ServerProcess, WriteLoad, caseworker_token, kotopolku};

/// Caseworkers writing at once.
const WRITERS: usize = 8;

/// Reads every acknowledged write back through the API of a (restarted) server.
async fn every_acknowledged_write_reads_back(base: &str, token: &str, acknowledged: &[Acknowledged]) {
    let client = crate::support::client_with_token(Some(token));
    for write in acknowledged {
        match write {
            Acknowledged::Customer { id, family_name } => {
                let reply = client
                    .get(format!("{base}/api/v1/customers/{id}"))
                    .send()
                    .await
                    .expect("read");
                assert_eq!(reply.status(), 200, "acknowledged customer {id} is missing");
                let body: serde_json::Value = reply.json().await.expect("json");
                assert_eq!(body["family_name"], family_name.as_str());
            }
            Acknowledged::Note { customer_id, id, text } => {
                let reply = client
                    .get(format!("{base}/api/v1/customers/{customer_id}/records/{id}"))
                    .send()
                    .await
                    .expect("read");
                assert_eq!(reply.status(), 200, "acknowledged note {id} is missing");
                let body: serde_json::Value = reply.json().await.expect("json");
                assert_eq!(body["content"]["text"], text.as_str());
            }
        }
    }
}

/// Every acknowledged write is in `db` (a restored copy, read directly).
async fn every_acknowledged_write_is_stored(db: &Database, acknowledged: &[Acknowledged]) {
    for write in acknowledged {
        match write {
            Acknowledged::Customer { id, family_name } => {
                let stored: Option<String> = with_db!(db, pool => {
                    sqlx::query_scalar("SELECT family_name FROM customers WHERE id = $1").bind(id).fetch_optional(pool).await
                })
                .expect("query");
                assert_eq!(stored.as_deref(), Some(family_name.as_str()), "customer {id}");
            }
            Acknowledged::Note { id, text, .. } => {
                let body: Option<String> = with_db!(db, pool => {
                    sqlx::query_scalar("SELECT body FROM process_records WHERE id = $1 AND version = 1")
                        .bind(id)
                        .fetch_optional(pool)
                        .await
                })
                .expect("query");
                let body = body.unwrap_or_else(|| panic!("note {id} is missing"));
                assert!(body.contains(text.as_str()), "note {id}: {body}");
            }
        }
    }
}

/// No half record: every customer has its search tokens and its registration's audit row, every
/// note its creation's audit row.
async fn no_half_record(db: &Database) {
    let checks = [
        (
            "customers without name tokens",
            "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS \
             (SELECT 1 FROM customer_name_tokens t WHERE t.customer_id = c.id)",
        ),
        (
            "customers without their registration's audit row",
            "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.customer_id = c.id AND a.action = 'customer.register')",
        ),
        (
            "notes without their creation's audit row",
            "SELECT COUNT(*) FROM process_records r WHERE r.version = 1 AND NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.target_id = r.id AND a.action = 'note.create')",
        ),
    ];
    for (what, sql) in checks {
        let count: i64 = with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).expect("query");
        assert_eq!(count, 0, "{what}: {count}");
    }
}

fn audit_verifies(url: &str) {
    let (status, output) = kotopolku(&["audit", "verify", "--database-url", url]);
    assert!(status.success(), "audit verify failed: {output}");
    assert!(output.contains("audit log intact"), "{output}");
}

/// Starts the server again on `database`: every acknowledged write reads back, none is half there,
/// and the audit chain is intact.
async fn after_a_restart_every_write_is_there(database: TestDatabase, token: &str, acknowledged: &[Acknowledged]) {
    let restarted = ServerProcess::start(&database.url, &[]);
    every_acknowledged_write_reads_back(&restarted.base, token, acknowledged).await;
    no_half_record(&database.db).await;
    drop(restarted);
    audit_verifies(&database.url);
    database.finish().await;
}

/// SIGKILL in the middle of a sustained write load, then a restart: every write that got a 2xx
/// answer is there, none is half there, and the audit chain is intact.
async fn killed_mid_load_loses_no_acknowledged_write(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let mut server = ServerProcess::start(&database.url, &[]);
    let load = WriteLoad::start(&server.base, &token, WRITERS);
    load.wait_for(150).await;
    server.kill();
    let acknowledged = load.stop().await;
    assert!(acknowledged.len() >= 150);

    after_a_restart_every_write_is_there(database, &token, &acknowledged).await;
}

/// Answered reads of one customer in the audit log.
async fn reads_in_the_log(db: &Database, customer_id: &str) -> i64 {
    with_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'customer.read' AND customer_id = $1")
            .bind(customer_id)
            .fetch_one(pool)
            .await
    })
    .expect("count reads")
}

/// SIGKILL right after a burst of reads, then a restart: every read that was answered is in the
/// audit log, once. Their rows were synced to the read journal before the reads answered and
/// moved into the chain only later (on SQLite the journal is the default; PostgreSQL is given one).
async fn killed_after_reads_loses_no_acknowledged_read(backend: Backend) {
    const READS: i64 = 40;
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let journal = database
        .audit_journal()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kotopolku-journal-{}", uuid::Uuid::new_v4().simple())));
    let journal_arg = journal.to_string_lossy().into_owned();
    let args = ["--audit-journal", journal_arg.as_str()];
    let mut server = ServerProcess::start(&database.url, &args);
    let client = crate::support::client_with_token(Some(&token));
    let customer: serde_json::Value = client
        .post(format!("{}/api/v1/customers", server.base))
        .json(&serde_json::json!({
            "family_name": "Lukija", "given_names": "Testi", "birth_date": "1990-05-05",
            "municipality_code": "091", "customership_start": "2026-03-01"
        }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let id = customer["id"].as_str().expect("customer id").to_owned();
    for _ in 0..READS {
        let reply = client
            .get(format!("{}/api/v1/customers/{id}", server.base))
            .send()
            .await
            .expect("read");
        assert_eq!(reply.status(), 200);
    }
    server.kill();
    let segments = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&journal)
            .expect("the journal directory")
            .filter_map(Result::ok)
            .map(|f| f.path())
            .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
            .collect()
    };
    let left_by_the_crash: Vec<(std::path::PathBuf, Vec<u8>)> = segments()
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("segment");
            (path, bytes)
        })
        .collect();
    let journal_lines: usize = left_by_the_crash
        .iter()
        .map(|(_, bytes)| bytes.iter().filter(|&&b| b == b'\n').count())
        .sum();
    eprintln!(
        "killed: {} of {READS} reads in the chain, {journal_lines} rows in the journal",
        reads_in_the_log(&database.db, &id).await
    );

    // The second start follows a crash after a segment's move committed but before its file was
    // deleted, which leaves the file: the start deletes it without moving its rows again.
    for (start, expectation) in ["every answered read is in the log, once", "no read is moved twice"]
        .into_iter()
        .enumerate()
    {
        if start == 1 {
            for (path, bytes) in &left_by_the_crash {
                std::fs::write(path, bytes).expect("put the segment back");
            }
        }
        let mut restarted = ServerProcess::start(&database.url, &args);
        assert!(restarted.terminate().success(), "{}", restarted.log());
        assert_eq!(reads_in_the_log(&database.db, &id).await, READS, "{expectation}");
        assert!(segments().is_empty(), "moved segments are deleted: {:?}", segments());
    }
    audit_verifies(&database.url);
    if backend == Backend::Postgres {
        let _ = std::fs::remove_dir_all(&journal);
    }
    database.finish().await;
}

/// A backup taken by another process while caseworkers write: it verifies, restores into an empty
/// database of either engine with an intact audit chain, and holds every write acknowledged before
/// it started. A
/// second restore into the now full database, and a restore of a damaged copy, are refused and
/// change nothing.
async fn backup_under_write_load_restores_every_acknowledged_write(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let mut server = ServerProcess::start(&database.url, &[]);
    let load = WriteLoad::start(&server.base, &token, WRITERS);
    load.wait_for(100).await;
    let before_backup = load.snapshot();
    let file = std::env::temp_dir().join(format!("kotopolku-backup-{}.kpb", uuid::Uuid::new_v4().simple()));
    let path = file.to_string_lossy().into_owned();
    let url = database.url.clone();
    let backup_path = path.clone();
    let (status, output) =
        tokio::task::spawn_blocking(move || kotopolku(&["backup", "--to", &backup_path, "--database-url", &url]))
            .await
            .expect("backup");
    let during_backup = load.snapshot().len() - before_backup.len();
    let acknowledged = load.stop().await;
    assert!(status.success(), "backup failed: {output}");
    assert!(server.terminate().success(), "{}", server.log());
    eprintln!(
        "backup under load: {} writes acknowledged before it, {during_backup} while it ran, {} in all",
        before_backup.len(),
        acknowledged.len()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("backup file").permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "a backup holds personal data: only its owner may read it"
        );
    }

    let (status, output) = kotopolku(&["backup", "verify", &path]);
    assert!(status.success() && output.contains("checksum ok"), "{output}");

    let restored = TestDatabase::empty(backend).await;
    let (status, output) = kotopolku(&["restore", "--from", &path, "--database-url", &restored.url]);
    assert!(status.success(), "restore failed: {output}");
    assert!(output.contains("audit log intact"), "{output}");
    every_acknowledged_write_is_stored(&restored.db, &before_backup).await;
    no_half_record(&restored.db).await;
    audit_verifies(&restored.url);

    // Into the other engine (how a municipality moves from SQLite to PostgreSQL): the same writes,
    // and a server on it reads them back with the same credentials.
    let other = TestDatabase::empty(match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    })
    .await;
    let (status, output) = kotopolku(&["restore", "--from", &path, "--database-url", &other.url]);
    assert!(status.success() && output.contains("audit log intact"), "{output}");
    every_acknowledged_write_is_stored(&other.db, &before_backup).await;
    no_half_record(&other.db).await;
    let on_other = ServerProcess::start(&other.url, &[]);
    every_acknowledged_write_reads_back(&on_other.base, &token, &before_backup).await;
    drop(on_other);
    audit_verifies(&other.url);
    other.finish().await;

    // Into a database that is not empty: refused, and nothing changes.
    let customers = |db: &Database| {
        let db = db.clone();
        async move {
            with_db!(&db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers").fetch_one(pool).await)
                .expect("count")
        }
    };
    let count = customers(&restored.db).await;
    let (status, output) = kotopolku(&["restore", "--from", &path, "--database-url", &restored.url]);
    assert!(!status.success() && output.contains("not empty"), "{output}");
    assert_eq!(customers(&restored.db).await, count);

    // A damaged copy: a changed byte fails the checksum, by verify and by restore.
    let mut bytes = std::fs::read(&file).expect("read backup");
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    let damaged = format!("{path}.damaged");
    std::fs::write(&damaged, &bytes).expect("write damaged copy");
    let (status, output) = kotopolku(&["backup", "verify", &damaged]);
    assert!(!status.success(), "{output}");
    let empty = TestDatabase::empty(backend).await;
    let (status, output) = kotopolku(&["restore", "--from", &damaged, "--database-url", &empty.url]);
    assert!(!status.success() && output.contains("nothing was restored"), "{output}");
    let tables: i64 = with_db!(&empty.db, pool => {
        sqlx::query_scalar::<_, i64>(match backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'customers'",
            Backend::Postgres => "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'customers' AND schemaname = current_schema()",
        })
        .fetch_one(pool)
        .await
    })
    .expect("tables");
    assert_eq!(tables, 0, "a damaged backup must not even migrate the database");

    for f in [&path, &damaged] {
        let _ = std::fs::remove_file(f);
    }
    empty.finish().await;
    restored.finish().await;
    database.finish().await;
}

/// SIGTERM under load: the server stops by itself with success, every acknowledged write is there,
/// its log lines are JSON with request ids that the audit rows also carry, and no log line holds
/// the customers' names.
async fn sigterm_stops_cleanly_and_logs_hold_no_personal_data(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let mut server = ServerProcess::start(&database.url, &["--shutdown-timeout-seconds", "10"]);
    let load = WriteLoad::start(&server.base, &token, WRITERS);
    load.wait_for(60).await;
    let status = server.terminate();
    let acknowledged = load.stop().await;
    let log = server.log();
    assert!(status.success(), "exit {status:?}; log:\n{log}");
    assert!(log.contains("\"stopped\""), "{log}");

    let mut request_ids = Vec::new();
    for line in log.lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"));
        if entry["message"] == "request" && entry["route"] == "/api/v1/customers" && entry["status"] == 201 {
            request_ids.push(entry["request_id"].as_str().expect("request id").to_owned());
        }
    }
    assert!(!request_ids.is_empty(), "{log}");
    for write in &acknowledged {
        if let Acknowledged::Customer { family_name, .. } = write {
            assert!(
                !log.contains(family_name.as_str()),
                "the log names a customer: {family_name}"
            );
        }
    }
    let audited: i64 = with_db!(&database.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE request_id = $1 AND action = 'customer.register'")
            .bind(&request_ids[0])
            .fetch_one(pool)
            .await
    })
    .expect("audit");
    assert_eq!(audited, 1, "the request id of the log is the audit row's");

    after_a_restart_every_write_is_there(database, &token, &acknowledged).await;
}

/// Behind a trusted reverse proxy the audit row names the client's address from X-Forwarded-For,
/// not the proxy's; an address the client wrote further left is not believed.
async fn behind_a_trusted_proxy_the_audit_row_has_the_clients_address(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let server = ServerProcess::start(&database.url, &["--trusted-proxies", "127.0.0.1"]);
    let reply = crate::support::client_with_token(Some(&token))
        .post(format!("{}/api/v1/customers", server.base))
        .header("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
        .json(&serde_json::json!({
            "family_name": "Välityspalvelin",
            "given_names": "Testi",
            "birth_date": "1990-01-01",
            "municipality_code": "091",
            "customership_start": "2026-03-01"
        }))
        .send()
        .await
        .expect("register");
    assert_eq!(reply.status(), 201);
    let address: Option<String> = with_db!(&database.db, pool => {
        sqlx::query_scalar("SELECT client_address FROM audit_log WHERE action = 'customer.register'")
            .fetch_one(pool)
            .await
    })
    .expect("audit row");
    assert_eq!(address.as_deref(), Some("203.0.113.7"));
    drop(server);
    database.finish().await;
}

/// Sends a registration's head on a connection of its own and holds its body back, so that the
/// request is in flight; returns the connection and the body still to send.
async fn hold_a_registration(server: &ServerProcess, token: &str) -> (tokio::net::TcpStream, String) {
    use tokio::io::AsyncWriteExt;
    let body = serde_json::json!({
        "family_name": "Keskeneräinen",
        "given_names": "Testi",
        "birth_date": "1991-02-03",
        "municipality_code": "091",
        "customership_start": "2026-03-01"
    })
    .to_string();
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    // In flight once the metrics count it beside the scrape itself.
    let client = reqwest::Client::new();
    for _ in 0..600 {
        let metrics = client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        if metrics.lines().any(|l| l == "kotopolku_http_requests_in_flight 2") {
            return (stream, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the held request never showed as in flight");
}

/// SIGTERM while a request is in flight: the server stops accepting connections at once, the
/// request in flight still completes and is stored, and the process exits with success.
async fn sigterm_lets_the_request_in_flight_finish(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let mut server = ServerProcess::start(&database.url, &["--shutdown-timeout-seconds", "60"]);
    let (mut stream, body) = hold_a_registration(&server, &token).await;
    server.send_sigterm();
    server.wait_for_log("shutting down");
    // The listener closes once the signal is handled: a new connection is then refused.
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "a stopping server must not accept connections");
    stream.write_all(body.as_bytes()).await.expect("send body");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("response");
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(server.wait().success(), "{}", server.log());
    let stored: i64 = with_db!(&database.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE family_name = 'Keskeneräinen'").fetch_one(pool).await
    })
    .expect("count");
    assert_eq!(stored, 1);
    audit_verifies(&database.url);
    database.finish().await;
}

/// A request that does not finish within the shutdown timeout is dropped: the server still stops,
/// with success, and nothing of the request is stored.
async fn sigterm_stops_within_the_shutdown_timeout(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let token = caseworker_token(&database.db).await;
    let mut server = ServerProcess::start(&database.url, &["--shutdown-timeout-seconds", "1"]);
    let (_stream, _body) = hold_a_registration(&server, &token).await;
    let status = server.terminate();
    let log = server.log();
    assert!(status.success(), "{log}");
    assert!(log.contains("shutdown timeout"), "{log}");
    let stored: i64 = with_db!(&database.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(pool).await
    })
    .expect("count");
    assert_eq!(stored, 0);
    database.finish().await;
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(kotopolku_store::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(kotopolku_store::Backend::Postgres).await;
                }
            }
        )*
    };
}

on_both!(
    killed_mid_load_loses_no_acknowledged_write,
    killed_after_reads_loses_no_acknowledged_read,
    backup_under_write_load_restores_every_acknowledged_write,
    sigterm_stops_cleanly_and_logs_hold_no_personal_data,
    behind_a_trusted_proxy_the_audit_row_has_the_clients_address,
    sigterm_lets_the_request_in_flight_finish,
    sigterm_stops_within_the_shutdown_timeout,
);

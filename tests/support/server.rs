//! The real `kotopolku` binary as a separate process, for what only a process can show: being killed
//! (SIGKILL), being stopped (SIGTERM), and being backed up by another process while it serves.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::NewOrganisation;
use kotopolku_service::{Clock, Services};
use kotopolku_store::Database;
use serde_json::{Value, json};

/// Runs `kotopolku` with `args` and returns its exit status and its standard output and error.
pub fn kotopolku(args: &[&str]) -> (ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kotopolku"))
        .args(args)
        .env_remove("KOTOPOLKU_DATABASE_URL")
        .env_remove("KOTOPOLKU_CONFIG")
        .output()
        .expect("run kotopolku");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, text)
}

/// A caseworker's API token in a new municipal unit serving Helsinki (091), made in `db` directly.
pub async fn caseworker_token(db: &Database) -> String {
    let services = Services::new(db.clone(), Clock::system());
    let system = Actor::system();
    let unit = services
        .create_organisation(
            &system,
            &NewOrganisation {
                kind: OrganisationKind::MunicipalUnit,
                name: "Unit under load".into(),
                area_code: None,
                municipalities: vec!["091".into()],
            },
        )
        .await
        .expect("organisation");
    services
        .create_token(&system, &unit.id, Role::Caseworker, "load", 30)
        .await
        .expect("token")
        .secret
}

/// `kotopolku serve` on a database, on a free loopback port, its log lines collected.
pub struct ServerProcess {
    child: Child,
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the server and waits until it listens (it logs the address it got).
    pub fn start(database_url: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kotopolku"))
            .args(["serve", "--database-url", database_url, "--bind", "127.0.0.1:0"])
            .args(extra)
            .env_remove("KOTOPOLKU_CONFIG")
            .env("KOTOPOLKU_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kotopolku serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let address: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                        .collect();
                    let _ = address_tx.send(address);
                }
                lines.lock().expect("log").push(line);
            }
        });
        let address = match address_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the server did not start; its log:\n{}",
                    log.lock().expect("log").join("\n")
                );
            }
        };
        Self {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process ends at once, in the middle of whatever it was doing.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// SIGTERM, then waits for the process to end by itself.
    pub fn terminate(&mut self) -> ExitStatus {
        self.send_sigterm();
        self.wait()
    }

    /// SIGTERM, without waiting.
    pub fn send_sigterm(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
    }

    /// Waits until the log has a line containing `text` (at most a minute).
    pub fn wait_for_log(&self, text: &str) {
        for _ in 0..600 {
            if self.log().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server never logged {text:?}; its log:\n{}", self.log());
    }

    /// Waits for the process to end by itself (at most a minute).
    pub fn wait(&mut self) -> ExitStatus {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the server did not stop within 60 s of SIGTERM; its log:\n{}",
            self.log()
        );
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// POSTs `body`; the answer's JSON if it was a success (a refused or unanswered write is `None`).
async fn post(client: &reqwest::Client, url: String, body: &Value) -> Option<Value> {
    let reply = client.post(url).json(body).send().await.ok()?;
    if !reply.status().is_success() {
        return None;
    }
    reply.json().await.ok()
}

/// A write that got a 2xx answer.
#[derive(Debug, Clone)]
pub enum Acknowledged {
    Customer {
        id: String,
        family_name: String,
    },
    Note {
        customer_id: String,
        id: String,
        text: String,
    },
}

/// Caseworkers registering customers and writing notes as fast as the server lets them, each write
/// remembered once it is acknowledged.
pub struct WriteLoad {
    pub acknowledged: Arc<Mutex<Vec<Acknowledged>>>,
    stop: Arc<AtomicBool>,
    writers: Vec<tokio::task::JoinHandle<()>>,
}

impl WriteLoad {
    pub fn start(base: &str, token: &str, writers: usize) -> Self {
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let client = super::client_with_token(Some(token));
        let writers = (0..writers)
            .map(|writer| {
                let (client, base, acknowledged, stop) =
                    (client.clone(), base.to_owned(), acknowledged.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut n = 0u32;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let family_name = format!("Kuormitus-{writer}-{n}");
                        let customer = json!({
                            "family_name": family_name,
                            "given_names": "Testi",
                            "birth_date": format!("19{:02}-0{}-1{}", 50 + n % 40, 1 + n % 9, n % 10),
                            "municipality_code": "091",
                            "customership_start": "2026-03-01",
                            "confirm_not_duplicate": true
                        });
                        let Some(body) = post(&client, format!("{base}/api/v1/customers"), &customer).await else {
                            continue;
                        };
                        let id = body["id"].as_str().expect("customer id").to_owned();
                        acknowledged.lock().expect("acknowledged").push(Acknowledged::Customer {
                            id: id.clone(),
                            family_name,
                        });
                        let text = format!("Tapaaminen {writer}/{n}: kielikoulutus aloitettu.");
                        let note =
                            json!({"kind": "note", "written_on": "2026-10-01", "note_type": "meeting", "text": text});
                        let Some(body) = post(&client, format!("{base}/api/v1/customers/{id}/records"), &note).await
                        else {
                            continue;
                        };
                        acknowledged.lock().expect("acknowledged").push(Acknowledged::Note {
                            customer_id: id,
                            id: body["id"].as_str().expect("record id").to_owned(),
                            text,
                        });
                    }
                })
            })
            .collect();
        Self {
            acknowledged,
            stop,
            writers,
        }
    }

    /// The writes acknowledged so far.
    pub fn snapshot(&self) -> Vec<Acknowledged> {
        self.acknowledged.lock().expect("acknowledged").clone()
    }

    /// Waits until at least `count` writes are acknowledged (at most two minutes).
    pub async fn wait_for(&self, count: usize) {
        for _ in 0..1200 {
            if self.acknowledged.lock().expect("acknowledged").len() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {count} writes acknowledged in two minutes");
    }

    /// Stops the writers and returns every acknowledged write.
    pub async fn stop(self) -> Vec<Acknowledged> {
        self.stop.store(true, Ordering::Relaxed);
        for writer in self.writers {
            writer.await.expect("writer");
        }
        self.acknowledged.lock().expect("acknowledged").clone()
    }
}

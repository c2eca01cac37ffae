//! The `kotopolku` binary as an operator runs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kotopolku_store::Backend;

use crate::support::{TestDatabase, postgres_url, register_a_real_looking_customer};

fn kotopolku() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kotopolku"));
    // The tests decide every setting; nothing leaks in from the developer's environment.
    for var in ["KOTOPOLKU_DATABASE_URL", "KOTOPOLKU_BIND", "KOTOPOLKU_CONFIG"] {
        command.env_remove(var);
    }
    command.env("KOTOPOLKU_LOG", "info");
    command
}

fn output(command: &mut Command) -> (i32, String, String) {
    let out = command.output().expect("run kotopolku");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A `kotopolku serve` child process, killed when dropped.
struct Server {
    child: Child,
    address: String,
    /// What it printed on standard output before it listened.
    stdout: String,
    token: Option<String>,
}

impl Server {
    /// Starts `kotopolku serve` on a free port and waits for its "listening on" log line.
    fn start(database_url: &str) -> Self {
        let mut command = kotopolku();
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("KOTOPOLKU_DATABASE_URL", database_url);
        Self::spawn(command)
    }

    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn kotopolku serve");
        let stdout = child.stdout.take().expect("stdout");
        let (out_sender, out_receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out_sender.send(line);
            }
        });
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let address = rest.split_whitespace().next().unwrap_or_default().to_owned();
                    let _ = sender.send(address);
                }
            }
        });
        let address = receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("the server logs where it listens");
        // Whatever the server printed before listening is in the pipe by now; give the reader a moment.
        let mut stdout = Vec::new();
        while let Ok(line) = out_receiver.recv_timeout(Duration::from_millis(300)) {
            stdout.push(line);
        }
        Self {
            child,
            address,
            stdout: stdout.join("\n"),
            token: None,
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get::blocking_get(&format!("http://{}{path}", self.address), self.token.as_deref())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod http_get {
    //! A minimal blocking HTTP client over std, so these tests need no runtime of their own.
    use std::io::{Read, Write};
    use std::net::TcpStream;

    pub fn blocking_get(url: &str, bearer: Option<&str>) -> (u16, String) {
        let authorization = bearer.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = authorization
            .as_deref()
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        let (status, _, body) = request("GET", url, &headers, None);
        (status, body)
    }

    /// Sends one request; returns the status, the response's header lines and its body.
    pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String, String) {
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut stream = TcpStream::connect(host).expect("connect");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        write!(stream, "{head}\r\n{}", body.unwrap_or_default()).expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (status, head.to_owned(), body.to_owned())
    }
}

#[test]
fn version_and_help() {
    let (code, stdout, _) = output(kotopolku().arg("--version"));
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), format!("kotopolku {}", env!("CARGO_PKG_VERSION")));
    for sub in ["serve", "migrate", "identity-code"] {
        let (code, stdout, _) = output(kotopolku().args([sub, "--help"]));
        assert_eq!(code, 0, "{sub} --help");
        assert!(stdout.contains("Usage: kotopolku"), "{sub}: {stdout}");
    }
    let (code, stdout, _) = output(kotopolku().args(["serve", "--help"]));
    assert_eq!(code, 0);
    for option in [
        "--database-url",
        "--bind",
        "--config",
        "KOTOPOLKU_DATABASE_URL",
        "KOTOPOLKU_BIND",
    ] {
        assert!(stdout.contains(option), "serve --help lacks {option}");
    }
}

#[test]
fn serve_refuses_an_invalid_bind_address() {
    let (code, _, stderr) = output(kotopolku().args(["serve", "--bind", "not-an-address"]));
    assert_ne!(code, 0);
    assert!(stderr.contains("not IP:PORT"), "{stderr}");
}

#[test]
fn config_file_errors_name_line_and_column() {
    let dir = std::env::temp_dir().join(format!("kotopolku-config-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("kotopolku.toml");
    std::fs::write(&path, "bind = \"127.0.0.1:0\"\ndatabse_url = \"sqlite://x.db\"\n").expect("write");
    let (code, _, stderr) = output(kotopolku().args(["migrate", "--config"]).arg(&path));
    assert_ne!(code, 0);
    assert!(stderr.contains("kotopolku.toml:2:1"), "{stderr}");
    assert!(stderr.contains("databse_url"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn identity_code_command_checks_arguments_and_standard_input() {
    let (code, stdout, _) = output(kotopolku().args(["identity-code", "131052-308T", "020516C903K"]));
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "131052-308T\tvalid\t1952-10-13\tfemale\tpermanent",
            "020516C903K\tvalid\t2016-05-02\tmale\ttemporary"
        ]
    );
    let mut child = kotopolku()
        .arg("identity-code")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"010594Y9032\n131052-308U\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "an invalid code makes the exit status 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("010594Y9032\tvalid"), "{stdout}");
    assert!(lines[1].starts_with("131052-308U\tinvalid\t"), "{stdout}");
}

fn serve_and_migrate_work_on(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // An empty database: `migrate` creates the tables, `serve` finds them ready.
    let test = runtime.block_on(TestDatabase::empty(backend));
    let (code, stdout, stderr) = output(kotopolku().args(["migrate", "--database-url", &test.url]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("database migrated"));

    // An organisation and a token from the command line, each printed alone on the last line.
    let last_line = |stdout: &str| stdout.lines().last().unwrap_or_default().trim().to_owned();
    let (code, stdout, stderr) = output(kotopolku().args([
        "orgs",
        "create",
        "--kind",
        "municipal-unit",
        "--municipalities",
        "091,049",
        "--name",
        "Helsingin kotoutumispalvelut",
        "--database-url",
        &test.url,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let org = last_line(&stdout);
    let (code, stdout, stderr) = output(kotopolku().args([
        "tokens",
        "create",
        "--org",
        &org,
        "--role",
        "caseworker",
        "--expires",
        "30",
        "--database-url",
        &test.url,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let token = last_line(&stdout);
    assert!(token.starts_with("kp_"), "{stdout}");
    let (code, _, stderr) = output(kotopolku().args([
        "tokens",
        "create",
        "--org",
        &org,
        "--role",
        "regional_officer",
        "--database-url",
        &test.url,
    ]));
    assert_ne!(code, 0, "a regional officer's token cannot belong to a municipal unit");
    assert!(stderr.contains("role"), "{stderr}");
    let (code, stdout, stderr) = output(kotopolku().args([
        "users",
        "create",
        "--email",
        "Maija@Example.org",
        "--org",
        &org,
        "--role",
        "caseworker",
        "--database-url",
        &test.url,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last_line(&stdout).len(),
        24,
        "a one-time password alone on the last line: {stdout}"
    );
    let (code, stdout, _) = output(kotopolku().args(["users", "list", "--database-url", &test.url]));
    assert_eq!(code, 0);
    assert!(stdout.contains("maija@example.org\tcaseworker"), "{stdout}");
    let maija = stdout
        .lines()
        .find(|line| line.contains("maija@example.org"))
        .and_then(|line| line.split('\t').next())
        .expect("maija's id")
        .to_owned();
    let (code, stdout, stderr) = output(kotopolku().args([
        "users",
        "reset-sign-in",
        &maija,
        "--second-factor",
        "--database-url",
        &test.url,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last_line(&stdout).len(),
        24,
        "a new one-time password alone on the last line: {stdout}"
    );
    let (code, _, stderr) = output(kotopolku().args(["users", "enable", "no-such-user", "--database-url", &test.url]));
    assert_ne!(code, 0);
    assert!(stderr.contains("not found") || stderr.contains("not_found"), "{stderr}");

    let started = Instant::now();
    let mut server = Server::start(&test.url);
    let (status, body) = server.get("/readyz");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/api/v1/code-lists/target-groups");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/api/v1/customers");
    assert_eq!(status, 401, "personal data needs credentials: {body}");
    server.token = Some(token);
    let (status, body) = server.get("/api/v1/customers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"customers\":[]"), "{body}");
    drop(server);

    // The statistics, made now from the command line: nobody registered yet; and made from scratch.
    let (code, stdout, stderr) = output(kotopolku().args(["statistics", "refresh", "--database-url", &test.url]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("statistics made as of "), "{stdout}");
    assert!(
        stdout.contains(": 0 customers (0 derived again), threshold 5"),
        "{stdout}"
    );
    let (code, stdout, stderr) = output(kotopolku().args(["statistics", "rebuild", "--database-url", &test.url]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("statistics made as of "), "{stdout}");

    // The audit log holds the organisation, token and user creations, and the chain is intact.
    let (code, stdout, _) = output(kotopolku().args(["audit", "verify", "--database-url", &test.url]));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("audit log intact: "), "{stdout}");
    // Someone edits the second row in the database: `verify` fails and names it.
    runtime.block_on(async {
        kotopolku_store::with_db!(&test.db, pool => {
            sqlx::query("UPDATE audit_log SET action = 'nothing.to.see' WHERE id = 2")
                .execute(pool)
                .await
                .expect("tamper");
        })
    });
    let (code, stdout, _) = output(kotopolku().args(["audit", "verify", "--database-url", &test.url]));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("audit log broken at row 2: "), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(120));
    runtime.block_on(test.finish());
}

#[test]
fn serve_and_migrate_work_on_sqlite() {
    serve_and_migrate_work_on(Backend::Sqlite);
}

#[test]
fn serve_and_migrate_work_on_postgres() {
    assert!(postgres_url().starts_with("postgres"));
    serve_and_migrate_work_on(Backend::Postgres);
}

#[test]
fn serve_creates_a_missing_sqlite_file_by_default_settings() {
    let dir = std::env::temp_dir().join(format!("kotopolku-default-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("kotopolku.toml");
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", dir.join("from-config.db").display()),
    )
    .expect("write");
    let mut child = kotopolku()
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let listening = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("listening on http://127.0.0.1:"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(listening, "the server did not log where it listens");
    assert!(
        dir.join("from-config.db").exists(),
        "the database from the config file was not created"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_seeds_a_new_database_and_refuses_real_data() {
    let dir = std::env::temp_dir().join(format!("kotopolku-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let demo_url = format!("sqlite://{}", dir.join("demo.db").display());
    let demo = |url: &str| {
        let mut command = kotopolku();
        command.args([
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--customers",
            "7",
            "--database-url",
            url,
        ]);
        command
    };
    let mut server = Server::spawn(demo(&demo_url));
    assert!(
        server.stdout.contains("caseworker@demo.kotopolku.invalid"),
        "{}",
        server.stdout
    );
    let token = server
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("API token for scripts (an integration's, shown once): "))
        .map(str::to_owned)
        .expect("the demo prints a caseworker token");
    server.token = Some(token.clone());
    let (status, body) = server.get("/api/v1/customers?limit=100");
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).expect("json");
    let customers = page["customers"].as_array().expect("customers");
    assert_eq!(customers.len(), 7);
    for customer in customers {
        // Synthetic identity codes are temporary ones (individual number 900-999) or absent.
        if let Some(code) = customer["identity_code"].as_str() {
            assert!(code[7..10].starts_with('9'), "{code}");
        }
    }
    // Every customer has process records, and the caseload holds records of several kinds.
    let mut kinds = std::collections::BTreeSet::new();
    for customer in customers {
        let id = customer["id"].as_str().expect("id");
        let (status, body) = server.get(&format!("/api/v1/customers/{id}/records"));
        assert_eq!(status, 200, "{body}");
        let list: serde_json::Value = serde_json::from_str(&body).expect("json");
        let records = list["records"].as_array().expect("records");
        assert!(!records.is_empty(), "customer {id} has no process records");
        kinds.extend(records.iter().filter_map(|r| r["kind"].as_str().map(str::to_owned)));
    }
    assert!(kinds.len() >= 2, "{kinds:?}");
    // Each customer is the demo caseworker's, whose worklist shows their pending deadlines.
    let (status, head, body) = http_get::request(
        "POST",
        &format!("http://{}/api/v1/auth/sign-in", server.address),
        &[("Content-Type", "application/json")],
        Some(r#"{"email": "caseworker@demo.kotopolku.invalid", "password": "demo-caseworker"}"#),
    );
    assert_eq!(status, 200, "{body}");
    let signed_in: serde_json::Value = serde_json::from_str(&body).expect("json");
    let caseworker = signed_in["user"]["id"].as_str().expect("user id");
    for customer in customers {
        assert_eq!(customer["responsible_caseworker"], caseworker, "{customer}");
    }
    let cookie = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim())
        })
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    let (status, _, body) = http_get::request(
        "GET",
        &format!("http://{}/api/v1/worklist?horizon_days=3660", server.address),
        &[("Cookie", &cookie)],
        None,
    );
    assert_eq!(status, 200, "{body}");
    let worklist: serde_json::Value = serde_json::from_str(&body).expect("json");
    let groups = worklist["caseworkers"].as_array().expect("caseworkers");
    assert!(
        groups
            .iter()
            .any(|g| g["caseworker_id"] == caseworker && g["entries"].as_array().is_some_and(|e| !e.is_empty())),
        "{body}"
    );
    drop(server);
    // A second start reuses the demo database as it is.
    let mut server = Server::spawn(demo(&demo_url));
    server.token = Some(token);
    let (_, body) = server.get("/api/v1/customers?limit=100");
    let page: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(page["customers"].as_array().map(Vec::len), Some(7));
    drop(server);

    // A database with customers that is not marked as demo is refused, and left untouched.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let test = runtime.block_on(TestDatabase::new(Backend::Sqlite));
    runtime.block_on(register_a_real_looking_customer(&test.db));
    let (code, _, stderr) = output(&mut demo(&test.url));
    assert_ne!(code, 0);
    assert!(stderr.contains("not demo data"), "{stderr}");
    runtime.block_on(test.finish());
    let _ = std::fs::remove_dir_all(dir);
}

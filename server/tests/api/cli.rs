//! The `sportello` binary itself: first start as a newcomer sees it, `user add`, `backup`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, STRONG_PASSWORD, access, spawn_app, spawn_app_in};
use crate::second_factor::{code_by_wall_clock, decode_base32};

fn sportello(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sportello"));
    command.args(["--data-dir", data_dir.to_str().unwrap()]);
    command
}

pub(crate) fn user_add(data_dir: &Path, args: &[&str], password: &str) -> (bool, String) {
    let mut child = sportello(data_dir)
        .args(["user", "add", "--password-stdin"])
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading the password: a broken pipe here is
    // that refusal, which the output below reports.
    if let Err(error) = writeln!(child.stdin.take().unwrap(), "{password}") {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Runs `sportello serve` on port 0; returns the child, its port and the one-time admin password printed
/// on standard output (empty when none was).
pub(crate) fn serve(data_dir: &Path) -> (Child, u16, String) {
    let (child, port, password, _log) = serve_logged(data_dir, "info");
    (child, port, password)
}

/// [`serve`], also handing over the server's log lines that follow the one reporting its port.
pub(crate) fn serve_logged(
    data_dir: &Path,
    rust_log: &str,
) -> (Child, u16, String, std::sync::mpsc::Receiver<String>) {
    let mut child = sportello(data_dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Standard output is read on a thread: it stays open, silent, when no password is printed.
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let (log_tx, log_rx) = std::sync::mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // Keep draining the log for the server's whole life, as a terminal or journald would.
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = log_tx.send(line);
        }
    });
    let mut port = 0;
    let mut log = Vec::new();
    while let Ok(line) = log_rx.recv_timeout(std::time::Duration::from_secs(30)) {
        if let Some(rest) = line.split("port=").nth(1) {
            let digits: String = rest
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            port = digits.parse().unwrap();
            log.push(line);
            break;
        }
        log.push(line);
    }
    assert!(port > 0, "the server did not report its port: {log:?}");
    // The password, if any, was printed before the server reported its port; give the reader thread a
    // moment to pass it on.
    let mut printed: Vec<String> = Vec::new();
    while let Ok(line) = lines_rx.recv_timeout(std::time::Duration::from_millis(500)) {
        printed.push(line);
        if printed.iter().any(|line| line.contains("not shown again")) {
            break;
        }
    }
    let password = printed
        .iter()
        .position(|line| line.contains("one-time password"))
        .and_then(|at| printed.get(at + 2))
        .map(|line| line.trim().to_owned())
        .unwrap_or_default();
    if !password.is_empty() {
        assert!(
            log.iter().all(|line| !line.contains(&password)),
            "the password must not reach the log"
        );
    }
    (child, port, password, log_rx)
}

#[tokio::test]
async fn a_newcomer_starts_the_server_logs_in_changes_the_password_and_creates_staff() {
    let dir = tempfile::tempdir().unwrap();
    let (child, port, one_time) = serve(dir.path());
    assert!(port > 0 && !one_time.is_empty());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let request = client.post(format!("{base}{path}")).json(&body);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };

    let session: Value = post(
        "/api/v1/auth/login",
        None,
        json!({"username": "admin", "password": one_time}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let changed: Value = post(
        "/api/v1/me/password",
        Some(&access(&session)),
        json!({"current_password": one_time, "new_password": ADMIN_PASSWORD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let admin = access(&changed);
    // As the README says: the answer carries a new pair, and the login's token is dead at once.
    assert!(changed["refresh_token"].is_string());
    let stale = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(access(&session))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    // Then, by default, an admin enrols a second factor before anything else (issue 12).
    assert_eq!(changed["user"]["second_factor"], "required");
    let gated = post(
        "/api/v1/admin/users",
        Some(&admin),
        json!({"username": "op.rossi", "role": "operator"}),
    )
    .await
    .unwrap();
    assert_eq!(gated.status(), StatusCode::FORBIDDEN);
    let gated: Value = gated.json().await.unwrap();
    assert_eq!(gated["error"], "second_factor_enrolment_required");
    let enrol = |token: String| {
        let post = &post;
        async move {
            let setup: Value = post("/api/v1/me/second-factor/setup", Some(&token), json!({}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let secret = decode_base32(setup["secret_base32"].as_str().unwrap());
            let confirmed = post(
                "/api/v1/me/second-factor/confirm",
                Some(&token),
                json!({"code": code_by_wall_clock(&secret)}),
            )
            .await
            .unwrap();
            assert_eq!(confirmed.status(), StatusCode::OK);
            let confirmed: Value = confirmed.json().await.unwrap();
            confirmed["recovery_codes"][0].as_str().unwrap().to_owned()
        }
    };
    let admin_recovery_code = enrol(admin.clone()).await;
    // One admin alone cannot create staff (four eyes): the request is refused, naming the way out.
    let alone = post(
        "/api/v1/admin/users",
        Some(&admin),
        json!({"username": "op.rossi", "role": "operator"}),
    )
    .await
    .unwrap();
    assert_eq!(alone.status(), StatusCode::CONFLICT);
    let alone: Value = alone.json().await.unwrap();
    assert_eq!(alone["error"], "approver_needed");
    // Whoever holds the server adds the second admin from the command line, while it runs.
    let (ok, text) = user_add(
        dir.path(),
        &["--username", "seconda.admin", "--role", "admin"],
        ADMIN_PASSWORD,
    );
    assert!(ok, "{text}");
    let second: Value = post(
        "/api/v1/auth/login",
        None,
        json!({"username": "seconda.admin", "password": ADMIN_PASSWORD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let second = access(&second);
    enrol(second.clone()).await;
    for (username, role, areas) in [
        ("op.rossi", "operator", json!([])),
        ("sw.verdi", "social_worker", json!(["migrants"])),
    ] {
        let response = post(
            "/api/v1/admin/users",
            Some(&admin),
            json!({"username": username, "role": role, "areas": areas}),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let requested: Value = response.json().await.unwrap();
        let grant = requested["grant"]["id"].as_str().unwrap();
        let approved = post(
            &format!("/api/v1/admin/grants/{grant}/approve"),
            Some(&second),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!(approved.status(), StatusCode::OK);
    }

    // SIGTERM: the server shuts down gracefully and exits 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_with_timeout(child, Duration::from_secs(20));
    assert!(exit.success(), "{exit:?}");

    // A second start on the same data prints no password and keeps the accounts.
    let (mut again, port, password) = serve(dir.path());
    assert!(password.is_empty());
    let login = |second_factor: Option<&str>| {
        let mut body = json!({"username": "admin", "password": ADMIN_PASSWORD});
        if let Some(code) = second_factor {
            body["second_factor"] = json!(code);
        }
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .json(&body)
            .send()
    };
    let bare = login(None).await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let bare: Value = bare.json().await.unwrap();
    assert_eq!(bare["error"], "second_factor_required");
    // The factor survived the restart (its key file with it): a recovery code stands in for the phone.
    let login = login(Some(&admin_recovery_code)).await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    again.kill().unwrap();
    again.wait().unwrap();
}

fn wait_with_timeout(mut child: Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn user_add_creates_an_account_usable_at_once() {
    let app = spawn_app().await;
    let (ok, text) = user_add(
        app.data_dir(),
        &[
            "--username",
            "sw.neri",
            "--role",
            "social_worker",
            "--area",
            "disability",
            "--display-name",
            "Sara Neri",
        ],
        STRONG_PASSWORD,
    );
    assert!(ok, "{text}");
    assert!(text.contains("created social_worker `sw.neri`"), "{text}");
    let session = app.login_ok("sw.neri", STRONG_PASSWORD).await;
    assert_eq!(session["user"]["must_change_password"], false);
    assert_eq!(session["user"]["areas"], json!(["disability"]));
    assert_eq!(
        app.get("/api/v1/me", &access(&session)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_command_line_removes_a_lost_second_factor_without_a_second_admin() {
    // The command reads the wall clock (it ends the sessions live at that time): so does this server.
    let now = jiff::Timestamp::now().to_string();
    let app = crate::helpers::spawn_app_at(&now, |settings| {
        settings.second_factor_roles =
            sportello_server::config::DEFAULT_SECOND_FACTOR_ROLES.to_vec()
    })
    .await;
    let one_time = app.bootstrap_password.clone().unwrap();
    let session = app.login_ok("admin", &one_time).await;
    let changed = app
        .change_password(&access(&session), &one_time, ADMIN_PASSWORD)
        .await;
    let token = access(&changed);
    crate::second_factor::enrol(&app, &token).await;
    let reset = |username: &str| {
        let output = sportello(app.data_dir())
            .args(["user", "reset-second-factor", "--username", username])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    };

    let (ok, text) = reset("admin");
    assert!(ok, "{text}");
    assert!(
        text.contains("removed the second factor of `admin`"),
        "{text}"
    );
    // Its sessions ended; the password alone logs in, into a new enrolment.
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app.login_ok("admin", ADMIN_PASSWORD).await;
    assert_eq!(again["user"]["second_factor"], "required");
    let (ok, text) = reset("admin");
    assert!(!ok && text.contains("has no second factor"), "{text}");
    let (ok, text) = reset("nobody.here");
    assert!(!ok && text.contains("no account named"), "{text}");
}

#[tokio::test]
async fn user_add_refuses_weak_passwords_bad_areas_and_taken_names_and_creates_nothing() {
    let app = spawn_app().await;
    let (ok, text) = user_add(
        app.data_dir(),
        &["--username", "op.x", "--role", "operator"],
        "password123",
    );
    assert!(!ok && text.contains("password refused"), "{text}");
    let (ok, text) = user_add(
        app.data_dir(),
        &[
            "--username",
            "op.x",
            "--role",
            "operator",
            "--area",
            "elderly",
        ],
        STRONG_PASSWORD,
    );
    assert!(
        !ok && text.contains("areas apply only to social workers"),
        "{text}"
    );
    let (ok, text) = user_add(
        app.data_dir(),
        &["--username", "admin", "--role", "operator"],
        STRONG_PASSWORD,
    );
    assert!(!ok && text.contains("already taken"), "{text}");
    let (ok, text) = user_add(
        app.data_dir(),
        &["--username", "Op X", "--role", "operator"],
        STRONG_PASSWORD,
    );
    assert!(!ok && text.contains("username"), "{text}");
    assert_eq!(
        app.login("op.x", STRONG_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn backup_produces_a_sound_copy_that_a_server_can_run_on() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "op.backup", "operator", &[]).await;
    let target_dir = tempfile::tempdir().unwrap();
    let target = target_dir.path().join("sportello.db");

    let output = sportello(app.data_dir())
        .args(["backup", "--to", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(printed.contains("integrity_check: ok"), "{printed}");
    // The head of the copy, as `audit verify` prints it: the procedure keeps this line with the backup.
    let head_line = printed
        .lines()
        .find(|line| line.starts_with("audit log intact: ") && line.contains(", head "))
        .unwrap_or_else(|| panic!("no audit head in {printed}"))
        .to_owned();

    let copy = Connection::open(&target).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let users: i64 = copy
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 3, "the two admins and op.backup");
    drop(copy);

    // Restored, the copy verifies to the very head that was printed; the live log has moved on (it
    // recorded the backup, naming that head).
    let verified = sportello(target_dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(verified.status.success());
    assert_eq!(
        String::from_utf8_lossy(&verified.stdout).trim(),
        head_line,
        "backup printed {printed}"
    );
    let head = head_line.rsplit(' ').next().unwrap();
    let live = sportello(app.data_dir())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&live.stdout).trim(), head_line);
    let admin = app.admin_token().await;
    let recorded: Value = app
        .get("/api/v1/admin/audit?action=system.backup", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recorded["entries"][0]["target"], format!("head:{head}"));

    // A server started on the restored file knows the accounts (a new token key is made: old tokens die).
    let restored = spawn_app_in(target_dir.path(), crate::helpers::test_clock(), |_| {}).await;
    assert!(restored.bootstrap_password.is_none());
    restored.login_ok("op.backup", STRONG_PASSWORD).await;

    // A backup never overwrites an existing file.
    let again = sportello(app.data_dir())
        .args(["backup", "--to", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let error = String::from_utf8_lossy(&again.stderr);
    assert!(
        error.contains("already exists") && !error.contains("data directory"),
        "its own error, not a data-directory problem: {error}"
    );
}

#[test]
fn a_first_start_creates_a_private_data_dir_without_warning_and_a_loose_one_is_tightened_and_told()
{
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let fresh = parent.path().join("data");
    let (ok, text) = user_add(
        &fresh,
        &["--username", "op.primo", "--role", "operator"],
        STRONG_PASSWORD,
    );
    assert!(ok, "{text}");
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(!text.contains("tightened permissions"), "{text}");

    // A directory someone made readable by others is still tightened, and the log says so.
    let loose = parent.path().join("copied");
    std::fs::create_dir(&loose).unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (ok, text) = user_add(
        &loose,
        &["--username", "op.primo", "--role", "operator"],
        STRONG_PASSWORD,
    );
    assert!(ok, "{text}");
    let mode = std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(text.contains("tightened permissions"), "{text}");
}

#[tokio::test]
async fn tools_refuse_a_data_dir_without_a_database() {
    let empty = tempfile::tempdir().unwrap();
    let output = sportello(empty.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database"));
    assert!(
        !empty.path().join("sportello.db").exists(),
        "nothing was created"
    );
}

/// Ctrl-C at the terminal stops the server the way `operations.md` says: no new connections, but a
/// request in flight finishes and gets its answer.
#[tokio::test]
async fn sigint_lets_a_request_in_flight_finish_before_the_server_exits() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port, _, log) = serve_logged(dir.path(), "info,sportello_server=debug");
    let next_line = |what: &str| loop {
        let line = log
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the server logs {what}"));
        if line.contains(what) {
            break line;
        }
    };

    // A refresh whose body is still on its way when the signal comes: the server has read its head.
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = br#"{"refresh_token": "sprt_not-a-real-one"}"#;
    let head = format!(
        "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: sportello\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..10]).await.unwrap();
    next_line("request received");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let said = next_line("shutdown");
    assert!(said.contains("graceful"), "{said}");
    assert!(!said.contains("forced"), "{said}");

    socket.write_all(&body[10..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), socket.read_to_end(&mut answer))
        .await
        .expect("the answer comes and the connection ends")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("invalid_refresh_token"), "{answer}");

    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

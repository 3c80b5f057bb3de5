//! The receiver and the control socket hold under slow, half-open and exhausting connections
//! (issue 12, item 5), on the real `legion-hub serve` over loopback: a valid delivery is still
//! answered 2xx behind 1,100 half-open connections with few open files allowed, a silent
//! connection and a slowloris body are cut, and running out of open files makes a bounded number
//! of log lines (not one per failed accept) and leaves the control socket answering.
//!
//! The timeouts are shortened for these tests through `LEGION_HUB_RECEIVER_HEADER_TIMEOUT_MS` and
//! `LEGION_HUB_RECEIVER_REQUEST_TIMEOUT_MS` (see `server::limits`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::attack::{self, half_open, limit_open_files, logged, open_files};
use crate::support::serving::{configured, free_port, hub, serve, started, subscribe};
use legion_hub::engine::Engine;
use legion_hub::sandbox::Sandbox;
use legion_hub::sandbox::webhooks::SendPlan;

/// `serve` with its open files limited to `nofile` (soft and hard) from the start, and `envs`.
async fn serve_limited(
    dir: &Path,
    sandbox: &Sandbox,
    port: u16,
    nofile: u64,
    envs: &[(&str, &str)],
) -> (Child, Engine) {
    let mut cmd = hub(dir, sandbox);
    cmd.args(["serve", "--webhook-addr", &format!("127.0.0.1:{port}")])
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    attack::limit_open_files_from_start(&mut cmd, nofile);
    started(cmd.spawn().unwrap(), dir, sandbox).await
}

/// Sends one validly signed delivery with the sandbox's client (10 s to connect, 90 s to read);
/// true when it was answered 2xx.
async fn one_valid_delivery(sandbox: &Sandbox, n: u32) -> bool {
    let body = sandbox.webhooks.client_body(
        "client.created",
        &(300_000 + n).to_string(),
        "Patient",
        &format!("Client{n}"),
        &format!("patient{n}@example.com"),
    );
    let plan = SendPlan {
        concurrency: 1,
        ..SendPlan::default()
    };
    let report = sandbox.webhooks.send(vec![body], &plan).await;
    report.acknowledged.len() == 1
}

/// Whether the server ended the connection (EOF or reset) before `patience` ran out.
fn cut_within(stream: &mut TcpStream, patience: Duration) -> bool {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (say 408) comes before the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// `serve`, killed if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn stop(mut serving: Running) {
    unsafe { libc::kill(serving.0.id() as i32, libc::SIGTERM) };
    let _ = serving.0.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_delivery_is_answered_behind_1100_half_open_connections() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    // Subscribe, then start again: the sandbox's client must open a new connection for the
    // delivery, as Mindbody does, rather than reuse the one its subscription check left open.
    let (child, remote) = serve(dir.path(), &sandbox, port).await;
    subscribe(&remote, port).await;
    drop(remote);
    stop(Running(child));
    let (child, _remote) = serve_limited(dir.path(), &sandbox, port, 256, &[]).await;
    let child = Running(child);

    let streams = tokio::task::spawn_blocking(move || half_open(port, 1100))
        .await
        .unwrap();
    eprintln!("{} half-open connections opened", streams.len());
    assert!(
        streams.len() > 256,
        "only {} connections opened",
        streams.len()
    );
    // The sandbox's client waits 90 s for an answer; a bound on top so a regression fails.
    let answered = tokio::time::timeout(Duration::from_secs(120), one_valid_delivery(&sandbox, 1))
        .await
        .unwrap_or(false);
    assert!(
        answered,
        "a valid delivery behind {} half-open connections was not answered 2xx",
        streams.len()
    );
    drop(streams);
    stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_header_is_cut() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (child, _remote) = serve_limited(
        dir.path(),
        &sandbox,
        port,
        1024,
        &[("LEGION_HUB_RECEIVER_HEADER_TIMEOUT_MS", "300")],
    )
    .await;
    let child = Running(child);
    let cut = tokio::task::spawn_blocking(move || {
        let mut stream = half_open(port, 1).pop().expect("connects");
        cut_within(&mut stream, Duration::from_secs(20))
    })
    .await
    .unwrap();
    assert!(cut, "a silent connection was still open after 20 s");
    stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_body_is_cut_by_the_whole_request_timeout() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (child, remote) = serve_limited(
        dir.path(),
        &sandbox,
        port,
        1024,
        &[("LEGION_HUB_RECEIVER_REQUEST_TIMEOUT_MS", "1000")],
    )
    .await;
    let child = Running(child);
    subscribe(&remote, port).await;
    let dripped = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .write_all(
                b"POST /webhooks/mindbody HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
            )
            .unwrap();
        // One byte every 100 ms: the headers are in, the body never ends. Bounded at 20 s.
        stream.set_nonblocking(true).unwrap();
        for drips in 0..200 {
            std::thread::sleep(Duration::from_millis(100));
            let mut buf = [0u8; 512];
            match stream.read(&mut buf) {
                Ok(_) => return Some(drips),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return Some(drips),
            }
            if stream.write_all(b" ").is_err() {
                return Some(drips);
            }
        }
        None
    })
    .await
    .unwrap();
    assert!(
        dripped.is_some(),
        "a body dripped a byte every 100 ms was still being read after 20 s"
    );
    // The receiver still takes valid deliveries.
    assert!(one_valid_delivery(&sandbox, 2).await);
    stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_open_files_logs_a_few_lines_and_the_control_socket_recovers() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = configured(&sandbox).await;
    let port = free_port();
    let (child, _remote) = serve(dir.path(), &sandbox, port).await;
    let mut child = Running(child);
    let pid = child.0.id();
    let log_dir = dir.path().join("data").join("logs");
    let socket = dir.path().join("data").join("control.sock");
    // A few files to spare, then connections to both sockets that take them all and wait in
    // the listen queues: every accept fails with "too many open files".
    limit_open_files(pid, open_files(pid) as u64 + 8);
    let flood = tokio::task::spawn_blocking(move || {
        let tcp = half_open(port, 200);
        let unix: Vec<_> = (0..200)
            .map_while(|_| std::os::unix::net::UnixStream::connect(&socket).ok())
            .collect();
        (tcp, unix)
    })
    .await
    .unwrap();
    let (lines_before, bytes_before) = logged(&log_dir);
    let cpu_before = attack::cpu_time(pid);
    let storm = Duration::from_secs(3);
    tokio::time::sleep(storm).await;
    let (lines_after, bytes_after) = logged(&log_dir);
    let cpu_used = attack::cpu_time(pid) - cpu_before;
    eprintln!(
        "storm of {:?} ({} tcp + {} unix connections held): {} log lines, {} bytes, {} ms of CPU",
        storm,
        flood.0.len(),
        flood.1.len(),
        lines_after - lines_before,
        bytes_after - bytes_before,
        cpu_used.as_millis()
    );
    assert!(
        lines_after - lines_before < 100,
        "{} log lines in {:?} of failing accepts",
        lines_after - lines_before,
        storm
    );
    let log = attack::log_text(&log_dir);
    assert!(
        log.contains("accept failed") && log.contains("raise LimitNOFILE"),
        "the failing accepts are reported, with what to do: {log}"
    );
    drop(flood);
    // Once the flood is gone the control socket answers again (bounded retries while the
    // held connections are closed).
    let mut answered = None;
    for _ in 0..40 {
        let status = hub(dir.path(), &sandbox)
            .args(["status", "--json"])
            .output()
            .unwrap();
        if serde_json::from_slice::<serde_json::Value>(&status.stdout).is_ok() {
            answered = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(answered.is_some(), "status never answered after the storm");
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    stop(child);
}

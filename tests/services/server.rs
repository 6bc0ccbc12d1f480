//! A real `nats-server -js` on a free loopback port, with its store in a temp folder, that a
//! test can stop and start again on the same port and store (a server restart mid-trading).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nats-server. Killed on drop.
pub struct Nats {
    pub port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl Nats {
    /// Starts one with JetStream on a free port; panics with the reason when it cannot.
    pub fn start() -> Nats {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let store = tempfile::tempdir().expect("store dir");
        let mut n = Nats { port, store, child: None };
        n.restart();
        n
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: as a crash).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and store; waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let store: PathBuf = self.store.path().to_path_buf();
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server on PATH (Debian package nats-server; .ci/run installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen on {} within 10 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}

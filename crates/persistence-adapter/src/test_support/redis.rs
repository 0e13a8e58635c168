//! A real `redis-server` per test on a free port, which the test may stop, freeze and
//! start again.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub struct TestRedis {
    port: u16,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestRedis {
    pub fn start() -> Self {
        let mut me = Self {
            port: free_port(),
            child: None,
        };
        me.spawn();
        me
    }

    pub fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (see .ci/run)");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]).trim() == "PONG" {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, key: &str) -> Option<Value> {
        let raw = self.cli(&["GET", key]);
        serde_json::from_str(raw.trim()).ok()
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        Command::new("kill").args([sig, &pid]).status().unwrap();
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.signal_if_running("-CONT");
        self.kill();
    }
}

impl TestRedis {
    pub fn signal_if_running(&self, sig: &str) {
        if self.child.is_some() {
            self.signal(sig);
        }
    }
}

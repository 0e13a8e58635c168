//! A real three-master Redis Cluster per test: three `redis-server --cluster-enabled yes`
//! on free loopback ports, in a directory of the test's own, joined with
//! `redis-cli --cluster create`. A master can be killed; all are killed on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::free_port;

/// How long the cluster may take to form.
const FORM_DEADLINE: Duration = Duration::from_secs(20);

struct Master {
    port: u16,
    child: Option<Child>,
}

pub struct TestRedisCluster {
    dir: PathBuf,
    masters: Vec<Master>,
}

impl TestRedisCluster {
    /// Three masters, no replicas, every slot assigned, `cluster_state:ok` on each.
    /// `cluster-require-full-coverage no`: with a master down, the others keep serving
    /// their slots (what a deployment without replicas sets to survive a lost master).
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "portal-redis-cluster-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cluster = Self {
            dir,
            masters: Vec::new(),
        };
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &cluster
                        .dir
                        .join(format!("nodes-{port}.conf"))
                        .display()
                        .to_string(),
                    "--cluster-require-full-coverage",
                    "no",
                    "--dir",
                    &cluster.dir.display().to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server must be installed (see .ci/run)");
            cluster.masters.push(Master {
                port,
                child: Some(child),
            });
        }
        for port in cluster.ports() {
            cluster.wait_until(
                |c| c.cli(port, &["PING"]).trim() == "PONG",
                "a node to start",
            );
        }
        let addresses: Vec<String> = cluster
            .ports()
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .unwrap();
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}{}",
            String::from_utf8_lossy(&created.stdout),
            String::from_utf8_lossy(&created.stderr)
        );
        cluster.wait_until(
            |c| {
                c.ports().into_iter().all(|p| {
                    let info = c.cli(p, &["CLUSTER", "INFO"]);
                    info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3")
                })
            },
            "cluster_state:ok on every node",
        );
        cluster
    }

    fn wait_until(&self, ready: impl Fn(&Self) -> bool, what: &str) {
        let deadline = Instant::now() + FORM_DEADLINE;
        while !ready(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The masters' ports, in start order (killed ones included).
    pub fn ports(&self) -> Vec<u16> {
        self.masters.iter().map(|m| m.port).collect()
    }

    /// `REDIS_URL` for the cluster: every node, comma-separated.
    pub fn url(&self) -> String {
        self.ports()
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `redis-cli --raw` against one node (no redirections followed).
    pub fn cli(&self, port: u16, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "--raw"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    /// `redis-cli -c --raw`: asks any live node and follows the redirection to the
    /// master serving the key, as the platform's other services would.
    pub fn cli_c(&self, args: &[&str]) -> String {
        let port = self.live_port();
        let out = Command::new("redis-cli")
            .args(["-c", "-p", &port.to_string(), "--raw"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    /// The JSON under `key`, read through the cluster.
    pub fn json(&self, key: &str) -> Option<Value> {
        serde_json::from_str(self.cli_c(&["GET", key]).trim()).ok()
    }

    /// The port of the master serving `key` (`CLUSTER KEYSLOT` and `CLUSTER NODES`).
    pub fn port_of(&self, key: &str) -> u16 {
        let port = self.live_port();
        let slot: u16 = self
            .cli(port, &["CLUSTER", "KEYSLOT", key])
            .trim()
            .parse()
            .unwrap();
        // `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slots>...`
        let nodes = self.cli(port, &["CLUSTER", "NODES"]);
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 {
                continue;
            }
            let owner: u16 = fields[1]
                .split(['@', ','])
                .next()
                .and_then(|a| a.rsplit(':').next())
                .unwrap()
                .parse()
                .unwrap();
            for range in &fields[8..] {
                let (start, end) = range.split_once('-').unwrap_or((range, range));
                if let (Ok(start), Ok(end)) = (start.parse::<u16>(), end.parse::<u16>())
                    && (start..=end).contains(&slot)
                {
                    return owner;
                }
            }
        }
        panic!("slot {slot} has no master: {nodes}");
    }

    /// The keys stored on one master matching `pattern`.
    pub fn keys_on(&self, port: u16, pattern: &str) -> Vec<String> {
        self.cli(port, &["KEYS", pattern])
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Kills the master on `port` (SIGKILL, no failover: there are no replicas).
    pub fn kill(&mut self, port: u16) {
        if let Some(master) = self.masters.iter_mut().find(|m| m.port == port)
            && let Some(mut child) = master.child.take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn live_port(&self) -> u16 {
        self.masters
            .iter()
            .find(|m| m.child.is_some())
            .map(|m| m.port)
            .expect("a live master")
    }
}

impl Drop for TestRedisCluster {
    fn drop(&mut self) {
        for port in self.ports() {
            self.kill(port);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

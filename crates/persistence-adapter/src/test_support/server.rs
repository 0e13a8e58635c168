//! A PostgreSQL server of the test's own (`initdb` and `pg_ctl` in its own directory, on
//! a free port), for tests that stop and start the database under a running portal.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::free_port;

pub struct PgServer {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

/// The newest installed server's programs (`/usr/lib/postgresql/<version>/bin`).
fn server_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server programs under /usr/lib/postgresql")
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL version").1
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Runs a server program, as the `postgres` user when this is root (PostgreSQL refuses
/// to run as root).
fn run(bin: &Path, program: &str, args: &[&str]) -> bool {
    let path = bin.join(program);
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        Command::new(&path)
    };
    command
        .args(args)
        .output()
        .map(|out| {
            if !out.status.success() {
                eprintln!(
                    "{program} failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            out.status.success()
        })
        .unwrap_or(false)
}

impl PgServer {
    /// A new cluster (trust auth, user `postgres`), started.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("portal-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the server's directory to postgres");
        }
        let bin = server_bin();
        let data = dir.join("data");
        let data = data.to_str().unwrap();
        assert!(
            run(
                &bin,
                "initdb",
                &["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]
            ),
            "initdb"
        );
        let server = Self {
            dir,
            port: free_port(),
            bin,
        };
        server.resume();
        server
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log").display().to_string();
        assert!(
            run(
                &self.bin,
                "pg_ctl",
                &[
                    "-D",
                    &self.data(),
                    "-o",
                    &options,
                    "-l",
                    &log,
                    "-w",
                    "start"
                ]
            ),
            "pg_ctl start"
        );
    }

    /// Stops the server at once, cutting off every session (as a crash or a restart
    /// would).
    pub fn stop(&self) {
        assert!(
            run(
                &self.bin,
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"]
            ),
            "pg_ctl stop"
        );
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        run(
            &self.bin,
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

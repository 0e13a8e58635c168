//! An SMTP server for tests: Python's aiosmtpd (installed from PyPI into
//! `target/test-venv` on first use) on a loopback port, saving each accepted message.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use std::io::BufRead;

/// The aiosmtpd release the tests run.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

const SINK: &str = r#"
import json, os, sys, time
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

class Save:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(out, "%d.json" % time.time_ns())
        with open(name + ".tmp", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "data": envelope.original_content.decode("utf-8", "replace")}, f)
        os.rename(name + ".tmp", name)
        return "250 OK"

controller = Controller(Save(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct StoredMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body, as sent).
    pub data: String,
}

impl StoredMail {
    /// The body decoded from its transfer encoding (quoted-printable or base64), and
    /// the subject decoded from its encoded words: what a mail client shows.
    pub fn text(&self) -> String {
        let decoded = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, email, email.policy\n\
                 m = email.message_from_string(sys.stdin.read(), policy=email.policy.default)\n\
                 print(m['subject']); print(m.get_content())",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                if let Some(stdin) = child.stdin.as_mut() {
                    stdin.write_all(self.data.as_bytes())?;
                }
                child.wait_with_output()
            });
        decoded
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

/// The sink: killed when dropped.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

static VENV: Mutex<()> = Mutex::new(());

/// The venv's python, installing aiosmtpd on first use.
fn python() -> std::io::Result<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".aiosmtpd");
    let _one_at_a_time = VENV.lock();
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(AIOSMTPD) {
        let run = |cmd: &mut Command| -> std::io::Result<()> {
            let status = cmd.status()?;
            if status.success() {
                Ok(())
            } else {
                Err(std::io::Error::other(format!("{cmd:?} failed: {status}")))
            }
        };
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            AIOSMTPD,
        ]))?;
        std::fs::write(&marker, AIOSMTPD)?;
    }
    Ok(python)
}

impl SmtpSink {
    pub fn start() -> std::io::Result<Self> {
        let python = python()?;
        let dir = std::env::temp_dir()
            .join(format!("portal-smtp-{}", std::process::id()))
            .join(format!(
                "{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new(python)
            .arg("-c")
            .arg(SINK)
            .arg(&dir)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            std::io::BufReader::new(stdout).read_line(&mut line)?;
        }
        if line.trim() != "ready" {
            let _ = child.kill();
            return Err(std::io::Error::other("aiosmtpd did not start"));
        }
        Ok(Self { port, dir, child })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<StoredMail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|raw| serde_json::from_str::<serde_json::Value>(&raw).ok())
            .map(|v| StoredMail {
                from: v["from"].as_str().unwrap_or_default().to_owned(),
                to: v["to"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                data: v["data"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

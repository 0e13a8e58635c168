//! An SMTP server for tests: `scripts/smtp-sink.sh` (Python's aiosmtpd, installed from
//! PyPI into `target/test-venv` on first use) on a loopback port, saving each accepted
//! message.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::io::BufRead;

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct StoredMail {
    pub from: String,
    pub to: Vec<String>,
    /// The subject and the plain text body, decoded as a mail client shows them.
    pub subject: String,
    pub text: String,
    /// Each attachment's filename, content type and bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// The raw message (headers and body, as sent).
    pub data: String,
}

/// The sink: killed when dropped.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

/// `scripts/smtp-sink.sh`: the sink, in the venv it installs on first use.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.sh")
}

impl SmtpSink {
    pub fn start() -> std::io::Result<Self> {
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
        let mut child = Command::new(script())
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
                subject: v["subject"].as_str().unwrap_or_default().to_owned(),
                text: v["text"].as_str().unwrap_or_default().to_owned(),
                attachments: v["attachments"]
                    .as_array()
                    .map(|all| all.iter().map(attachment).collect())
                    .unwrap_or_default(),
                data: v["data"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

fn attachment(v: &serde_json::Value) -> (String, String, Vec<u8>) {
    use base64::Engine;
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text("base64"))
        .unwrap_or_default();
    (text("filename"), text("content_type"), bytes)
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! A webhook receiver: HTTP/1.1 on a loopback port, one request per connection.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived, with the status it was answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub signature: Option<String>,
    pub body: String,
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Requests still to be answered 500.
    failing: AtomicUsize,
    /// Where to send every request with `307 Temporary Redirect`, while set.
    redirect: Mutex<Option<String>>,
}

/// Records every POST; answers 500 while it is told to fail, 204 after.
pub struct WebhookReceiver {
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    /// A receiver that fails the first `fail_first` requests.
    pub async fn start(fail_first: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks/portal", listener.local_addr()?);
        let shared = Arc::new(Shared::default());
        shared.failing.store(fail_first, Ordering::SeqCst);
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = serving.clone();
                tokio::spawn(async move {
                    let _ = answer(stream, &shared).await;
                });
            }
        });
        Ok(Self { url, shared, task })
    }

    /// Answers every request `307` to `location` (`None`: answers as before).
    pub fn redirect_to(&self, location: Option<&str>) {
        if let Ok(mut redirect) = self.shared.redirect.lock() {
            *redirect = location.map(str::to_owned);
        }
    }

    /// Fails the next `n` requests (0: answers 204 from now on).
    pub fn fail_next(&self, n: usize) {
        self.shared.failing.store(n, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut length = 0usize;
    let mut signature = None;
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "portal-signature" => signature = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    let redirect = shared.redirect.lock().ok().and_then(|r| r.clone());
    let fail = redirect.is_none()
        && shared
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let status = match (&redirect, fail) {
        (Some(_), _) => 307,
        (None, true) => 500,
        (None, false) => 204,
    };
    if let Ok(mut received) = shared.received.lock() {
        received.push(Received {
            at: Instant::now(),
            signature,
            body: String::from_utf8_lossy(&body).into_owned(),
            status,
        });
    }
    let (reason, location) = match (&redirect, fail) {
        (Some(to), _) => ("Temporary Redirect", format!("Location: {to}\r\n")),
        (None, true) => ("Internal Server Error", String::new()),
        (None, false) => ("No Content", String::new()),
    };
    let mut stream = reader.into_inner();
    stream
        .write_all(
            format!(
                "HTTP/1.1 {status} {reason}\r\n{location}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    stream.shutdown().await
}

/// Whether `header` (`t=…,v1=…[,v1=…]`) signs `body` with `secret`: one of its `v1`
/// signatures is the HMAC of `"<t>.<body>"` with it, as a receiver checks.
pub fn verify(secret: &str, header: &str, body: &str) -> bool {
    let Some(t) = header
        .split(',')
        .find_map(|part| part.strip_prefix("t="))
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return false;
    };
    let Ok(expected) = crate::signature(secret.as_bytes(), t, body) else {
        return false;
    };
    let Some(expected) = expected.split_once(",v1=").map(|(_, v)| v.to_owned()) else {
        return false;
    };
    header
        .split(',')
        .filter_map(|part| part.strip_prefix("v1="))
        .any(|v| v == expected)
}

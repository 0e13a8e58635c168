//! `portal billing run`: starts (or joins) the period's billing run, drives it with a
//! progress bar, and prints its figures. While another process drives the run, it
//! shows that run's progress; when that process dies, it takes the run over once the
//! lease lapses and bills the rest.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use portal_billing::{PlatformCaller, Portal};
use portal_domain::{BillingRun, Month, RunId, RunStatus};

/// How often a run driven elsewhere is looked at.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

fn bar(run: &BillingRun) -> ProgressBar {
    let bar = ProgressBar::new(run.total);
    let style = ProgressStyle::with_template(
        "{spinner} {msg} [{bar:40}] {pos}/{len} customers  {per_sec}  eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn show(bar: &ProgressBar, run: &BillingRun) {
    bar.set_length(run.total.max(run.done));
    bar.set_position(run.done);
    bar.set_message(format!(
        "{} {}: {} created, {} skipped",
        run.period, run.id, run.created, run.skipped
    ));
}

/// The process's peak resident memory (Linux), for the run's figures.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MB", kb as f64 / 1024.0))
}

/// Runs `period`'s billing to its end and prints what it did.
pub async fn run(portal: &Portal, caller: &PlatformCaller, period: Month) -> anyhow::Result<()> {
    let started = Instant::now();
    let (run, fresh) = portal.billing.start_billing_run(caller, period).await?;
    if !fresh {
        eprintln!(
            "billing run {} of {period} is running already ({} of {} done): joining it",
            run.id, run.done, run.total
        );
    }
    let bar = bar(&run);
    show(&bar, &run);
    let owner = portal.billing.instance().to_owned();
    let id = RunId::parse(&run.id)?;
    let ended = loop {
        let progress = |r: &BillingRun| show(&bar, r);
        if let Some(ended) = portal
            .billing
            .drive_billing_run(caller, &id, &owner, &progress)
            .await?
        {
            break ended;
        }
        // Driven by another process: watch it until it ends or its driver dies.
        let current = portal.billing.billing_run_status(caller, &id).await?;
        show(&bar, &current);
        if current.status != RunStatus::Running {
            break current;
        }
        tokio::time::sleep(WATCH_INTERVAL).await;
    };
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "billing run {period} ({}): {}, {} customers billed, {} invoices created, {} skipped, {} invoices overdue, {} subscriptions expired, {} idempotency keys purged; {secs:.1} s, peak memory {}",
        ended.id,
        ended.status.as_str(),
        ended.done,
        ended.created,
        ended.skipped,
        ended.invoices_overdue,
        ended.subscriptions_expired,
        ended.keys_purged,
        peak_memory().unwrap_or_else(|| "unknown".into()),
    );
    match ended.status {
        RunStatus::Failed => anyhow::bail!(
            "billing run {} failed: {}",
            ended.id,
            ended.error.unwrap_or_default()
        ),
        _ => Ok(()),
    }
}

//! A billing run killed halfway resumes where it stopped (contract §13): `portal billing
//! run` is SIGKILLed while it bills a period's customers; started again, it takes the
//! run over once the dead process's lease lapses and bills the rest. Every customer is
//! billed once, the run's figures add up, and the month's invoice numbers have no gaps.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{Months, Utc};
use portal_domain::{BusinessCalendar, Month};
use portal_persistence::test_support::TestPg;

mod common;
use common::{Portal, psql};

/// Bulk customers: enough that the run is still going when it is killed (20 groups of
/// 500; a group takes a fraction of a second).
const CUSTOMERS: u32 = 10_000;

fn fill(url: &str, period: Month) {
    let start = period.first_day();
    let end = start + Months::new(12) - chrono::Days::new(1);
    let sql = include_str!("../../../scripts/sql/fill-subscriptions.sql")
        .replace("{{N}}", &CUSTOMERS.to_string())
        .replace("{{PLAN}}", "pro")
        .replace("{{START}}", &start.to_string())
        .replace("{{END}}", &end.to_string());
    psql(url, &sql);
}

/// `(done, total)` of the period's run, once there is one.
fn progress(url: &str, period: Month) -> Option<(u64, u64)> {
    let row = psql(
        url,
        &format!("SELECT done, total FROM billing_runs WHERE period = '{period}'"),
    );
    let (done, total) = row.split_once('|')?;
    Some((done.parse().ok()?, total.parse().ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_halfway_is_finished_by_the_next_one_billing_everyone_once() {
    let pg = TestPg::create().await;
    let portal = Portal::new(&pg.url, &[]);
    portal.output(&["seed", "--demo"]);
    let today = BusinessCalendar::default().date_of(Utc::now());
    let period = Month::of(today).next();
    fill(&pg.url, period);
    let billable: u64 = psql(
        &pg.url,
        &format!(
            "SELECT count(DISTINCT customer_id) FROM subscriptions WHERE status <> 'cancelled' \
             AND start_date <= '{}' AND end_date >= '{}'",
            period.last_day(),
            period.prev().first_day()
        ),
    )
    .parse()
    .unwrap();
    assert!(billable > u64::from(CUSTOMERS));

    // Act: the first run is killed (SIGKILL) a third of the way through.
    let period_arg = period.to_string();
    let args = ["billing", "run", "--period", period_arg.as_str()];
    let mut first = common::Running(
        portal
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let at_kill = loop {
        if let Some((done, total)) = progress(&pg.url, period)
            && done >= total / 3
        {
            first.kill();
            break progress(&pg.url, period).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the run made no progress in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        at_kill.1, billable,
        "the run counts every billable customer"
    );
    assert!(
        at_kill.0 < billable,
        "killed before the end ({} of {billable})",
        at_kill.0
    );
    let status = psql(
        &pg.url,
        &format!("SELECT status FROM billing_runs WHERE period = '{period}'"),
    );
    assert_eq!(
        status, "running",
        "a killed run stays running, to be resumed"
    );

    // The next `portal billing run` joins the cut-off run and finishes it.
    let out = portal.output(&args);
    assert!(out.contains(": finished,"), "{out}");
    let runs = psql(
        &pg.url,
        &format!(
            "SELECT count(*), min(status), min(done), min(total), min(created), min(skipped) \
             FROM billing_runs WHERE period = '{period}'"
        ),
    );
    let fields: Vec<&str> = runs.split('|').collect();
    assert_eq!(fields[0], "1", "one run of the period, resumed: {runs}");
    assert_eq!(fields[1], "finished");
    let (done, total, created, skipped): (u64, u64, u64, u64) = (
        fields[2].parse().unwrap(),
        fields[3].parse().unwrap(),
        fields[4].parse().unwrap(),
        fields[5].parse().unwrap(),
    );
    assert_eq!((done, total), (billable, billable), "{runs}");
    assert_eq!(created + skipped, done);

    // Assert: each customer billed once for the period, and as many invoices as created.
    let twice = psql(
        &pg.url,
        &format!(
            "SELECT count(*) FROM (SELECT customer_id FROM invoices WHERE period = '{period}' \
             GROUP BY customer_id HAVING count(*) > 1) t"
        ),
    );
    assert_eq!(twice, "0", "a customer billed twice for {period}");
    let issued: u64 = psql(
        &pg.url,
        &format!("SELECT count(*) FROM invoices WHERE period = '{period}'"),
    )
    .parse()
    .unwrap();
    assert_eq!(issued, created);
    assert!(
        created >= u64::from(CUSTOMERS),
        "every bulk customer owes {period}'s fee"
    );
    let items = psql(
        &pg.url,
        "SELECT count(*), count(*) FILTER (WHERE issued) FROM billing_run_items",
    );
    assert_eq!(items, format!("{done}|{created}"));

    // Invoice numbers of the month: 1..=n, none skipped, none twice.
    let month = Month::of(today).compact();
    let numbers = psql(
        &pg.url,
        &format!(
            "SELECT count(*), count(DISTINCT id), \
             max(CAST(substr(id, 10) AS INTEGER)) FROM invoices WHERE id LIKE 'INV{month}%'"
        ),
    );
    let n: Vec<u64> = numbers.split('|').map(|v| v.parse().unwrap()).collect();
    assert_eq!(
        (n[0], n[1]),
        (n[2], n[2]),
        "gaps or repeats in INV{month}…: {numbers}"
    );

    // Running it again bills nothing more.
    let again = portal.output(&args);
    assert!(again.contains(" 0 invoices created"), "{again}");
}

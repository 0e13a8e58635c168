//! Promises of the billing runs' port: one running run per period, leases that fence
//! out every other process, progress written with each customer's unit of work.

use chrono::TimeDelta;
use portal_domain::{BillingRun, RunStatus};

use super::*;
use crate::ports::RunTicket;

fn new_run(id: &str, period: Month) -> BillingRun {
    BillingRun::start(id.to_owned(), period, 2, at(1, 0))
}

/// The run the case drives, as stored.
async fn run_a(p: &Adapters) -> Result<BillingRun, String> {
    p.runs
        .find("run_a")
        .await
        .map_err(err)?
        .ok_or_else(|| "missing run".to_owned())
}

fn ticket(run: &str, owner: &str) -> RunTicket {
    RunTicket {
        run_id: run.to_owned(),
        owner: owner.to_owned(),
    }
}

pub async fn runs_one_per_period_and_leases_fence(p: Adapters) -> Outcome {
    let march = Month::of(d(3, 1));
    let (first, started) = p.runs.start(&new_run("run_a", march)).await.map_err(err)?;
    ensure!(
        started && first.id == "run_a",
        "the first start stores its run"
    );
    let (second, started) = p.runs.start(&new_run("run_b", march)).await.map_err(err)?;
    ensure!(
        !started && second.id == "run_a",
        "a second start of a running period answered {} (started: {started})",
        second.id
    );
    let (other, started) = p
        .runs
        .start(&new_run("run_c", march.next()))
        .await
        .map_err(err)?;
    ensure!(
        started && other.id == "run_c",
        "another period runs beside it"
    );

    let now = at(1, 0);
    let lease = TimeDelta::seconds(10);
    let claimed = p
        .runs
        .claim("run_a", "a", now, now + lease)
        .await
        .map_err(err)?;
    ensure!(claimed.is_some(), "a free run is claimed");
    let refused = p
        .runs
        .claim("run_a", "b", now, now + lease)
        .await
        .map_err(err)?;
    ensure!(
        refused.is_none(),
        "a held run was claimed by another process"
    );
    let unclaimed: Vec<String> = p
        .runs
        .unclaimed(now)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    ensure!(unclaimed == ["run_c"], "unclaimed {unclaimed:?}");

    // a's lease lapses; b takes over: from then on a changes nothing.
    let later = now + lease;
    let taken = p
        .runs
        .claim("run_a", "b", later, later + lease)
        .await
        .map_err(err)?;
    ensure!(taken.is_some(), "a lapsed lease was not taken over");
    let (a, b) = (ticket("run_a", "a"), ticket("run_a", "b"));
    ensure!(
        !p.runs.renew(&a, later + lease, None).await.map_err(err)?,
        "the old holder renewed a lease it lost"
    );
    let c = customer(&p, "cust_a").await?;
    let mut txn = p.ledger.begin(&c).await.map_err(err)?;
    ensure!(
        !txn.record_run_item(&a, true).await.map_err(err)?,
        "the old holder recorded progress"
    );
    drop(txn);
    let mut ended = run_a(&p).await?;
    ended.status = RunStatus::Finished;
    ensure!(
        !p.runs.finish(&a, &ended).await.map_err(err)?,
        "the old holder finished the run"
    );

    // b records one customer in its unit of work, and renews with a cursor.
    let mut txn = p.ledger.begin(&c).await.map_err(err)?;
    ensure!(
        txn.record_run_item(&b, true).await.map_err(err)?,
        "b records"
    );
    txn.commit().await.map_err(err)?;
    ensure!(
        p.runs
            .renew(&b, later + lease, Some(&c))
            .await
            .map_err(err)?,
        "b renews"
    );
    let billed = p
        .runs
        .billed("run_a", &[c.clone(), cid("cust_z")?])
        .await
        .map_err(err)?;
    ensure!(
        billed.len() == 1 && billed.contains(&c),
        "billed {billed:?}"
    );
    let run = run_a(&p).await?;
    ensure!(
        (run.done, run.created, run.skipped) == (1, 1, 0) && run.cursor.as_ref() == Some(&c),
        "progress {run:?}"
    );

    // A unit of work dropped without commit records nothing.
    let d2 = customer(&p, "cust_b").await?;
    let mut txn = p.ledger.begin(&d2).await.map_err(err)?;
    ensure!(
        txn.record_run_item(&b, false).await.map_err(err)?,
        "b records"
    );
    drop(txn);
    let run = run_a(&p).await?;
    ensure!(run.done == 1, "a dropped unit of work counted: {run:?}");

    ensure!(p.runs.finish(&b, &ended).await.map_err(err)?, "b finishes");
    let run = run_a(&p).await?;
    ensure!(
        run.status == RunStatus::Finished && run.lease.is_none(),
        "finished {run:?}"
    );
    let (next, started) = p.runs.start(&new_run("run_d", march)).await.map_err(err)?;
    ensure!(
        started && next.id == "run_d",
        "a finished period starts anew"
    );
    Ok(())
}

//! The in-memory [`BillingRuns`]: the same promises as the database's (one running run
//! per period, leases that fence out every other process).

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{BillingRun, CustomerId, RunStatus};

use super::{InMemoryStore, State};
use crate::ports::RepositoryError;
use crate::ports::{BillingRuns, RunTicket};

#[derive(Default)]
pub(super) struct RunsState {
    runs: BTreeMap<String, BillingRun>,
    /// Per run, the customers it billed and whether with an invoice.
    items: HashMap<String, HashMap<CustomerId, bool>>,
}

/// Whether `ticket` holds its run's lease (the run running).
pub(super) fn holds(state: &State, ticket: &RunTicket) -> bool {
    state.runs.runs.get(&ticket.run_id).is_some_and(|r| {
        r.status == RunStatus::Running
            && r.lease
                .as_ref()
                .is_some_and(|(owner, _)| *owner == ticket.owner)
    })
}

/// Counts a customer billed by the ticket's run (once).
pub(super) fn record_item(
    state: &mut State,
    ticket: &RunTicket,
    customer: &CustomerId,
    issued: bool,
) {
    let items = state.runs.items.entry(ticket.run_id.clone()).or_default();
    if items.insert(customer.clone(), issued).is_some() {
        return;
    }
    if let Some(run) = state.runs.runs.get_mut(&ticket.run_id) {
        run.done += 1;
        if issued {
            run.created += 1;
        } else {
            run.skipped += 1;
        }
    }
}

#[async_trait]
impl BillingRuns for InMemoryStore {
    async fn start(&self, run: &BillingRun) -> Result<(BillingRun, bool), RepositoryError> {
        let mut state = self.lock()?;
        if let Some(running) = state
            .runs
            .runs
            .values()
            .find(|r| r.period == run.period && r.status == RunStatus::Running)
        {
            return Ok((running.clone(), false));
        }
        if state.runs.runs.contains_key(&run.id) {
            return Err(RepositoryError::Conflict);
        }
        state.runs.runs.insert(run.id.clone(), run.clone());
        Ok((run.clone(), true))
    }

    async fn find(&self, id: &str) -> Result<Option<BillingRun>, RepositoryError> {
        Ok(self.lock()?.runs.runs.get(id).cloned())
    }

    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<BillingRun>, RepositoryError> {
        let mut state = self.lock()?;
        let Some(run) = state.runs.runs.get_mut(id) else {
            return Ok(None);
        };
        if !run.claimable_by(owner, now) {
            return Ok(None);
        }
        run.lease = Some((owner.to_owned(), until));
        Ok(Some(run.clone()))
    }

    async fn unclaimed(&self, now: DateTime<Utc>) -> Result<Vec<BillingRun>, RepositoryError> {
        let mut runs: Vec<BillingRun> = self
            .lock()?
            .runs
            .runs
            .values()
            .filter(|r| r.status == RunStatus::Running && !r.is_driven(now))
            .cloned()
            .collect();
        runs.sort_by_key(|r| r.started_at);
        Ok(runs)
    }

    async fn renew(
        &self,
        ticket: &RunTicket,
        until: DateTime<Utc>,
        cursor: Option<&CustomerId>,
    ) -> Result<bool, RepositoryError> {
        let mut state = self.lock()?;
        if !holds(&state, ticket) {
            return Ok(false);
        }
        if let Some(run) = state.runs.runs.get_mut(&ticket.run_id) {
            run.lease = Some((ticket.owner.clone(), until));
            if let Some(cursor) = cursor {
                run.cursor = Some(cursor.clone());
            }
        }
        Ok(true)
    }

    async fn billed(
        &self,
        run_id: &str,
        customers: &[CustomerId],
    ) -> Result<HashSet<CustomerId>, RepositoryError> {
        let state = self.lock()?;
        let Some(items) = state.runs.items.get(run_id) else {
            return Ok(HashSet::new());
        };
        Ok(customers
            .iter()
            .filter(|c| items.contains_key(*c))
            .cloned()
            .collect())
    }

    async fn finish(
        &self,
        ticket: &RunTicket,
        ended: &BillingRun,
    ) -> Result<bool, RepositoryError> {
        let mut state = self.lock()?;
        if !holds(&state, ticket) {
            return Ok(false);
        }
        if let Some(run) = state.runs.runs.get_mut(&ticket.run_id) {
            run.status = ended.status;
            run.total = ended.total;
            run.invoices_overdue = ended.invoices_overdue;
            run.subscriptions_expired = ended.subscriptions_expired;
            run.keys_purged = ended.keys_purged;
            run.error = ended.error.clone();
            run.finished_at = ended.finished_at;
            run.lease = None;
        }
        Ok(true)
    }
}

//! The platform's catalogue (`PUT /api/internal/plans/{plan_id}`): a plan written whole,
//! its prices and VAT rate checked first (contract §14). Invoices already issued keep the
//! rate their lines were issued with; lines issued from now on take the plan's new one.

use portal_domain::{Plan, PlanId, RawPlan, validate_plan};
use tracing::instrument;

use super::PlanChangeError;
use super::PlanChanges;
use crate::principal::PlatformCaller;

impl PlanChanges {
    /// Creates or replaces plan `id`; `true` when created. A bad field (a tax rate outside
    /// [0, 0.2] or with more than four decimals, say) changes nothing.
    #[instrument(skip_all, fields(caller = %caller.name, plan = %id))]
    pub async fn put_plan(
        &self,
        caller: &PlatformCaller,
        id: &PlanId,
        raw: &RawPlan<'_>,
    ) -> Result<(Plan, bool), PlanChangeError> {
        let plan = validate_plan(id.clone(), raw)?;
        let created = self.plans.find(id).await?.is_none();
        self.plans.upsert(&plan).await?;
        Ok((plan, created))
    }
}

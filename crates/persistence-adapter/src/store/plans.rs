//! The plan catalogue.

use async_trait::async_trait;

use portal_billing::{PlanCatalog, RepositoryError};
use portal_domain::{Plan, PlanId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};

use crate::convert::{self, db_err};
use crate::entity::plans;

use super::SeaOrmStore;

#[async_trait]
impl PlanCatalog for SeaOrmStore {
    #[tracing::instrument(name = "store.plans.list", level = "debug", skip_all)]
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError> {
        plans::Entity::find()
            .order_by_asc(plans::Column::PriceMinor)
            .order_by_asc(plans::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::plan)
            .collect()
    }

    #[tracing::instrument(name = "store.plans.find", level = "debug", skip_all)]
    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError> {
        plans::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::plan)
            .transpose()
    }

    #[tracing::instrument(name = "store.plans.upsert", level = "debug", skip_all)]
    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError> {
        let row = plans::ActiveModel {
            id: Set(plan.id.to_string()),
            name: Set(plan.name.clone()),
            name_en: Set(plan.name_en.clone()),
            price_minor: Set(convert::minor(&plan.price)?),
            currency: Set(plan.price.currency().code().to_owned()),
            ai_chat_quota: Set(plan.quotas.ai_chat),
            agent_seats: Set(plan.quotas.agent_seats),
            email_quota: Set(plan.quotas.email),
            overage_ai_chat_minor: Set(convert::minor(&plan.overage.ai_chat)?),
            overage_email_minor: Set(convert::minor(&plan.overage.email)?),
            overage_agent_seats_minor: Set(convert::minor(&plan.overage.agent_seats)?),
            tax_rate: Set(plan.tax_rate.to_string()),
        };
        plans::Entity::insert(row)
            .on_conflict(
                OnConflict::column(plans::Column::Id)
                    .update_columns([
                        plans::Column::Name,
                        plans::Column::NameEn,
                        plans::Column::PriceMinor,
                        plans::Column::Currency,
                        plans::Column::AiChatQuota,
                        plans::Column::AgentSeats,
                        plans::Column::EmailQuota,
                        plans::Column::OverageAiChatMinor,
                        plans::Column::OverageEmailMinor,
                        plans::Column::OverageAgentSeatsMinor,
                        plans::Column::TaxRate,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

//! Usage-based charges (contract §10): each plan's price of one unit beyond what it
//! includes, in fen — a conversation, an e-mail, a seat for a month. Existing plans charge
//! nothing beyond their quotas until their catalogue entry sets a price (`portal seed
//! --demo` sets the demo values).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    OverageAiChatMinor,
    OverageEmailMinor,
    OverageAgentSeatsMinor,
}

const COLUMNS: [Plans; 3] = [
    Plans::OverageAiChatMinor,
    Plans::OverageEmailMinor,
    Plans::OverageAgentSeatsMinor,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Plans::Table)
                        .add_column(big_integer(column).default(0).to_owned())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Plans::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

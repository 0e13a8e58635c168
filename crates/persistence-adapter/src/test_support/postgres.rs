//! A fresh PostgreSQL database per test on the machine's server, dropped afterwards.

use sea_orm::{ConnectionTrait, Database};

/// The machine's PostgreSQL server (trust auth); override with `PORTAL_TEST_PG_URL`.
pub fn pg_admin_url() -> String {
    std::env::var("PORTAL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database; dropped with the value.
pub struct TestPg {
    name: String,
    pub url: String,
}

impl TestPg {
    pub async fn create() -> Self {
        let name = format!("portal_contract_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(pg_admin_url())
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see .ci/run)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        let base = pg_admin_url();
        let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
        let url = format!("{server}/{name}");
        Self { name, url }
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = Database::connect(pg_admin_url()).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// A fresh SQLite file in a fresh directory.
pub fn sqlite_url() -> String {
    let dir =
        std::env::temp_dir().join(format!("portal-contract-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}/p.db?mode=rwc", dir.display())
}

//! `portal`: serve, migrate, seed and mint tokens.

use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use portal_billing::PlatformCaller;
use portal_domain::Month;
use portal_http::{Claims, TokenKeys, TokenRole};
use portal_server::{Application, Settings, open_portal, telemetry};
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(name = "portal", version, about = "客户控制台 — the customer portal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the JSON API under /api and the app at / (applies migrations first).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load a data set; `--demo` loads the demo data (idempotent).
    Seed {
        #[arg(long)]
        demo: bool,
    },
    /// Billing operations.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Print a signed JWT for a principal.
    Token {
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        user: Option<String>,
        /// The user's name, shown in the change history (the token's `name` claim).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Lifetime in seconds (at most 86400 without --long-lived).
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Allow a lifetime over 24 hours (a leaked long-lived token stays valid that long).
        #[arg(long)]
        long_lived: bool,
    },
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Issue the invoices of a period (idempotent) as a resumable job with a progress
    /// bar, then mark overdue invoices and ended subscriptions. Joins the period's run
    /// when one is running; takes it over when its driver died.
    Run {
        /// `YYYY-MM`.
        #[arg(long)]
        period: String,
    },
    /// Mark pending invoices past their due date overdue and ended subscriptions expired.
    Overdue,
    /// Send the payment reminders (催缴) due by today, once per invoice and day (as
    /// `portal serve` does every hour).
    Remind,
}

/// The longest lifetime `portal token` mints without `--long-lived`, in seconds.
const MAX_TOKEN_TTL: u64 = 24 * 3600;

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Member,
    Service,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(
                address = %format!("http://{}:{}", settings.bind.ip(), app.port()),
                internal = %format!("http://{}:{}", settings.internal_bind.ip(), app.internal_port()),
                database = %redact(settings.database_url.expose_secret()),
                "portal serving"
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            open_portal(&settings).await?;
            println!("migrations applied");
        }
        Command::Seed { demo } => {
            if !demo {
                anyhow::bail!("nothing to seed: pass --demo to load the demo data");
            }
            let (portal, _) = open_portal(&settings).await?;
            let report = portal.demo.seed().await?;
            println!(
                "demo data loaded: {} plans, {} customers, {} subscriptions, {} usage records, {} invoices added",
                report.plans,
                report.customers_created,
                report.subscriptions_created,
                report.usage_records_added,
                report.invoices_created
            );
        }
        Command::Billing { command } => {
            let (portal, _) = open_portal(&settings).await?;
            let caller = PlatformCaller {
                name: "portal-cli".into(),
            };
            match command {
                BillingCommand::Run { period } => {
                    let period = Month::parse(&period)
                        .map_err(|e| anyhow::anyhow!("--period: {}", e.why))?;
                    portal_server::billing_cli::run(&portal, &caller, period).await?;
                }
                BillingCommand::Remind => {
                    let sent = portal.receivables.send_reminders(&caller).await?;
                    println!("{sent} payment reminders sent");
                }
                BillingCommand::Overdue => {
                    let (overdue, expired) =
                        portal.billing.mark_overdue_and_expired(&caller).await?;
                    println!("{overdue} invoices overdue, {expired} subscriptions expired");
                }
            }
        }
        Command::Token {
            customer,
            user,
            name,
            role,
            ttl,
            long_lived,
        } => {
            if ttl > MAX_TOKEN_TTL && !long_lived {
                anyhow::bail!(
                    "--ttl {ttl} is over 24 hours ({MAX_TOKEN_TTL} s): pass --long-lived to mint it anyway"
                );
            }
            let keys = TokenKeys::with_ring(&settings.key_ring()?);
            let role = match role {
                RoleArg::Admin => TokenRole::Admin,
                RoleArg::Member => TokenRole::Member,
                RoleArg::Service => TokenRole::Service,
            };
            if role != TokenRole::Service && customer.is_none() {
                anyhow::bail!("--customer is required for admin and member tokens");
            }
            let exp = u64::try_from(Utc::now().timestamp()).unwrap_or(0) + ttl;
            let token = keys.sign(&Claims {
                customer_id: customer,
                user_id: user,
                role,
                exp,
                name,
                iat: u64::try_from(Utc::now().timestamp()).ok(),
                aud: None,
                iss: None,
            })?;
            println!("{token}");
        }
    }
    Ok(())
}

/// The URL without credentials, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

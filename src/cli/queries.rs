//! `cdc-engine balance` and `cdc-engine orders`: one REST query each, shown as a table or as
//! JSON lines (`--json`, same fields and `type` as `tail --json`).

use cdc_engine::clock::SystemClock;
use cdc_engine::output::{balance_json, order_json};
use cdc_engine::protocol::envelope::DataList;
use cdc_engine::protocol::models::{BalanceSummary, Order};
use cdc_engine::protocol::requests::{GetOpenOrders, GetOrderHistory};
use cdc_engine::rest::RestClient;
use cdc_engine::state::Balance;
use clap::Args;

use super::common::{creds, out, settings, AccountArgs};

/// Arguments of `cdc-engine balance`.
#[derive(Args, Debug)]
pub struct BalanceArgs {
    /// One JSON object per currency.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

/// Arguments of `cdc-engine orders`.
#[derive(Args, Debug)]
pub struct OrdersArgs {
    /// Open orders (the default).
    #[arg(long, conflicts_with = "history")]
    open: bool,
    /// Finished orders of the last day.
    #[arg(long)]
    history: bool,
    /// Only this instrument.
    #[arg(long)]
    instrument: Option<String>,
    /// One JSON object per order.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

fn client(args: &AccountArgs) -> anyhow::Result<RestClient> {
    let s = settings(args)?;
    Ok(RestClient::new(&s.endpoints.rest_url, Some(creds(&s)?), SystemClock::new())?)
}

/// Runs `balance`.
pub async fn balance(args: BalanceArgs) -> anyhow::Result<()> {
    let rest = client(&args.account)?;
    let resp: DataList<BalanceSummary> = rest.call(&cdc_engine::protocol::requests::UserBalance).await?;
    let rows: Vec<(String, Balance)> = resp
        .data
        .iter()
        .flat_map(|s| s.position_balances.iter())
        .map(|b| {
            (
                b.instrument_name.clone(),
                Balance { total: b.quantity, reserved: b.reserved_qty, available: b.available() },
            )
        })
        .collect();
    if args.json {
        rows.iter().all(|(c, b)| out(&balance_json(c, b).to_string()));
        return Ok(());
    }
    out(&format!("{:<8} {:>22} {:>22} {:>22}", "CURRENCY", "TOTAL", "AVAILABLE", "RESERVED"));
    for (c, b) in &rows {
        if !out(&format!("{c:<8} {:>22} {:>22} {:>22}", b.total, b.available, b.reserved)) {
            break;
        }
    }
    if let Some(total) = resp.data.first().and_then(|s| s.total_available_balance) {
        out(&format!("total available (USD): {total}"));
    }
    Ok(())
}

/// Runs `orders`.
pub async fn orders(args: OrdersArgs) -> anyhow::Result<()> {
    let rest = client(&args.account)?;
    let instrument_name = args.instrument.clone().map(Into::into);
    let list: DataList<Order> = if args.history {
        rest.call(&GetOrderHistory { instrument_name, ..Default::default() }).await?
    } else {
        rest.call(&GetOpenOrders { instrument_name }).await?
    };
    if args.json {
        list.data.iter().all(|o| out(&order_json(o).to_string()));
        return Ok(());
    }
    out(&format!(
        "{:<20} {:<24} {:<10} {:<4} {:<9} {:>14} {:>12} {:>12}",
        "ORDER_ID", "CLIENT_OID", "INSTRUMENT", "SIDE", "STATUS", "PRICE", "QUANTITY", "FILLED"
    ));
    for o in &list.data {
        let line = format!(
            "{:<20} {:<24} {:<10} {:<4} {:<9} {:>14} {:>12} {:>12}",
            o.order_id,
            o.client_oid.as_ref().map_or("", |c| c.as_str()),
            o.instrument_name,
            o.side,
            o.status,
            o.price().map_or("market".into(), |p| p.to_string()),
            o.quantity,
            o.cumulative_quantity
        );
        if !out(&line) {
            break;
        }
    }
    if list.data.is_empty() {
        out(if args.history { "no finished orders in the last day" } else { "no open orders" });
    }
    Ok(())
}

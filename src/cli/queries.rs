//! `cdc-engine balance` and `cdc-engine orders`: one REST query each, shown as a table or as
//! JSON lines (`--json`, same fields and `type` as `tail --json`).

use cdc_cli::output::{balance_json, order_json, table, Align};
use cdc_engine::clock::SystemClock;
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

/// A signed REST client for the account of the settings.
pub(super) fn client(args: &AccountArgs) -> anyhow::Result<RestClient> {
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
    let header =
        [("CURRENCY", Align::Left), ("TOTAL", Align::Right), ("AVAILABLE", Align::Right), ("RESERVED", Align::Right)];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(c, b)| vec![c.clone(), b.total.to_string(), b.available.to_string(), b.reserved.to_string()])
        .collect();
    if !table(&header, &cells).iter().all(|l| out(l)) {
        return Ok(());
    }
    if let Some(summary) = resp.data.first() {
        if let Some(total) = summary.total_available_balance {
            let ccy = summary.instrument_name.as_deref().unwrap_or("USD");
            out(&format!("available for new orders, valued in {ccy}: {total}"));
            out(&format!(
                "  (the exchange's total_available_balance: the margin balance, i.e. the holdings valued in {ccy} \
                 at the exchange's prices,"
            ));
            out("   minus the initial margin that open orders and positions hold; reported by the exchange, not a sum of the rows above)");
        }
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
    if list.data.is_empty() {
        out(if args.history { "no finished orders in the last day" } else { "no open orders" });
        return Ok(());
    }
    print_orders(&list.data);
    Ok(())
}

/// The columns of an order table.
const ORDER_COLUMNS: [(&str, Align); 8] = [
    ("ORDER_ID", Align::Left),
    ("CLIENT_OID", Align::Left),
    ("INSTRUMENT", Align::Left),
    ("SIDE", Align::Left),
    ("STATUS", Align::Left),
    ("PRICE", Align::Right),
    ("QUANTITY", Align::Right),
    ("FILLED", Align::Right),
];

/// Prints orders as a table, each column as wide as its widest cell; false when stdout closed.
pub(super) fn print_orders(orders: &[Order]) -> bool {
    let rows: Vec<Vec<String>> = orders.iter().map(order_cells).collect();
    table(&ORDER_COLUMNS, &rows).iter().all(|l| out(l))
}

/// One order as table cells, in the order of [`ORDER_COLUMNS`].
fn order_cells(o: &Order) -> Vec<String> {
    vec![
        o.order_id.to_string(),
        o.client_oid.as_ref().map_or(String::new(), |c| c.to_string()),
        o.instrument_name.to_string(),
        o.side.to_string(),
        o.status.to_string(),
        o.price().map_or("market".into(), |p| p.to_string()),
        o.quantity.to_string(),
        o.cumulative_quantity.to_string(),
    ]
}

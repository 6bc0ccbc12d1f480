//! `cdc-engine positions`: the account's open positions and its margin figures, from one
//! `private/get-positions` and one `private/user-balance` call, as a table or as JSON lines
//! (`--json`, the `position` objects of `tail --json`, then one `margin` object).
//!
//! Read-only; it must not place, amend or cancel anything.

use cdc_cli::output::{entry_price, position_json, table, Align};
use cdc_engine::protocol::envelope::DataList;
use cdc_engine::protocol::models::{BalanceSummary, Position};
use cdc_engine::protocol::requests::{GetPositions, UserBalance};
use clap::Args;
use rust_decimal::Decimal;
use serde_json::json;

use super::common::{out, AccountArgs};
use super::queries::client;

/// Arguments of `cdc-engine positions`.
#[derive(Args, Debug)]
pub struct PositionsArgs {
    /// Only this instrument.
    #[arg(long)]
    instrument: Option<String>,
    /// One JSON object per position, then one with the margin figures.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

fn text(d: Option<Decimal>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.normalize().to_string())
}

/// The account-wide figures of the balance summary that concern positions.
const MARGIN_FIELDS: [&str; 7] = [
    "available",
    "margin_balance",
    "initial_margin",
    "maintenance_margin",
    "position_cost",
    "unrealized_pnl",
    "realized_pnl",
];

fn margin_values(s: &BalanceSummary) -> [Option<Decimal>; 7] {
    [
        s.total_available_balance,
        s.total_margin_balance,
        s.total_initial_margin,
        s.total_maintenance_margin,
        s.total_position_cost,
        s.total_session_unrealized_pnl,
        s.total_session_realized_pnl,
    ]
}

/// Runs `positions`.
pub async fn positions(args: PositionsArgs) -> anyhow::Result<()> {
    let rest = client(&args.account)?;
    let instrument_name = args.instrument.clone().map(Into::into);
    let list: DataList<Position> = rest.call(&GetPositions { instrument_name }).await?;
    let balance: DataList<BalanceSummary> = rest.call(&UserBalance).await?;
    let open: Vec<&Position> = list.data.iter().filter(|p| !p.quantity.is_zero()).collect();
    let summary = balance.data.first();
    if args.json {
        let mut lines: Vec<String> = open.iter().map(|p| position_json(p).to_string()).collect();
        if let Some(s) = summary {
            let mut m = json!({"type": "margin", "currency": s.instrument_name.as_deref().unwrap_or("USD")});
            for (k, v) in MARGIN_FIELDS.iter().zip(margin_values(s)) {
                m[*k] = json!(v.map(|d| d.to_string()));
            }
            m["is_liquidating"] = json!(s.is_liquidating);
            lines.push(m.to_string());
        }
        lines.iter().all(|l| out(l));
        return Ok(());
    }
    if open.is_empty() {
        out("no open positions");
    } else {
        let header = [
            ("INSTRUMENT", Align::Left),
            ("QUANTITY", Align::Right),
            ("ENTRY", Align::Right),
            ("MARK", Align::Right),
            ("UNREALISED", Align::Right),
            ("LIQUIDATION", Align::Right),
            ("MARGIN", Align::Right),
        ];
        let cells: Vec<Vec<String>> = open
            .iter()
            .map(|p| {
                vec![
                    p.instrument_name.to_string(),
                    p.quantity.normalize().to_string(),
                    text(entry_price(p)),
                    text(p.mark_price),
                    text(p.open_position_pnl),
                    text(p.liquidation_price),
                    text(p.pos_initial_margin),
                ]
            })
            .collect();
        if !table(&header, &cells).iter().all(|l| out(l)) {
            return Ok(());
        }
    }
    if let Some(s) = summary {
        let ccy = s.instrument_name.as_deref().unwrap_or("USD");
        let parts: Vec<String> = MARGIN_FIELDS
            .iter()
            .zip(margin_values(s))
            .map(|(k, v)| format!("{} {}", k.replace('_', " "), text(v)))
            .collect();
        out(&format!("margin ({ccy}): {}", parts.join(", ")));
    }
    Ok(())
}

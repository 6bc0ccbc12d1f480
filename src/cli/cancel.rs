//! `cdc-engine cancel` and `cdc-engine cancel-all`: cancel one order (by order id or client
//! order id) or every open order (of one instrument, or of the account), then confirm what the
//! exchange holds afterwards by polling it for a bounded time. The exit status says whether the
//! exchange ended up without the order(s): non-zero when it refused (with the reason code's
//! name and hint), when the order is unknown, or when something is still open at the deadline.
//! It must not retry the cancel itself: a second cancel of a cancelled order is only a refusal.

use std::time::Duration;

use anyhow::{anyhow, bail};
use cdc_cli::output::{event_line, order_json};
use cdc_engine::engine::EngineEvent;
use cdc_engine::protocol::code_names;
use cdc_engine::protocol::codes::CodeClass;
use cdc_engine::protocol::envelope::DataList;
use cdc_engine::protocol::models::Order;
use cdc_engine::protocol::requests::{CancelAllOrders, CancelOrder, GetOpenOrders, GetOrderDetail, OrderRef};
use cdc_engine::protocol::ExchangeError;
use cdc_engine::rest::{RestClient, RestError};
use clap::Args;
use serde_json::json;
use tokio::time::Instant;

use super::common::{out, AccountArgs};
use super::queries::{client, print_orders};

/// Codes with which the exchange says it does not know the order at all.
const UNKNOWN_ORDER: [i64; 2] = [code_names::INVALID_ORDERID, code_names::NOT_FOUND];

/// Time between two look-ups while waiting for the exchange to confirm.
const POLL: Duration = Duration::from_millis(150);

/// Arguments of `cdc-engine cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// The exchange's order id (as `orders` shows it).
    #[arg(long, value_name = "ID", required_unless_present = "client_oid", conflicts_with = "client_oid")]
    order_id: Option<String>,
    /// The client order id the order was placed with.
    #[arg(long, value_name = "OID")]
    client_oid: Option<String>,
    #[command(flatten)]
    common: CancelCommon,
}

/// Arguments of `cdc-engine cancel-all`.
#[derive(Args, Debug)]
pub struct CancelAllArgs {
    /// Only this instrument's orders (default: every instrument of the account).
    #[arg(long)]
    instrument: Option<String>,
    #[command(flatten)]
    common: CancelCommon,
}

/// What both commands take.
#[derive(Args, Debug)]
struct CancelCommon {
    /// Seconds to wait for the exchange to show the order(s) closed before giving up (non-zero
    /// exit).
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    wait: u64,
    /// JSON lines: the order(s) as `orders --json` prints them, and a `refused` object when the
    /// exchange says no.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

/// Prints the refusal (as JSON when asked) and builds the error that ends the command.
fn refused(e: &ExchangeError, json: bool, what: &str) -> anyhow::Error {
    if json {
        out(&json!({"type": "refused", "method": e.method, "code": e.code, "name": e.explanation.name,
            "meaning": e.explanation.meaning, "hint": e.explanation.hint, "message": e.message})
        .to_string());
    }
    if UNKNOWN_ORDER.contains(&e.code) {
        return anyhow!(
            "the exchange does not know {what} on this account (check the id with `cdc-engine orders --history`); \
             it refused the cancel: {e}"
        );
    }
    anyhow!("the exchange refused to cancel {what}: {e}")
}

/// Runs `cancel`.
pub async fn cancel(args: CancelArgs) -> anyhow::Result<()> {
    let c = &args.common;
    let (target, what) = match (&args.order_id, &args.client_oid) {
        (Some(id), _) => (OrderRef::OrderId(id.trim().into()), format!("order {}", id.trim())),
        (None, Some(oid)) => (OrderRef::ClientOid(oid.trim().into()), format!("client order id {}", oid.trim())),
        (None, None) => bail!("name the order: --order-id ID or --client-oid OID"),
    };
    let rest = client(&c.account)?;
    match rest.call::<_, serde_json::Value>(&CancelOrder(target.clone())).await {
        Ok(_) => {}
        Err(e) if e.outcome_unknown() => {
            eprintln!("warning: no answer to the cancel ({e}); checking what the exchange holds");
        }
        Err(RestError::Exchange(e)) => {
            // NO_ACTIVE_ORDER: say what became of it, when the exchange still knows it.
            if let Ok(o) = rest.call::<_, Order>(&GetOrderDetail(target.clone())).await {
                show_order(&o, c.json);
            }
            return Err(refused(&e, c.json, &what));
        }
        Err(e) => return Err(e.into()),
    }
    let deadline = Instant::now() + Duration::from_secs(c.wait);
    loop {
        match rest.call::<_, Order>(&GetOrderDetail(target.clone())).await {
            Ok(o) if o.status.is_terminal() => {
                show_order(&o, c.json);
                return Ok(());
            }
            Ok(o) if Instant::now() >= deadline => {
                show_order(&o, c.json);
                bail!(
                    "{what} is still {} on the exchange after {} s; check with `cdc-engine orders`, and cancel \
                     again or wait longer with --wait",
                    o.status,
                    c.wait
                );
            }
            Ok(_) => {}
            Err(e) if e.code().is_some_and(|code| UNKNOWN_ORDER.contains(&code)) => {
                bail!("the exchange accepted the cancel but does not report {what} any more ({e}); check with `cdc-engine orders --history`")
            }
            Err(e) if e.class() == CodeClass::Transient && Instant::now() < deadline => {
                eprintln!("warning: could not look the order up ({e}); trying again");
            }
            Err(e) => return Err(anyhow!("could not confirm that {what} is cancelled: {e}")),
        }
        tokio::time::sleep(POLL).await;
    }
}

fn show_order(o: &Order, json: bool) {
    if json {
        out(&order_json(o).to_string());
    } else {
        out(&event_line(&EngineEvent::Order(Box::new(o.clone()))));
    }
}

/// Runs `cancel-all`.
pub async fn cancel_all(args: CancelAllArgs) -> anyhow::Result<()> {
    let c = &args.common;
    let instrument = args.instrument.as_deref().map(str::trim).filter(|i| !i.is_empty());
    let scope = instrument.map_or("the account".to_owned(), |i| format!("instrument {i}"));
    let rest = client(&c.account)?;
    let req = CancelAllOrders { instrument_name: instrument.map(Into::into), kind: None };
    match rest.call::<_, serde_json::Value>(&req).await {
        Ok(_) => {}
        Err(e) if e.outcome_unknown() => {
            eprintln!("warning: no answer to the cancel-all ({e}); checking what the exchange holds");
        }
        Err(RestError::Exchange(e)) => return Err(refused(&e, c.json, &format!("the open orders of {scope}"))),
        Err(e) => return Err(e.into()),
    }
    let deadline = Instant::now() + Duration::from_secs(c.wait);
    let open = loop {
        let open = open_orders(&rest, instrument, deadline).await?;
        if open.is_empty() || Instant::now() >= deadline {
            break open;
        }
        tokio::time::sleep(POLL).await;
    };
    if c.json {
        open.iter().all(|o| out(&order_json(o).to_string()));
        out(&json!({"type": "cancel_all", "instrument_name": instrument, "still_open": open.len()}).to_string());
    } else if open.is_empty() {
        out(&format!("no open orders left on {scope}"));
    } else {
        out(&format!("still open on {scope}:"));
        print_orders(&open);
    }
    if !open.is_empty() {
        bail!(
            "{} order(s) still open on {scope} after {} s; check with `cdc-engine orders`, and run cancel-all \
             again or wait longer with --wait",
            open.len(),
            c.wait
        );
    }
    Ok(())
}

/// The open orders (of one instrument or all); a transient failure is retried until `deadline`.
async fn open_orders(rest: &RestClient, instrument: Option<&str>, deadline: Instant) -> anyhow::Result<Vec<Order>> {
    loop {
        match rest.call::<_, DataList<Order>>(&GetOpenOrders { instrument_name: instrument.map(Into::into) }).await {
            Ok(list) => return Ok(list.data),
            Err(e) if e.class() == CodeClass::Transient && Instant::now() < deadline => {
                eprintln!("warning: could not list the open orders ({e}); trying again");
                tokio::time::sleep(POLL).await;
            }
            Err(e) => return Err(anyhow!("could not list the open orders to confirm the cancel: {e}")),
        }
    }
}

//! Which private method runs which part of the core: the one table from method names to
//! handlers.
//!
//! Routing only: it must not validate or change anything itself.

use super::codes;
use super::orders::Contingency;
use super::Exchange;
use crate::venue::{ConnId, Reject};
use serde_json::Value;

impl Exchange {
    /// Runs one private method; an unknown name is 40002 METHOD_NOT_FOUND.
    pub(super) fn dispatch_private(
        &mut self,
        method: &str,
        p: &Value,
        conn: Option<ConnId>,
        now_ms: u64,
    ) -> Result<Value, Reject> {
        match method {
            "private/create-order" | "private/advanced/create-order" => self.create_order(p, conn, now_ms),
            "private/advanced/create-oco" => self.create_list(Contingency::Oco, p, conn, now_ms),
            "private/advanced/create-oto" => self.create_list(Contingency::Oto, p, conn, now_ms),
            "private/advanced/create-otoco" => self.create_list(Contingency::Otoco, p, conn, now_ms),
            "private/advanced/cancel-oco" | "private/advanced/cancel-oto" | "private/advanced/cancel-otoco" => {
                self.cancel_list(p, now_ms)
            }
            "private/advanced/get-order-list-detail" => self.get_order_list_detail(p),
            "private/advanced/cancel-order" => self.cancel_order(p, now_ms),
            "private/advanced/cancel-all-orders" => self.cancel_all_orders(p, now_ms),
            "private/advanced/amend-order" => self.amend_order(p, now_ms),
            "private/advanced/get-open-orders" => self.get_open_orders(p),
            "private/advanced/get-order-detail" => self.get_order_detail(p),
            "private/advanced/get-order-history" => self.get_order_history(p, now_ms),
            "private/batch-order-request" => self.batch_order_request(p, conn, now_ms),
            "private/close-position" => self.close_position(p, now_ms),
            "private/change-account-leverage" => self.change_account_leverage(p),
            "private/get-fee-rate" => Ok(self.get_fee_rate()),
            "private/get-instrument-fee-rate" => self.get_instrument_fee_rate(p),
            "private/get-transactions" => self.get_transactions(p, now_ms),
            "private/cancel-order" => self.cancel_order(p, now_ms),
            "private/cancel-all-orders" => self.cancel_all_orders(p, now_ms),
            "private/amend-order" => self.amend_order(p, now_ms),
            "private/create-order-list" => self.create_order_list(p, conn, now_ms),
            "private/cancel-order-list" => self.cancel_order_list(p, now_ms),
            "private/get-open-orders" => self.get_open_orders(p),
            "private/get-order-detail" => self.get_order_detail(p),
            "private/get-order-history" => self.get_order_history(p, now_ms),
            "private/get-trades" => self.get_trades(p, now_ms),
            "private/user-balance" => Ok(serde_json::json!({ "data": [self.balance_row()] })),
            "private/get-positions" => self.get_positions(p),
            "private/get-accounts" => Ok(self.accounts_json()),
            "private/get-currency-networks" => Ok(self.currency_networks(now_ms)),
            "private/set-cancel-on-disconnect" => self.set_cancel_on_disconnect(p, conn),
            "private/get-cancel-on-disconnect" => self.get_cancel_on_disconnect(conn),
            _ => Err(codes::reject(codes::METHOD_NOT_FOUND)),
        }
    }
}

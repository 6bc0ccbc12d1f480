//! Read-only private methods: open orders, order detail and history, the user's trades with
//! backward paging, and the account listing.
//!
//! Nothing here changes state.

use super::codes::{self, reject};
use super::params::{integer, present, text, time_ns};
use super::Exchange;
use crate::venue::Reject;
use serde_json::{json, Value};

/// Default and maximum `limit` of the history methods.
const MAX_LIMIT: u64 = 100;
const DAY_NS: u64 = 86_400 * 1_000_000_000;

/// The `[start, end)` window in ns of a history request: end defaults to now (`latest_ns`
/// is the newest stamp handed out, which can run ahead of `now_ms` within a busy
/// millisecond), start to one day before end; either may be sent in ms or ns.
pub(super) fn window(p: &Value, now_ms: u64, latest_ns: u64) -> Result<(u64, u64), Reject> {
    let now_ns = now_ms.saturating_add(1).saturating_mul(1_000_000);
    let end = time_ns(p, "end_time")?.unwrap_or(now_ns.max(latest_ns.saturating_add(1)));
    let start = time_ns(p, "start_time")?.unwrap_or(end.saturating_sub(DAY_NS));
    Ok((start, end))
}

/// The `limit` param: default 100, at most 100, at least 1.
pub(super) fn limit(p: &Value) -> Result<usize, Reject> {
    Ok(integer(p, "limit")?.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT) as usize)
}

impl Exchange {
    /// The user's open orders as wire objects, oldest first; `only` keeps one instrument.
    pub(super) fn open_orders(&self, only: Option<usize>) -> Vec<Value> {
        self.open
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(|o| only.is_none_or(|i| o.inst == i))
            .map(|o| self.order_json(o))
            .collect()
    }

    /// `private/get-open-orders`.
    pub(super) fn get_open_orders(&self, p: &Value) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        Ok(json!({ "data": self.open_orders(only) }))
    }

    /// `private/get-order-detail`: one order object, not wrapped; unknown is 40401.
    pub(super) fn get_order_detail(&self, p: &Value) -> Result<Value, Reject> {
        let not_found = || reject(codes::NOT_FOUND);
        let id = if present(p, "order_id") {
            integer(p, "order_id").map_err(|_| not_found())?.ok_or_else(not_found)?
        } else {
            let oid = text(p, "client_oid").ok_or_else(|| reject(codes::INVALID_ARGUMENT))?;
            *self.by_client_oid.get(&oid).ok_or_else(not_found)?
        };
        self.orders.get(&id).map(|o| self.order_json(o)).ok_or_else(not_found)
    }

    /// `private/get-order-history`: terminal orders last updated in the window, newest first.
    pub(super) fn get_order_history(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        let (start, end) = window(p, now_ms, self.last_ns)?;
        let mut done: Vec<_> = self
            .orders
            .values()
            .filter(|o| !o.is_open() && o.update_ns >= start && o.update_ns < end)
            .filter(|o| only.is_none_or(|i| o.inst == i))
            .collect();
        done.sort_by_key(|o| std::cmp::Reverse((o.update_ns, o.id)));
        let data: Vec<Value> = done.iter().take(limit(p)?).map(|o| self.order_json(o)).collect();
        Ok(json!({ "data": data }))
    }

    /// `private/get-trades`: the user's fills in `[start_time, end_time)`, newest first (ties in
    /// time: highest trade id first). Fill times are unique unless the time was pinned; then
    /// more than a page of fills can share one `create_time_ns`, and paging by time alone
    /// cannot reach past the first page of them, as on an exchange that stamps a whole match
    /// event at once.
    pub(super) fn get_trades(&self, p: &Value, now_ms: u64) -> Result<Value, Reject> {
        let only = self.inst_filter(p)?;
        let (start, end) = window(p, now_ms, self.last_ns)?;
        let upto = self.fills.partition_point(|f| f.ns < end);
        let data: Vec<Value> = self.fills[..upto]
            .iter()
            .rev()
            .take_while(|f| f.ns >= start)
            .filter(|f| only.is_none_or(|i| f.inst == i))
            .take(limit(p)?)
            .map(|f| self.fill_json(f))
            .collect();
        Ok(json!({ "data": data }))
    }

    /// `private/get-accounts`: the master account and no sub-accounts.
    pub(super) fn accounts_json(&self) -> Value {
        let id = &self.cfg.account_id;
        json!({
            "master_account": {
                "uuid": id,
                "master_account_uuid": id,
                "user_uuid": id,
                "enabled": true,
                "tradable": true,
                "name": "sim",
                "country_code": "XX",
                "margin_access": "DEFAULT",
                "derivatives_access": "DEFAULT",
                "create_time": 0,
                "update_time": 0,
                "two_fa_enabled": true,
                "kyc_level": "ADVANCED",
                "suspended": false,
                "terminated": false,
                "spot_enabled": true,
                "margin_enabled": false,
                "derivatives_enabled": false,
            },
            "sub_account_list": [],
        })
    }
}

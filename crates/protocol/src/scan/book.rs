//! The fast reading of book snapshots and deltas (§5.1): levels `[price, quantity, orders]`
//! with the same rules as their serde forms (a level's count may be absent, and elements past
//! it are skipped). A repeated field or a value outside the plain forms gives `None`.

use super::cursor::Cursor;
use super::values::{self as v, set};
use crate::models::{BookDelta, BookLevel, BookLevels, BookSnapshot};

/// One level.
fn level(c: &mut Cursor<'_>) -> Option<BookLevel> {
    let (mut price, mut quantity, mut orders) = (None, None, None);
    let mut at = 0;
    c.array(|c| {
        match at {
            0 => price = Some(v::decimal(c)?),
            1 => quantity = Some(v::decimal(c)?),
            2 => orders = Some(v::u64(c)?),
            _ => c.skip()?,
        }
        at += 1;
        Some(())
    })?;
    Some(BookLevel { price: price?, quantity: quantity?, orders: orders.unwrap_or(0) })
}

fn levels(c: &mut Cursor<'_>) -> Option<Vec<BookLevel>> {
    v::list(c, level)
}

/// A snapshot object.
pub(crate) fn snapshot(c: &mut Cursor<'_>) -> Option<BookSnapshot> {
    let (mut asks, mut bids, mut t, mut tt, mut u) = (None, None, None, None, None);
    c.object(|c, key| match key {
        "asks" => set(&mut asks, levels(c)),
        "bids" => set(&mut bids, levels(c)),
        "t" => set(&mut t, v::opt_u64(c)),
        "tt" => set(&mut tt, v::opt_u64(c)),
        "u" => set(&mut u, v::opt_u64(c)),
        _ => c.skip(),
    })?;
    Some(BookSnapshot {
        asks: asks.unwrap_or_default(),
        bids: bids.unwrap_or_default(),
        time_ms: t.flatten(),
        last_update_ms: tt.flatten(),
        update_id: u.flatten(),
    })
}

/// The `update` object of a delta.
fn update(c: &mut Cursor<'_>) -> Option<BookLevels> {
    let (mut asks, mut bids) = (None, None);
    c.object(|c, key| match key {
        "asks" => set(&mut asks, levels(c)),
        "bids" => set(&mut bids, levels(c)),
        _ => c.skip(),
    })?;
    Some(BookLevels { asks: asks.unwrap_or_default(), bids: bids.unwrap_or_default() })
}

/// A delta object.
pub(crate) fn delta(c: &mut Cursor<'_>) -> Option<BookDelta> {
    let (mut levels, mut t, mut tt, mut u, mut pu) = (None, None, None, None, None);
    c.object(|c, key| match key {
        "update" => set(&mut levels, update(c)),
        "t" => set(&mut t, v::opt_u64(c)),
        "tt" => set(&mut tt, v::opt_u64(c)),
        "u" => set(&mut u, v::opt_u64(c)),
        "pu" => set(&mut pu, v::opt_u64(c)),
        _ => c.skip(),
    })?;
    Some(BookDelta {
        update: levels.unwrap_or_default(),
        time_ms: t.flatten(),
        last_update_ms: tt.flatten(),
        update_id: u.flatten(),
        previous_update_id: pu.flatten(),
    })
}

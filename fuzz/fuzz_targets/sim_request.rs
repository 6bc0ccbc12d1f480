//! The simulator's request reading on arbitrary text: the envelope (as a REST body or a
//! WebSocket frame), then the method's parameters against a fresh exchange. Nothing may panic.
#![no_main]

use cdc_sim::exchange::{Exchange, ExchangeConfig};
use cdc_sim::parse_envelope;
use cdc_sim::venue::Venue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(env) = parse_envelope(text) else { return };
    let params = env.params.unwrap_or_else(|| serde_json::json!({}));
    let mut exchange = Exchange::new(ExchangeConfig::default());
    let now_ms = 1_764_400_000_000;
    let _ = exchange.public(&env.method, &params, now_ms);
    let _ = exchange.private(&env.method, &params, None, now_ms);
});

//! Every frame and response decoder on arbitrary bytes: none may panic, and where the
//! hand-written push decoder reads a frame, serde's decoders must read the same push.
#![no_main]

use cdc_protocol::envelope::{DataList, OrderAck};
use cdc_protocol::frame::{decode_frame, decode_frame_serde, decode_push_by_hand, decode_response, Frame};
use cdc_protocol::models::{BalanceSummary, Instrument, Order, Position, Trade, Transaction};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let frame = decode_frame(bytes);
    if let Some(by_hand) = decode_push_by_hand(bytes) {
        match decode_frame_serde(bytes) {
            Ok(Frame::Push(p)) => assert_eq!(p, by_hand, "read differently"),
            other => panic!("the hand-written decoder read a frame serde gives as {other:?}"),
        }
        assert!(matches!(frame, Ok(Frame::Push(_))));
    }
    if let Ok(r) = decode_response(bytes) {
        // The typed results the engine and the CLI ask for.
        let _ = r.result::<OrderAck>();
        let _ = r.result::<Order>();
        let _ = r.result::<DataList<Order>>();
        let _ = r.result::<DataList<Trade>>();
        let _ = r.result::<DataList<Instrument>>();
        let _ = r.result::<DataList<Position>>();
        let _ = r.result::<DataList<BalanceSummary>>();
        let _ = r.result::<DataList<Transaction>>();
        let _ = r.error(Some(500)).map(|e| e.to_string());
    }
});

//! Hand-made market data in the plain form, as the exchange's frames with receive times.

/// A recording being written.
#[derive(Default)]
pub struct Tape {
    out: Vec<u8>,
    u: u64,
    trade_id: u64,
}

fn levels(side: &[(&str, &str)]) -> String {
    side.iter().map(|(p, q)| format!(r#"["{p}","{q}","1"]"#)).collect::<Vec<_>>().join(",")
}

impl Tape {
    fn frame(&mut self, t_ms: u64, frame: &str) {
        cdc_engine::backtest::data::frame_line(t_ms * 1000, frame.as_bytes(), &mut self.out);
    }

    fn push(&mut self, t_ms: u64, instrument: &str, subscription: &str, channel: &str, data: &str) {
        let f = format!(
            r#"{{"id":-1,"method":"subscribe","code":0,"result":{{"instrument_name":"{instrument}","subscription":"{subscription}","channel":"{channel}","data":[{data}]}}}}"#
        );
        self.frame(t_ms, &f);
    }

    /// The venue's instruments: BTC_USD (tick 0.01, qty 0.0001) and BTCUSD-PERP (0.1, 0.0001).
    pub fn instruments(&mut self, t_ms: u64) {
        let list = r#"[{"symbol":"BTC_USD","inst_type":"CCY_PAIR","base_ccy":"BTC","quote_ccy":"USD","price_tick_size":"0.01","qty_tick_size":"0.0001","tradable":true},{"symbol":"BTCUSD-PERP","inst_type":"PERPETUAL_SWAP","base_ccy":"BTC","quote_ccy":"USD","price_tick_size":"0.1","qty_tick_size":"0.0001","tradable":true}]"#;
        self.out.extend_from_slice(format!("{{\"recv_us\":{},\"instruments\":{list}}}\n", t_ms * 1000).as_bytes());
    }

    pub fn snapshot(&mut self, t_ms: u64, instrument: &str, bids: &[(&str, &str)], asks: &[(&str, &str)]) {
        self.u += 10;
        let data =
            format!(r#"{{"asks":[{}],"bids":[{}],"t":{t_ms},"tt":{t_ms},"u":{}}}"#, levels(asks), levels(bids), self.u);
        self.push(t_ms, instrument, &format!("book.{instrument}.10"), "book", &data);
    }

    pub fn delta(&mut self, t_ms: u64, instrument: &str, bids: &[(&str, &str)], asks: &[(&str, &str)]) {
        let pu = self.u;
        self.u += 3;
        let data = format!(
            r#"{{"update":{{"asks":[{}],"bids":[{}]}},"t":{t_ms},"tt":{t_ms},"u":{},"pu":{pu}}}"#,
            levels(asks),
            levels(bids),
            self.u
        );
        self.push(t_ms, instrument, &format!("book.{instrument}.10"), "book.update", &data);
    }

    /// A public trade; `side` is the taker's.
    pub fn trade(&mut self, t_ms: u64, instrument: &str, side: &str, price: &str, qty: &str) {
        self.trade_id += 1;
        let id = self.trade_id;
        let data = format!(r#"{{"d":"{id}","t":{t_ms},"p":"{price}","q":"{qty}","s":"{side}","i":"{instrument}"}}"#);
        self.push(t_ms, instrument, &format!("trade.{instrument}"), "trade", &data);
    }

    pub fn mark(&mut self, t_ms: u64, instrument: &str, price: &str) {
        self.push(t_ms, instrument, &format!("mark.{instrument}"), "mark", &format!(r#"{{"v":"{price}","t":{t_ms}}}"#));
    }

    pub fn funding(&mut self, t_ms: u64, instrument: &str, rate: &str) {
        self.push(
            t_ms,
            instrument,
            &format!("funding.{instrument}"),
            "funding",
            &format!(r#"{{"v":"{rate}","t":{t_ms}}}"#),
        );
    }

    /// Writes the recording to `dir/name`.
    pub fn write(&self, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.out).unwrap_or_else(|e| panic!("{e}"));
        path
    }
}

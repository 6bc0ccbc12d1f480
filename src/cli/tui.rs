//! The terminal dashboard of `tail --tui` (ratatui): balances, positions with their PnL, open
//! orders and the stream of fills, redrawn from the engine's read views a few times a second.
//! `q`, Esc or Ctrl-C quits.

use std::collections::VecDeque;
use std::time::Duration;

use cdc_cli::output::entry_price;
use cdc_engine::engine::{EngineEvent, EngineHandle};
use cdc_engine::pnl::Pnl;
use cdc_engine::protocol::models::{Order, Position, Trade};
use cdc_engine::state::Balance;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Style, Stylize};
use ratatui::widgets::{Block, Cell, List, ListItem, Row, Table};
use ratatui::Frame;

/// What one frame shows.
#[derive(Default)]
pub struct View {
    pub live: bool,
    pub status: String,
    pub balances: Vec<(String, Balance)>,
    /// Open positions as the exchange reports them.
    pub positions: Vec<Position>,
    /// The engine's own PnL, for the realised and funding columns.
    pub pnl: Pnl,
    pub open: Vec<Order>,
    pub fills: VecDeque<Trade>,
}

const KEEP_FILLS: usize = 200;

/// Runs the dashboard until a quit key, Ctrl-C or `duration`.
pub async fn run(engine: &EngineHandle, duration: Option<Duration>) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let result = dashboard(&mut terminal, engine, duration).await;
    ratatui::restore();
    result
}

async fn dashboard(
    terminal: &mut ratatui::DefaultTerminal,
    engine: &EngineHandle,
    duration: Option<Duration>,
) -> anyhow::Result<()> {
    let mut rx = engine.subscribe();
    let mut view = View { status: "connecting…".into(), ..View::default() };
    let end = duration.map(|d| tokio::time::Instant::now() + d);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tick.tick().await;
        while let Ok(ev) = rx.try_recv() {
            match ev {
                EngineEvent::Fill(t) => {
                    view.fills.push_front(*t);
                    view.fills.truncate(KEEP_FILLS);
                }
                EngineEvent::Connection { live, detail } => {
                    view.live = live;
                    view.status = detail;
                }
                _ => {}
            }
        }
        view.balances = engine.state().balances.all();
        view.positions = engine.state().positions.all();
        view.pnl = engine.state().pnl.all();
        view.open = engine.state().orders.open();
        view.open.sort_by(|a, b| a.instrument_name.cmp(&b.instrument_name).then(b.price().cmp(&a.price())));
        terminal.draw(|f| draw(f, &view))?;
        if quit_pressed()? || end.is_some_and(|e| tokio::time::Instant::now() >= e) {
            return Ok(());
        }
    }
}

fn quit_pressed() -> anyhow::Result<bool> {
    while event::poll(Duration::ZERO)? {
        if let Event::Key(k) = event::read()? {
            let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || matches!(k.code, KeyCode::Char('q') | KeyCode::Esc) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Draws one frame.
pub fn draw(f: &mut Frame, v: &View) {
    let [top, held, middle, bottom] = Layout::vertical([
        Constraint::Length(3 + v.balances.len().min(8) as u16),
        Constraint::Length(3 + v.positions.len().min(6) as u16),
        Constraint::Percentage(40),
        Constraint::Fill(1),
    ])
    .areas(f.area());
    let status = if v.live { "LIVE".green().bold() } else { "OFFLINE".red().bold() };
    let title = ratatui::text::Line::from(vec![" cdc-engine ".bold(), status, format!(" {} ", v.status).into()]);
    let balances = Table::new(
        v.balances.iter().map(|(c, b)| {
            Row::new(vec![c.clone(), b.total.to_string(), b.available.to_string(), b.reserved.to_string()])
        }),
        [Constraint::Length(8), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)],
    )
    .header(Row::new(vec!["CCY", "TOTAL", "AVAILABLE", "RESERVED"]).style(Style::new().bold()))
    .block(Block::bordered().title(title).title_bottom(" q quits "));
    f.render_widget(balances, top);
    f.render_widget(positions_table(v), held);
    let orders = Table::new(
        v.open.iter().map(|o| {
            Row::new(vec![
                Cell::from(o.instrument_name.to_string()),
                Cell::from(o.side.to_string()).style(side_color(o.side.as_str())),
                Cell::from(o.price().map_or("market".into(), |p| p.to_string())),
                Cell::from(format!("{}/{}", o.cumulative_quantity, o.quantity)),
                Cell::from(o.status.to_string()),
                Cell::from(o.client_oid.as_ref().map_or(String::new(), |c| c.to_string())),
            ])
        }),
        [
            Constraint::Length(12),
            Constraint::Length(5),
            Constraint::Length(14),
            Constraint::Length(20),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(vec!["INSTRUMENT", "SIDE", "PRICE", "FILLED/QTY", "STATUS", "CLIENT_OID"]).style(Style::new().bold()),
    )
    .block(Block::bordered().title(format!(" open orders ({}) ", v.open.len())));
    f.render_widget(orders, middle);
    let fills: Vec<ListItem> = v
        .fills
        .iter()
        .map(|t| {
            ListItem::new(format!(
                "{} {:<4} {} @ {}  fee {} {}  {}",
                t.instrument_name,
                t.side,
                t.traded_quantity,
                t.traded_price,
                t.fee_cost(),
                t.fee_instrument_name.as_deref().unwrap_or(""),
                t.trade_id
            ))
            .style(side_color(t.side.as_str()))
        })
        .collect();
    f.render_widget(List::new(fills).block(Block::bordered().title(" fills ")), bottom);
}

/// Positions with entry, mark and unrealised PnL as the exchange reports them, and the
/// realised PnL and funding the engine computed itself.
fn positions_table(v: &View) -> Table<'_> {
    let text = |d: Option<rust_decimal::Decimal>| d.map_or("-".to_owned(), |d| d.normalize().to_string());
    let rows = v.positions.iter().map(|p| {
        let own = v.pnl.get(p.instrument_name.as_str());
        Row::new(vec![
            Cell::from(p.instrument_name.to_string()),
            Cell::from(p.quantity.normalize().to_string()).style(side_color(if p.quantity.is_sign_negative() {
                "SELL"
            } else {
                "BUY"
            })),
            Cell::from(text(entry_price(p))),
            Cell::from(text(p.mark_price)),
            Cell::from(text(p.open_position_pnl)),
            Cell::from(text(own.map(|o| o.realised))),
            Cell::from(text(own.map(|o| o.funding))),
            Cell::from(text(p.liquidation_price)),
        ])
    });
    let widths = [
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let header = ["INSTRUMENT", "QTY", "ENTRY", "MARK", "UNREALISED", "REALISED", "FUNDING", "LIQUIDATION"];
    Table::new(rows, widths)
        .header(Row::new(header.to_vec()).style(Style::new().bold()))
        .block(Block::bordered().title(format!(" positions ({}) ", v.positions.len())))
}

fn side_color(side: &str) -> Style {
    Style::new().fg(if side == "BUY" { Color::Green } else { Color::Red })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn the_dashboard_shows_balances_positions_orders_and_fills() {
        let order: Order = serde_json::from_value(serde_json::json!({"order_id":"77","client_oid":"mm-1","side":"BUY",
            "quantity":"0.5","limit_price":"49990.5","status":"ACTIVE","instrument_name":"BTC_USD"}))
        .unwrap();
        let fill: Trade = serde_json::from_value(serde_json::json!({"trade_id":"T-9","order_id":"77","side":"SELL",
            "instrument_name":"BTC_USD","traded_price":"50001.25","traded_quantity":"0.01","fees":"-0.5","fee_instrument_name":"USD"})).unwrap();
        let bal = Balance { total: 3.into(), reserved: 1.into(), available: 2.into() };
        let position: Position = serde_json::from_value(serde_json::json!({"instrument_name":"BTCUSD-PERP",
            "quantity":"-0.2","cost":"-10000","mark_price":"49876.5","open_position_pnl":"24.7",
            "liquidation_price":"61234.5"}))
        .unwrap();
        let mut pnl = Pnl::default();
        pnl.apply_funding("BTCUSD-PERP", "-1.25".parse().unwrap());
        let view = View {
            live: true,
            status: "reconciled".into(),
            balances: vec![("BTC".into(), bal)],
            positions: vec![position],
            pnl,
            open: vec![order],
            fills: [fill].into(),
        };
        let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
        terminal.draw(|f| draw(f, &view)).unwrap();
        let text: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
        for needle in [
            "LIVE",
            "BTC",
            "49990.5",
            "mm-1",
            "50001.25",
            "T-9",
            "open orders (1)",
            "positions (1)",
            "49876.5",
            "-1.25",
            "61234.5",
            "50000",
        ] {
            assert!(text.contains(needle), "{needle} missing from the dashboard");
        }
    }
}

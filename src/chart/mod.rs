//! A PNG chart of a backtest: its equity (a line) in an upper panel and its position (a step
//! line) in a lower one, over a shared time axis, with light grid lines, a zero line where 0 is
//! in range, and min/max labels. Self-contained: its own rasteriser (`raster`) and 5×7 bitmap
//! font (`font`), then the `png` crate's encoder. Deterministic: the same input gives the same
//! bytes. `f64` is fine here: this is a picture, not money.
//!
//! It must NOT do I/O: it returns the PNG's bytes and the caller writes them. It must NEVER
//! panic, whatever the input: empty series, one point, NaN or infinite values (drawn as gaps),
//! equal min/max, huge values or times, unsorted points, a 0 or huge size (each side is clamped
//! to `1..=MAX_SIDE`).

mod font;
mod raster;
#[cfg(test)]
mod tests;

use raster::{Canvas, Rect, Rgb};

/// The largest width or height drawn; larger requests are clamped (and 0 becomes 1).
const MAX_SIDE: u32 = 8192;
const WHITE: Rgb = [255, 255, 255];
const EQUITY_RGB: Rgb = [31, 119, 180];
const POSITION_RGB: Rgb = [214, 39, 40];
const GRID: Rgb = [230, 230, 230];
const ZERO: Rgb = [150, 150, 150];
const AXIS: Rgb = [110, 110, 110];
const TEXT: Rgb = [40, 40, 40];
const LEGEND: Rgb = [140, 140, 140];

/// One series to draw: (time in ms, value) points, in time order.
#[derive(Clone, Copy, Debug)]
pub struct Series<'a> {
    /// Its name, drawn as a legend in the panel's top-left corner (nothing if empty).
    pub label: &'a str,
    /// (time in ms since the Unix epoch, value); a non-finite value leaves a gap.
    pub points: &'a [(u64, f64)],
}

/// Renders a PNG of `width`×`height` pixels: an upper panel with `equity` (a line), a lower panel
/// with `position` (a step line), a shared time axis, a zero line in each panel when 0 is within
/// range, light grid lines, and min/max value labels. Never panics; see the module comment.
pub fn render_png(title: &str, equity: Series<'_>, position: Series<'_>, width: u32, height: u32) -> Vec<u8> {
    let plan = Plan::new(equity, position, width, height);
    let mut canvas = Canvas::new(plan.width, plan.height, WHITE);
    draw_panel(&mut canvas, &plan, &plan.upper, plan.equity, equity, ("EQUITY", EQUITY_RGB, false));
    draw_panel(&mut canvas, &plan, &plan.lower, plan.position, position, ("POSITION", POSITION_RGB, true));
    let axis = &plan.lower;
    if !axis.is_empty() {
        let (start, end) = (fmt_time(plan.time.0), fmt_time(plan.time.1));
        font::draw(&mut canvas, &start, axis.x0, axis.y1 + 4, 1, TEXT);
        let end_w = font::width(&end, 1);
        if font::width(&start, 1) + end_w + 12 <= axis.x1 - axis.x0 {
            font::draw(&mut canvas, &end, axis.x1 - end_w, axis.y1 + 4, 1, TEXT);
        }
    }
    font::draw(&mut canvas, title, 8, 4, plan.title_scale, TEXT);
    canvas.encode_png()
}

/// Where everything goes: the clamped size, the two plot areas and the ranges they map.
struct Plan {
    width: u32,
    height: u32,
    /// The equity plot area: wholly above row `height / 2`.
    upper: Rect,
    /// The position plot area: wholly at or below row `height / 2`.
    lower: Rect,
    /// The first and last time of both series (ms).
    time: (u64, u64),
    equity: Option<Range>,
    position: Option<Range>,
    title_scale: i64,
}

impl Plan {
    fn new(equity: Series<'_>, position: Series<'_>, width: u32, height: u32) -> Plan {
        let (width, height) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
        let (w, h) = (i64::from(width), i64::from(height));
        let (eq, pos) = (Range::of(equity.points), Range::of(position.points));
        let times = equity.points.iter().chain(position.points).map(|p| p.0);
        let time = (times.clone().min().unwrap_or(0), times.max().unwrap_or(0));
        let chars = [eq, pos].into_iter().flatten().flat_map(|r| [fmt_value(r.lo), fmt_value(r.hi)]);
        let chars = chars.map(|s| s.len()).chain(["POSITION".len()]).max().unwrap_or(0) as i64;
        let x0 = (chars * font::ADVANCE + 8).min(w / 3);
        let title_scale = if w >= 480 && h >= 240 { 2 } else { 1 };
        let (top, bottom, mid) = (font::HEIGHT * title_scale + 8, font::HEIGHT + 8, h / 2);
        let upper = Rect { x0, y0: top, x1: w - 10, y1: mid - 4 };
        let lower = Rect { x0, y0: mid + 4, x1: w - 10, y1: h - bottom };
        Plan { width, height, upper, lower, time, equity: eq, position: pos, title_scale }
    }

    /// The column of time `t` in plot area `r` (the middle when all times are equal).
    fn x(&self, r: &Rect, t: u64) -> i64 {
        let (t0, t1) = self.time;
        let f = if t1 > t0 { t.saturating_sub(t0) as f64 / (t1 - t0) as f64 } else { 0.5 };
        r.x0 + (f.clamp(0.0, 1.0) * (r.x1 - r.x0 - 1) as f64).round() as i64
    }
}

/// The finite values' span: `hi` maps to a plot area's top row, `lo` to its bottom one.
#[derive(Clone, Copy, Debug)]
struct Range {
    lo: f64,
    hi: f64,
}

impl Range {
    fn of(points: &[(u64, f64)]) -> Option<Range> {
        let mut values = points.iter().map(|p| p.1).filter(|v| v.is_finite());
        let first = values.next()?;
        Some(values.fold(Range { lo: first, hi: first }, |r, v| Range { lo: r.lo.min(v), hi: r.hi.max(v) }))
    }

    /// The row of value `v` in plot area `r` (the middle when `lo == hi`). Halving first keeps
    /// `hi - lo` finite even for values near `f64::MAX`.
    fn y(&self, r: &Rect, v: f64) -> i64 {
        let f = (self.hi * 0.5 - v * 0.5) / (self.hi * 0.5 - self.lo * 0.5);
        let f = if f.is_finite() { f.clamp(0.0, 1.0) } else { 0.5 };
        r.y0 + (f * (r.y1 - r.y0 - 1) as f64).round() as i64
    }
}

/// One panel: grid, zero line, frame, legend, the series (a line, or a step line held to the
/// last time) and, in the left margin, its name and min/max labels.
fn draw_panel(c: &mut Canvas, plan: &Plan, r: &Rect, range: Option<Range>, s: Series<'_>, look: (&str, Rgb, bool)) {
    let (name, colour, step) = look;
    if r.is_empty() {
        return;
    }
    for k in 1..4 {
        c.hline(r.x0, r.x1 - 1, r.y0 + (r.y1 - r.y0) * k / 4, GRID, r);
        c.vline(r.x0 + (r.x1 - r.x0) * k / 4, r.y0, r.y1 - 1, GRID, r);
    }
    if let Some(range) = range.filter(|g| g.lo <= 0.0 && 0.0 <= g.hi) {
        c.hline(r.x0, r.x1 - 1, range.y(r, 0.0), ZERO, r);
    }
    c.frame(r, AXIS);
    font::draw(c, s.label, r.x0 + 3, r.y0 + 3, 1, LEGEND);
    let Some(range) = range else { return };
    let mut prev: Option<(i64, i64)> = None;
    for &(t, v) in s.points {
        if !v.is_finite() {
            prev = None;
            continue;
        }
        let p = (plan.x(r, t), range.y(r, v));
        match prev {
            Some(q) if step => {
                c.line(q, (p.0, q.1), colour, r);
                c.line((p.0, q.1), p, colour, r);
            }
            Some(q) => c.line(q, p, colour, r),
            None => c.line(p, p, colour, r),
        }
        prev = Some(p);
    }
    if let Some(q) = prev.filter(|_| step) {
        c.line(q, (plan.x(r, plan.time.1), q.1), colour, r);
    }
    let right = |text: &str| r.x0 - 4 - font::width(text, 1);
    let (hi, lo) = (fmt_value(range.hi), fmt_value(range.lo));
    font::draw(c, &hi, right(&hi), r.y0, 1, TEXT);
    font::draw(c, &lo, right(&lo), r.y1 - font::HEIGHT, 1, TEXT);
    if r.y1 - r.y0 >= 3 * font::HEIGHT + 8 {
        font::draw(c, name, right(name), (r.y0 + r.y1 - font::HEIGHT) / 2, 1, TEXT);
    }
}

/// A label for a value: fixed-point when readable, else scientific (`1.23e308`).
fn fmt_value(v: f64) -> String {
    let (v, a) = (v + 0.0, v.abs());
    match a {
        _ if a >= 1e7 || (a > 0.0 && a < 1e-3) => format!("{v:.2e}"),
        _ if a >= 1.0 => format!("{v:.2}"),
        _ => format!("{v:.4}"),
    }
}

/// A time (ms since the Unix epoch) as UTC `YYYY-MM-DD HH:MM:SS`.
fn fmt_time(ms: u64) -> String {
    let (days, secs) = ((ms / 86_400_000) as i64, ms / 1000 % 86_400);
    let (year, month, day) = cdc_engine::protocol::utc::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

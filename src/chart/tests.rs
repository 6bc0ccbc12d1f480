//! The chart's tests: every output is decoded again with `png::Decoder` and its pixels checked.

use super::*;

/// A decoded RGB8 image.
struct Image {
    w: i64,
    h: i64,
    px: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG header");
        let mut px = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut px).expect("a PNG frame");
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        Image { w: i64::from(info.width), h: i64::from(info.height), px }
    }

    fn at(&self, x: i64, y: i64) -> Rgb {
        let i = ((y * self.w + x) * 3) as usize;
        [self.px[i], self.px[i + 1], self.px[i + 2]]
    }

    /// Every (x, y) of colour `c`, row by row.
    fn find(&self, c: Rgb) -> Vec<(i64, i64)> {
        (0..self.h).flat_map(|y| (0..self.w).map(move |x| (x, y))).filter(|&(x, y)| self.at(x, y) == c).collect()
    }
}

fn series<'a>(label: &'a str, points: &'a [(u64, f64)]) -> Series<'a> {
    Series { label, points }
}

const T0: u64 = 1_700_000_000_000;

fn rising() -> Vec<(u64, f64)> {
    (0..50).map(|i| (T0 + i * 60_000, 10_000.0 + 25.0 * i as f64 + if i % 2 == 0 { 5.0 } else { -5.0 })).collect()
}

fn steps() -> Vec<(u64, f64)> {
    vec![(T0, 0.0), (T0 + 600_000, 2.0), (T0 + 1_200_000, 1.0), (T0 + 1_800_000, -1.5), (T0 + 2_400_000, 0.5)]
}

#[test]
fn the_png_has_the_requested_dimensions() {
    let (eq, pos) = (rising(), steps());
    for (w, h) in [(800, 480), (321, 199), (64, 48)] {
        let img = Image::decode(&render_png("Backtest", series("eq", &eq), series("pos", &pos), w, h));
        assert_eq!((img.w, img.h), (i64::from(w), i64::from(h)));
    }
}

#[test]
fn equity_is_drawn_only_in_the_upper_half_and_position_only_in_the_lower() {
    let (eq, pos) = (rising(), steps());
    for (w, h) in [(800, 480), (300, 201), (120, 60)] {
        let img = Image::decode(&render_png("BTCUSD-PERP 1m", series("eq", &eq), series("pos", &pos), w, h));
        let (equity, position) = (img.find(EQUITY_RGB), img.find(POSITION_RGB));
        assert!(!equity.is_empty() && !position.is_empty(), "{w}x{h}: both series are drawn");
        assert!(equity.iter().all(|&(_, y)| y < img.h / 2), "{w}x{h}: equity in the upper half");
        assert!(position.iter().all(|&(_, y)| y >= img.h / 2), "{w}x{h}: position in the lower half");
    }
}

#[test]
fn a_rising_equity_ends_higher_than_it_starts() {
    let eq = rising();
    let img = Image::decode(&render_png("rising", series("", &eq), series("", &[]), 640, 400));
    let equity = img.find(EQUITY_RGB);
    let (left, right) = (equity.iter().map(|p| p.0).min().unwrap(), equity.iter().map(|p| p.0).max().unwrap());
    let top_in = |col: i64| equity.iter().filter(|p| p.0 == col).map(|p| p.1).min().unwrap();
    assert!(right - left > 500, "the line spans the plot: {left}..{right}");
    assert!(
        top_in(right) < top_in(left),
        "right end at y {} is above the left end at y {}",
        top_in(right),
        top_in(left)
    );
}

#[test]
fn the_position_step_line_is_at_the_panel_top_where_the_position_is_at_its_maximum() {
    let (eq, pos) = (rising(), steps());
    let plan = Plan::new(series("", &eq), series("", &pos), 800, 480);
    let img = Image::decode(&render_png("steps", series("", &eq), series("", &pos), 800, 480));
    // The maximum (2.0) holds from the 2nd to the 3rd point: look between them.
    let x = plan.x(&plan.lower, T0 + 900_000);
    let top = (0..img.h).find(|&y| img.at(x, y) == POSITION_RGB);
    assert_eq!(top, Some(plan.lower.y0), "the step line at its maximum is the panel's top row");
    // And at the minimum (-1.5) it is at the panel's bottom row.
    let x = plan.x(&plan.lower, T0 + 2_100_000);
    let bottom = (0..img.h).rev().find(|&y| img.at(x, y) == POSITION_RGB);
    assert_eq!(bottom, Some(plan.lower.y1 - 1));
}

#[test]
fn degenerate_inputs_give_a_valid_png_without_panicking() {
    let one = [(T0, 1.0)];
    let nan = [(T0, f64::NAN), (T0 + 1, 2.0), (T0 + 2, f64::NAN), (T0 + 3, f64::INFINITY), (T0 + 4, 3.0)];
    let all_nan = [(T0, f64::NAN), (T0 + 1, f64::NEG_INFINITY)];
    let flat = [(T0, 5.0), (T0 + 1000, 5.0), (T0 + 2000, 5.0)];
    let zero_flat = [(T0, 0.0), (T0 + 1000, 0.0)];
    let huge = [(0, f64::MAX), (u64::MAX / 2, -f64::MAX), (u64::MAX, 1e300), (7, f64::MIN_POSITIVE)];
    let same_time = [(T0, 1.0), (T0, -1.0), (T0, 3.0)];
    let unsorted = [(T0 + 5000, 1.0), (T0, 2.0), (T0 + 2500, -4.0)];
    let cases: [&[(u64, f64)]; 9] = [&[], &one, &nan, &all_nan, &flat, &zero_flat, &huge, &same_time, &unsorted];
    for (i, eq) in cases.iter().enumerate() {
        for pos in &cases {
            for (w, h) in [(400, 300), (7, 5)] {
                let img = Image::decode(&render_png("édge ☃ case", series("x", eq), series("y", pos), w, h));
                assert_eq!((img.w, img.h), (i64::from(w), i64::from(h)), "case {i}");
            }
        }
    }
    for (w, h, ew, eh) in [(0, 0, 1, 1), (1, 1, 1, 1), (2, 3, 2, 3), (20_000, 2, MAX_SIDE, 2)] {
        let img = Image::decode(&render_png("", series("", &one), series("", &huge), w, h));
        assert_eq!((img.w, img.h), (i64::from(ew), i64::from(eh)));
    }
}

#[test]
fn the_same_input_renders_byte_identical_pngs() {
    let (eq, pos) = (rising(), steps());
    let a = render_png("Determinism: 123", series("equity", &eq), series("position", &pos), 640, 360);
    let b = render_png("Determinism: 123", series("equity", &eq), series("position", &pos), 640, 360);
    assert_eq!(a, b);
    assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn labels_and_times_are_formatted_for_the_font() {
    assert_eq!(fmt_value(10_250.5), "10250.50");
    assert_eq!(fmt_value(-0.0), "0.0000");
    assert_eq!(fmt_value(f64::MAX), "1.80e308");
    assert_eq!(fmt_time(0), "1970-01-01 00:00:00");
    assert_eq!(fmt_time(T0), "2023-11-14 22:13:20");
    assert!(fmt_time(u64::MAX).starts_with("584556019-"));
    assert!(fmt_value(-1.5).chars().chain(fmt_time(T0).chars()).all(|c| c == ' ' || font::glyph(c).is_some()));
}

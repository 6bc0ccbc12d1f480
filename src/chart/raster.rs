//! The chart's tiny rasteriser: an RGB8 pixel buffer, clipped pixels, 2-px Bresenham lines and
//! the PNG encoding. It knows nothing about series or layout; every write is bounds-checked, so
//! no coordinate (however far outside) can panic.

/// An RGB colour.
pub(super) type Rgb = [u8; 3];

/// A pixel rectangle: `x0..x1` × `y0..y1` (the ends excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rect {
    pub(super) x0: i64,
    pub(super) y0: i64,
    pub(super) x1: i64,
    pub(super) y1: i64,
}

impl Rect {
    /// Whether it holds no pixel.
    pub(super) fn is_empty(&self) -> bool {
        self.x1 <= self.x0 || self.y1 <= self.y0
    }

    fn contains(&self, x: i64, y: i64) -> bool {
        (self.x0..self.x1).contains(&x) && (self.y0..self.y1).contains(&y)
    }
}

/// A `w`×`h` RGB8 image, row-major.
pub(super) struct Canvas {
    w: i64,
    h: i64,
    px: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `bg`. The caller bounds `w` and `h` (the buffer is `w*h*3` bytes).
    pub(super) fn new(w: u32, h: u32, bg: Rgb) -> Canvas {
        let n = w as usize * h as usize;
        Canvas { w: i64::from(w), h: i64::from(h), px: bg.repeat(n) }
    }

    /// The whole canvas as a clip rectangle.
    pub(super) fn bounds(&self) -> Rect {
        Rect { x0: 0, y0: 0, x1: self.w, y1: self.h }
    }

    /// Sets one pixel if it is inside both `clip` and the canvas; ignores it otherwise.
    pub(super) fn put(&mut self, x: i64, y: i64, c: Rgb, clip: &Rect) {
        if clip.contains(x, y) && self.bounds().contains(x, y) {
            let i = ((y * self.w + x) * 3) as usize;
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }

    /// A 1-px horizontal line from `x0` to `x1` (both included) at row `y`.
    pub(super) fn hline(&mut self, x0: i64, x1: i64, y: i64, c: Rgb, clip: &Rect) {
        for x in x0.max(clip.x0)..=x1.min(clip.x1 - 1) {
            self.put(x, y, c, clip);
        }
    }

    /// A 1-px vertical line from `y0` to `y1` (both included) at column `x`.
    pub(super) fn vline(&mut self, x: i64, y0: i64, y1: i64, c: Rgb, clip: &Rect) {
        for y in y0.max(clip.y0)..=y1.min(clip.y1 - 1) {
            self.put(x, y, c, clip);
        }
    }

    /// The outline of the rectangle that surrounds `r` by one pixel (so `r` itself stays free).
    pub(super) fn frame(&mut self, r: &Rect, c: Rgb) {
        let all = self.bounds();
        self.hline(r.x0 - 1, r.x1, r.y0 - 1, c, &all);
        self.hline(r.x0 - 1, r.x1, r.y1, c, &all);
        self.vline(r.x0 - 1, r.y0 - 1, r.y1, c, &all);
        self.vline(r.x1, r.y0 - 1, r.y1, c, &all);
    }

    /// A 2-px Bresenham line from `a` to `b` (both included), clipped to `clip`: each pixel gets
    /// a twin below it (mostly-horizontal lines) or to its right (mostly-vertical ones). The
    /// caller keeps the ends near the canvas: the loop runs once per pixel of the longer axis.
    pub(super) fn line(&mut self, a: (i64, i64), b: (i64, i64), c: Rgb, clip: &Rect) {
        let (mut x, mut y) = a;
        let (dx, dy) = ((b.0 - x).abs(), -(b.1 - y).abs());
        let (sx, sy) = ((b.0 - x).signum(), (b.1 - y).signum());
        let twin = if dx >= -dy { (0, 1) } else { (1, 0) };
        let mut err = dx + dy;
        loop {
            self.put(x, y, c, clip);
            self.put(x + twin.0, y + twin.1, c, clip);
            if (x, y) == b {
                return;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// The image as a PNG (RGB8, default compression); empty only if the encoder refuses, which
    /// it does not for a canvas of at least 1×1.
    pub(super) fn encode_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let written = enc.write_header().and_then(|mut w| {
            w.write_image_data(&self.px)?;
            w.finish()
        });
        if written.is_err() {
            out.clear();
        }
        out
    }
}

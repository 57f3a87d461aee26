//! Minimal SVG building blocks for the report charts.
//!
//! Charts are rendered on the server as plain SVG so the page needs no
//! JavaScript and loads nothing from outside.

use std::fmt::Write;

pub const FONT: &str = "font-family=\"Arial, Helvetica, sans-serif\" font-size=\"12\"";
pub const TEXT_COLOR: &str = "#222222";
pub const GRID_COLOR: &str = "#dddddd";
pub const AXIS_COLOR: &str = "#555555";

/// Escapes text for XML content and attributes. Characters XML 1.0 forbids
/// (most control characters) are dropped so an odd name cannot break the
/// whole document.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A round tick step (1, 2, 5 × 10ⁿ) giving at most about 5 intervals.
pub fn nice_step(max: u64) -> u64 {
    let raw = max.div_ceil(5).max(1);
    let mut magnitude = 1u64;
    while magnitude.saturating_mul(10) <= raw {
        magnitude *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10 * magnitude)
}

/// Opens the document with a size, a viewBox (so CSS can scale it) and an
/// accessible name; `title` is escaped here.
pub fn open(buf: &mut String, width: u32, height: u32, title: &str, desc: &str) {
    let (t, d) = (esc(title), esc(desc));
    let _ = write!(
        buf,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\" {FONT}>\
         <title>{t}</title><desc>{d}</desc>\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\
         <text x=\"{x}\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"{TEXT_COLOR}\">{t}</text>",
        x = 12,
    );
}

/// Plot rectangle in SVG units.
#[derive(Debug, Clone, Copy)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    /// Value at the top of the axis (a multiple of the tick step).
    pub max: u64,
}

impl Plot {
    /// Fits the axis to `data_max`, rounded up to a whole tick step.
    pub fn new(left: f64, top: f64, width: f64, height: f64, data_max: u64) -> (Plot, u64) {
        let step = nice_step(data_max);
        let max = data_max.div_ceil(step).max(1) * step;
        (
            Plot {
                left,
                top,
                width,
                height,
                max,
            },
            step,
        )
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// Height in SVG units of a value.
    pub fn scale(&self, v: u64) -> f64 {
        v as f64 / self.max as f64 * self.height
    }

    /// Horizontal grid lines with tick labels, and the baseline.
    pub fn y_axis(&self, buf: &mut String, step: u64) {
        let mut v = 0;
        while v <= self.max {
            let y = self.bottom() - self.scale(v);
            let _ = write!(
                buf,
                "<line x1=\"{l:.1}\" y1=\"{y:.1}\" x2=\"{r:.1}\" y2=\"{y:.1}\" stroke=\"{GRID_COLOR}\"/>\
                 <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"{TEXT_COLOR}\">{v}</text>",
                l = self.left,
                r = self.left + self.width,
                tx = self.left - 6.0,
                ty = y + 4.0,
            );
            v += step;
        }
        let _ = write!(
            buf,
            "<line x1=\"{l:.1}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"{AXIS_COLOR}\"/>",
            l = self.left,
            r = self.left + self.width,
            b = self.bottom(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_chars() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>\u{1}"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn round_ticks() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(4), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(48), 10);
        assert_eq!(nice_step(130), 50);
        assert_eq!(nice_step(999), 200);
        let (plot, step) = Plot::new(0.0, 0.0, 100.0, 100.0, 23);
        assert_eq!((plot.max, step), (25, 5));
        let (plot, _) = Plot::new(0.0, 0.0, 100.0, 100.0, 0);
        assert_eq!(plot.max, 1);
    }
}

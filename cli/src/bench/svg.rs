//! Log–log line plots as standalone SVG 1.1, written by hand (no plotting dependency):
//! one polyline per series with q1–q3 error bars, decade grid lines, x ticks at the
//! measured sizes and a legend naming every series (as wide as its longest name). A plot
//! with nothing to show says so in its middle. `png` rasterises these for the PNG copies.

use std::fmt::Write as _;

/// One point: the median and its q1–q3 spread at size `x`.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// Size (x axis, log scale).
    pub x: f64,
    /// Median (y axis, log scale).
    pub y: f64,
    /// First quartile.
    pub low: f64,
    /// Third quartile.
    pub high: f64,
}

/// A named line.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points, drawn in order of x.
    pub points: Vec<Point>,
}

const HEIGHT: f64 = 440.0;
const LEFT: f64 = 80.0;
/// Width of the plot area.
const PLOT_WIDTH: f64 = 460.0;
/// The narrowest legend column (right of the plot area).
const MIN_LEGEND: f64 = 360.0;
/// Width of one character of 12-px sans-serif text, a little over DejaVu Sans' average,
/// so a legend entry never runs off the picture.
const CHAR_WIDTH: f64 = 7.2;
/// With at most this many distinct sizes, each gets its own x tick.
const MAX_SIZE_TICKS: usize = 9;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLORS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The decades `[10^lo, 10^hi]` covering `[min, max]` (both positive).
fn decades(min: f64, max: f64) -> (i32, i32) {
    let lo = min.log10().floor() as i32;
    let hi = (max.log10().ceil() as i32).max(lo + 1);
    (lo, hi)
}

/// A tick label for 10^e, or for a power of two on the x axis.
fn label(value: f64) -> String {
    if (1.0..1e6).contains(&value) && value.fract() == 0.0 {
        format!("{value}")
    } else {
        format!("{value:.0e}")
    }
}

/// Where the x ticks go: at every measured size when there are few (sizes such as 3, 5, 7
/// parties or 10, 100, 1000 values are labelled as measured), else at powers of two
/// between `lo` and `hi` (log2 units), at most about nine of them.
fn x_ticks(sizes: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let mut distinct: Vec<f64> = sizes.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if !distinct.is_empty() && distinct.len() <= MAX_SIZE_TICKS {
        return distinct;
    }
    let (first, last) = (lo.ceil() as i32, hi.floor() as i32);
    let step = ((last - first) / 8).max(1);
    (first..=last)
        .step_by(step as usize)
        .map(|e| 2f64.powi(e))
        .collect()
}

/// Draws `series` on log–log axes. Points with a non-positive coordinate are left out
/// (a log axis cannot show them); a plot with no point left renders its axes and title
/// and says in its middle that nothing was measured.
pub fn log_log(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let visible = |p: &&Point| p.x > 0.0 && p.y > 0.0 && p.low > 0.0 && p.high > 0.0;
    let all: Vec<&Point> = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(visible)
        .collect();
    let fold = |f: fn(&Point) -> f64, pick: fn(f64, f64) -> f64, start: f64| {
        all.iter().map(|p| f(p)).fold(start, pick)
    };
    let (x_min, x_max) = if all.is_empty() {
        (1.0, 10.0)
    } else {
        (
            fold(|p| p.x, f64::min, f64::INFINITY),
            fold(|p| p.x, f64::max, 0.0),
        )
    };
    let (y_min, y_max) = if all.is_empty() {
        (1e-3, 1.0)
    } else {
        (
            fold(|p| p.low.min(p.y), f64::min, f64::INFINITY),
            fold(|p| p.high.max(p.y), f64::max, 0.0),
        )
    };
    // x: powers of two padded by half an octave; y: whole decades.
    let (x_lo, x_hi) = (x_min.log2() - 0.5, x_max.log2() + 0.5);
    let (y_lo, y_hi) = decades(y_min, y_max);
    let plot_w = PLOT_WIDTH;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let longest = series
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let legend_w = MIN_LEGEND.max(40.0 + CHAR_WIDTH * longest as f64);
    let width = (LEFT + plot_w + legend_w).ceil();
    let px = |x: f64| LEFT + (x.log2() - x_lo) / (x_hi - x_lo) * plot_w;
    let py =
        |y: f64| TOP + plot_h - (y.log10() - f64::from(y_lo)) / f64::from(y_hi - y_lo) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{width}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        LEFT + plot_w / 2.0,
        escape(title)
    );
    // Grid and ticks: y decades, x at the measured sizes (or powers of two).
    let _ = writeln!(svg, r##"<g class="grid" stroke="#ddd" stroke-width="1">"##);
    for e in y_lo..=y_hi {
        let y = py(10f64.powi(e));
        let _ = writeln!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
            LEFT + plot_w
        );
    }
    let sizes: Vec<f64> = all.iter().map(|p| p.x).collect();
    let x_ticks = x_ticks(&sizes, x_lo, x_hi);
    for &tick in &x_ticks {
        let x = px(tick);
        let _ = writeln!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}"/>"#,
            TOP + plot_h
        );
    }
    svg.push_str("</g>\n");
    let _ = writeln!(svg, r#"<g class="ticks" fill="black">"#);
    for e in y_lo..=y_hi {
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            py(10f64.powi(e)) + 4.0,
            label(10f64.powi(e))
        );
    }
    for &tick in &x_ticks {
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            px(tick),
            TOP + plot_h + 18.0,
            label(tick)
        );
    }
    svg.push_str("</g>\n");
    let _ = writeln!(
        svg,
        r#"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{} (log scale)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 16.0,
        escape(x_label)
    );
    let _ = writeln!(
        svg,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">{} (log scale)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        escape(y_label)
    );
    if all.is_empty() {
        let _ = writeln!(
            svg,
            r#"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle" fill="dimgray">nothing was measured here (the report says why)</text>"#,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        );
    }
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut points: Vec<&Point> = s.points.iter().filter(visible).collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        let _ = writeln!(
            svg,
            r#"<g class="series" data-series="{}" stroke="{color}" fill="{color}">"#,
            escape(&s.name)
        );
        let path: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", px(p.x), py(p.y)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke-width="2"/>"#,
            path.join(" ")
        );
        for p in &points {
            let (x, y) = (px(p.x), py(p.y));
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke-width="1"/><circle cx="{x:.1}" cy="{y:.1}" r="3"/>"#,
                py(p.low),
                py(p.high)
            );
        }
        let legend_y = TOP + 10.0 + 20.0 * i as f64;
        let legend_x = LEFT + plot_w + 14.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{legend_x}" y1="{legend_y}" x2="{:.1}" y2="{legend_y}" stroke-width="2"/><text x="{:.1}" y="{:.1}" stroke="none" fill="black">{}</text>"#,
            legend_x + 20.0,
            legend_x + 26.0,
            legend_y + 4.0,
            escape(&s.name)
        );
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small well-formedness check: every tag closes in order, attributes are quoted.
    pub(crate) fn well_formed(svg: &str) -> Result<usize, String> {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        let mut elements = 0;
        while let Some(open) = rest.find('<') {
            let tail = &rest[open + 1..];
            let close = tail.find('>').ok_or("unterminated tag")?;
            let tag = &tail[..close];
            rest = &tail[close + 1..];
            if tag.contains('<') || !tag.matches('"').count().is_multiple_of(2) {
                return Err(format!("malformed tag <{tag}>"));
            }
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop() != Some(name.trim()) {
                    return Err(format!("</{name}> closes nothing open"));
                }
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().ok_or("empty tag")?);
                elements += 1;
            } else {
                elements += 1;
            }
        }
        if stack.is_empty() {
            Ok(elements)
        } else {
            Err(format!("unclosed {stack:?}"))
        }
    }

    #[test]
    fn a_plot_is_well_formed_and_names_its_series() {
        let series = vec![
            Series {
                name: "prove (conclave)".to_owned(),
                points: (3..8)
                    .map(|k| {
                        let x = f64::from(1u32 << k);
                        Point {
                            x,
                            y: x * 1e-4,
                            low: x * 0.9e-4,
                            high: x * 1.1e-4,
                        }
                    })
                    .collect(),
            },
            Series {
                name: "verify <a&b>".to_owned(),
                points: vec![Point {
                    x: 8.0,
                    y: 1e-3,
                    low: 1e-3,
                    high: 1e-3,
                }],
            },
        ];
        let svg = log_log("t", "constraints", "seconds", &series);
        assert!(svg.starts_with("<svg "));
        assert!(well_formed(&svg).expect("well formed") > 10);
        assert!(svg.contains(r#"data-series="prove (conclave)""#));
        assert!(svg.contains("verify &lt;a&amp;b&gt;"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let empty = log_log("nothing", "x", "y", &[]);
        assert!(well_formed(&empty).is_ok());
        assert!(empty.contains("nothing was measured here"));
        assert!(!svg.contains("nothing was measured here"));
    }

    fn flat(name: &str, sizes: &[f64]) -> Series {
        Series {
            name: name.to_owned(),
            points: sizes
                .iter()
                .map(|&x| Point {
                    x,
                    y: 1e-2,
                    low: 1e-2,
                    high: 1e-2,
                })
                .collect(),
        }
    }

    /// The x tick labels of a plot, in order.
    fn x_tick_labels(svg: &str) -> Vec<String> {
        let ticks = &svg[svg.find(r#"<g class="ticks""#).expect("ticks")..];
        let ticks = &ticks[..ticks.find("</g>").expect("end of ticks")];
        ticks
            .lines()
            .filter(|l| l.contains(r#"text-anchor="middle""#))
            .map(|l| {
                let text = &l[l.find('>').expect("text") + 1..];
                text[..text.find('<').expect("close")].to_owned()
            })
            .collect()
    }

    #[test]
    fn x_ticks_sit_at_the_measured_sizes() {
        let parties = log_log("p", "parties", "s", &[flat("mul", &[3.0, 5.0, 7.0])]);
        assert_eq!(x_tick_labels(&parties), ["3", "5", "7"]);
        let decades = log_log("v", "values", "s", &[flat("sum", &[10.0, 1e2, 1e3, 1e4])]);
        assert_eq!(x_tick_labels(&decades), ["10", "100", "1000", "10000"]);
        // Many sizes: powers of two instead, at most about nine.
        let many: Vec<f64> = (0..20).map(|k| f64::from(1u32 << k)).collect();
        let dense = x_tick_labels(&log_log("d", "n", "s", &[flat("x", &many)]));
        assert!((5..=10).contains(&dense.len()), "{dense:?}");
        assert_eq!(dense[0], "1");
    }

    /// The declared width of a plot.
    fn width(svg: &str) -> f64 {
        let at = svg.find("width=\"").expect("width") + 7;
        svg[at..at + svg[at..].find('"').expect("quote")]
            .parse()
            .expect("number")
    }

    #[test]
    fn the_legend_is_as_wide_as_its_longest_name() {
        let short = log_log("s", "x", "y", &[flat("a", &[1.0, 2.0])]);
        let name = "append 512 proofs (verified on append) (conclave node, 64 clients)";
        let long = log_log("l", "x", "y", &[flat(name, &[1.0, 2.0])]);
        assert!(width(&long) > width(&short));
        assert!(width(&long) >= LEFT + PLOT_WIDTH + CHAR_WIDTH * name.len() as f64);
    }

    #[test]
    fn the_checker_rejects_broken_xml() {
        assert!(well_formed("<svg><g></svg>").is_err());
        assert!(well_formed("<svg><g></g>").is_err());
        assert!(well_formed("<svg a=\"1></svg>").is_err());
        assert!(well_formed("<svg><g/></svg>").is_ok());
    }
}

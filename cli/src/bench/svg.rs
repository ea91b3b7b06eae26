//! Log–log line plots as standalone SVG 1.1, written by hand (no plotting dependency):
//! one polyline per series with q1–q3 error bars, decade grid lines and a legend naming
//! every series. PNG output is not produced yet (docs/benchmarks.md says so).

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

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 360.0;
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

/// Draws `series` on log–log axes. Points with a non-positive coordinate are left out
/// (a log axis cannot show them); an empty plot still renders its axes and title.
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
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + (x.log2() - x_lo) / (x_hi - x_lo) * plot_w;
    let py =
        |y: f64| TOP + plot_h - (y.log10() - f64::from(y_lo)) / f64::from(y_hi - y_lo) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        LEFT + plot_w / 2.0,
        escape(title)
    );
    // Grid and ticks: y decades, x powers of two.
    let _ = writeln!(svg, r##"<g class="grid" stroke="#ddd" stroke-width="1">"##);
    for e in y_lo..=y_hi {
        let y = py(10f64.powi(e));
        let _ = writeln!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
            LEFT + plot_w
        );
    }
    let (first, last) = (x_lo.ceil() as i32, x_hi.floor() as i32);
    let step = ((last - first) / 8).max(1);
    let x_ticks: Vec<i32> = (first..=last).step_by(step as usize).collect();
    for &e in &x_ticks {
        let x = px(2f64.powi(e));
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
    for &e in &x_ticks {
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            px(2f64.powi(e)),
            TOP + plot_h + 18.0,
            label(2f64.powi(e))
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
    }

    #[test]
    fn the_checker_rejects_broken_xml() {
        assert!(well_formed("<svg><g></svg>").is_err());
        assert!(well_formed("<svg><g></g>").is_err());
        assert!(well_formed("<svg a=\"1></svg>").is_err());
        assert!(well_formed("<svg><g/></svg>").is_ok());
    }
}

//! The daily usage chart: one bar per day, drawn by the app as inline SVG (no chart
//! library). The geometry is a pure function so it is tested without a browser.

use leptos::prelude::*;

use crate::format;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 240.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub date: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub bars: Vec<Bar>,
    /// The top of the scale: the highest day rounded up to 1, 2 or 5 × 10ⁿ.
    pub scale_max: i64,
    pub max: i64,
}

/// The smallest 1, 2 or 5 × 10ⁿ at least `value` (at least 1).
pub fn nice_ceiling(value: i64) -> i64 {
    let value = value.max(1);
    let mut step = 1_i64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = step.saturating_mul(factor);
            if candidate >= value {
                return candidate;
            }
        }
        if step > i64::MAX / 10 {
            return value;
        }
        step *= 10;
    }
}

/// Bars for `(date, count)` days in order, filling the plot area.
pub fn layout(days: &[(String, i64)]) -> Layout {
    let max = days.iter().map(|(_, c)| *c).max().unwrap_or(0).max(0);
    let scale_max = nice_ceiling(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = if days.is_empty() {
        plot_w
    } else {
        plot_w / days.len() as f64
    };
    // A gap between bars while they are wide enough to need one.
    let gap = if slot > 4.0 { slot * 0.2 } else { 0.0 };
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, (date, count))| {
            let height = (*count).max(0) as f64 / scale_max as f64 * plot_h;
            Bar {
                x: LEFT + i as f64 * slot + gap / 2.0,
                y: TOP + plot_h - height,
                width: (slot - gap).max(0.5),
                height,
                date: date.clone(),
                count: *count,
            }
        })
        .collect();
    Layout {
        bars,
        scale_max,
        max,
    }
}

/// A coordinate to a tenth, `12.3`: written from integers, so the wasm carries no float
/// formatting for it.
pub fn num(value: f64) -> String {
    let tenths = (value.abs() * 10.0 + 0.5) as i64;
    let sign = if value < 0.0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

/// The chart. `label` names it for screen readers (the detail table below it has the
/// same numbers as text).
#[component]
pub fn UsageChart(days: Vec<(String, i64)>, #[prop(into)] label: Signal<String>) -> impl IntoView {
    let layout = layout(&days);
    let plot_bottom = HEIGHT - BOTTOM;
    let mid = TOP + (plot_bottom - TOP) / 2.0;
    let first = days.first().map(|(d, _)| d.clone()).unwrap_or_default();
    let last = days.last().map(|(d, _)| d.clone()).unwrap_or_default();
    let bars = layout
        .bars
        .into_iter()
        .map(|bar| {
            let tip = format!("{}: {}", bar.date, format::grouped(bar.count));
            view! {
                <rect
                    class="bar"
                    x=num(bar.x)
                    y=num(bar.y)
                    width=num(bar.width)
                    height=num(bar.height)
                    data-date=bar.date
                    data-count=bar.count.to_string()
                >
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg
            class="usage-chart"
            viewBox="0 0 640 240"
            role="img"
            aria-label=label
            preserveAspectRatio="xMidYMid meet"
        >
            <g class="grid" aria-hidden="true">
                <line x1=num(LEFT) x2=num(WIDTH - RIGHT) y1=num(TOP) y2=num(TOP)></line>
                <line x1=num(LEFT) x2=num(WIDTH - RIGHT) y1=num(mid) y2=num(mid)></line>
                <line
                    class="baseline"
                    x1=num(LEFT)
                    x2=num(WIDTH - RIGHT)
                    y1=num(plot_bottom)
                    y2=num(plot_bottom)
                ></line>
                <text x=num(LEFT - 6.0) y=num(TOP + 4.0) text-anchor="end">
                    {format::grouped(layout.scale_max)}
                </text>
                <text x=num(LEFT - 6.0) y=num(mid + 4.0) text-anchor="end">
                    {format::grouped(layout.scale_max / 2)}
                </text>
                <text x=num(LEFT - 6.0) y=num(plot_bottom + 4.0) text-anchor="end">
                    "0"
                </text>
                <text x=num(LEFT) y=num(HEIGHT - 8.0) text-anchor="start">
                    {first}
                </text>
                <text x=num(WIDTH - RIGHT) y=num(HEIGHT - 8.0) text-anchor="end">
                    {last}
                </text>
            </g>
            <g class="bars">{bars}</g>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_tops_are_round() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(101), 200);
        assert_eq!(nice_ceiling(480), 500);
        assert_eq!(nice_ceiling(5000), 5000);
    }

    #[test]
    fn one_bar_per_day_scaled_to_the_highest() {
        let days: Vec<(String, i64)> = (1..=30)
            .map(|d| (format!("2025-11-{d:02}"), d * 10))
            .collect();
        let layout = layout(&days);
        assert_eq!(layout.bars.len(), 30);
        assert_eq!(layout.max, 300);
        assert_eq!(layout.scale_max, 500);
        let plot_h = HEIGHT - TOP - BOTTOM;
        let tallest = &layout.bars[29];
        assert!((tallest.height - plot_h * 300.0 / 500.0).abs() < 1e-9);
        assert!((tallest.y + tallest.height - (HEIGHT - BOTTOM)).abs() < 1e-9);
        // Bars run left to right without overlapping and stay inside the plot.
        for pair in layout.bars.windows(2) {
            assert!(pair[0].x + pair[0].width <= pair[1].x);
        }
        let last = &layout.bars[29];
        assert!(last.x + last.width <= WIDTH - RIGHT + 1e-9);
        assert!(layout.bars[0].x >= LEFT);
    }

    #[test]
    fn coordinates_are_written_to_a_tenth() {
        assert_eq!(num(0.0), "0.0");
        assert_eq!(num(52.0), "52.0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(12.36), "12.4");
        assert_eq!(num(0.04), "0.0");
        assert_eq!(num(-3.26), "-3.3");
        assert_eq!(num(-0.01), "0.0");
        // The view box the chart is drawn in.
        assert_eq!((WIDTH, HEIGHT), (640.0, 240.0));
    }

    #[test]
    fn no_days_no_bars() {
        let layout = layout(&[]);
        assert!(layout.bars.is_empty());
        assert_eq!(layout.scale_max, 1);
    }
}

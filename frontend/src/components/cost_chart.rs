//! The cost analysis chart: one stacked bar per month (fees, overage per product,
//! adjustments and tax above the line, credits below), drawn as HTML — each month a
//! real button, so that a tap, a click or the keyboard (Tab, ←, →) shows its values.
//! The geometry is a pure function of the amounts (exact decimals, no floats), tested
//! without a browser.

use leptos::prelude::*;
use portal_api_types::CostMonth;
use rust_decimal::Decimal;

/// The parts of a bar, in stacking order (from the line outward).
pub const PARTS: [&str; 7] = [
    "fees",
    "ai_chat",
    "email",
    "agent_seats",
    "adjustments",
    "tax",
    "credits",
];

/// Each part's amount in a month (`PARTS` order).
pub fn parts(m: &CostMonth) -> [Decimal; 7] {
    let overage = |product: &str| {
        m.overage
            .iter()
            .filter(|p| p.product == product)
            .map(|p| p.amount)
            .sum::<Decimal>()
    };
    [
        m.fees,
        overage("ai_chat"),
        overage("email"),
        overage("agent_seats"),
        m.adjustments,
        m.tax,
        m.credits,
    ]
}

/// One drawn part: its name and its share of the side of the line it is on (percent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub part: &'static str,
    pub share: Decimal,
}

/// A month's bar: the stack above the line and below it, each as a share of the
/// chart's highest stack on that side (percent, one decimal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub up: Decimal,
    pub down: Decimal,
    pub up_segments: Vec<Segment>,
    pub down_segments: Vec<Segment>,
}

/// The bars, and how much of the plot's height lies above the line (percent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub columns: Vec<Column>,
    pub above: Decimal,
    /// The highest stack above the line, for the scale.
    pub top: Decimal,
}

fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole).round_dp(1)
    }
}

pub fn chart(months: &[CostMonth]) -> Chart {
    let sides: Vec<(Decimal, Decimal, [Decimal; 7])> = months
        .iter()
        .map(|m| {
            let p = parts(m);
            let up = p.iter().filter(|a| a.is_sign_positive()).sum::<Decimal>();
            let down = -p.iter().filter(|a| a.is_sign_negative()).sum::<Decimal>();
            (up, down, p)
        })
        .collect();
    let top = sides.iter().map(|s| s.0).max().unwrap_or_default();
    let bottom = sides.iter().map(|s| s.1).max().unwrap_or_default();
    let columns = sides
        .iter()
        .map(|(up, down, p)| {
            let segments = |positive: bool, side: Decimal| {
                PARTS
                    .iter()
                    .zip(p)
                    .filter(|(_, a)| !a.is_zero() && a.is_sign_positive() == positive)
                    .map(|(part, a)| Segment {
                        part,
                        share: share(a.abs(), side),
                    })
                    .collect()
            };
            Column {
                up: share(*up, top),
                down: share(*down, bottom),
                up_segments: segments(true, *up),
                down_segments: segments(false, *down),
            }
        })
        .collect();
    let above = if bottom.is_zero() {
        Decimal::ONE_HUNDRED
    } else {
        // Below the line gets its share, but at least a fifth of the plot above it.
        share(top, top + bottom).max(Decimal::from(20))
    };
    Chart {
        columns,
        above,
        top,
    }
}

/// `12.5` → `12.5%` for a CSS length (set through the CSSOM, `style:height`: the app's
/// CSP refuses style attributes).
fn pct(value: Decimal) -> String {
    format!("{}%", value.normalize())
}

/// The chart. `selected` is the month whose values are shown beside it; `label` names
/// the chart and `names` each month's button (its month and total, in the page's
/// language).
#[component]
pub fn CostChart(
    months: Vec<CostMonth>,
    selected: RwSignal<usize>,
    label: String,
    names: Vec<String>,
) -> impl IntoView {
    let geometry = chart(&months);
    let count = months.len();
    let above = pct(geometry.above);
    let below = pct(Decimal::ONE_HUNDRED - geometry.above);
    let bars = months
        .iter()
        .zip(geometry.columns)
        .zip(names)
        .enumerate()
        .map(|(i, ((m, column), name))| {
            let stack = |segments: Vec<Segment>| {
                segments
                    .into_iter()
                    .map(|s| {
                        view! {
                            <span class=format!("seg seg-{}", s.part) style:height=pct(s.share)></span>
                        }
                    })
                    .collect_view()
            };
            let on_key = move |ev: leptos::ev::KeyboardEvent| {
                let next = match ev.key().as_str() {
                    "ArrowRight" | "ArrowDown" => (i + 1).min(count.saturating_sub(1)),
                    "ArrowLeft" | "ArrowUp" => i.saturating_sub(1),
                    "Home" => 0,
                    "End" => count.saturating_sub(1),
                    _ => return,
                };
                ev.prevent_default();
                selected.set(next);
                focus_bar(next);
            };
            let month_digits = m.month.get(5..).unwrap_or_default().to_owned();
            view! {
                <button
                    type="button"
                    class="cost-bar"
                    id=format!("cost-bar-{i}")
                    aria-label=name
                    aria-pressed=move || if selected.get() == i { "true" } else { "false" }
                    tabindex=move || if selected.get() == i { "0" } else { "-1" }
                    on:click=move |_| selected.set(i)
                    on:focus=move |_| selected.set(i)
                    on:keydown=on_key
                >
                    <span class="side up" style:height=above.clone()>
                        <span class="stack" style:height=pct(column.up)>
                            {stack(column.up_segments)}
                        </span>
                    </span>
                    <span class="side down" style:height=below.clone()>
                        <span class="stack" style:height=pct(column.down)>
                            {stack(column.down_segments)}
                        </span>
                    </span>
                    <span class="cost-month" aria-hidden="true">{month_digits}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="cost-chart" role="group" aria-label=label>
            <span class="cost-scale" aria-hidden="true">
                {crate::format::money(geometry.top, "CNY")}
            </span>
            <div class="cost-plot">{bars}</div>
        </div>
    }
}

/// Moves the keyboard focus to month `i`'s bar.
fn focus_bar(i: usize) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("cost-bar-{i}")))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api_types::ProductCost;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn month(fees: &str, ai_chat: &str, credits: &str, tax: &str) -> CostMonth {
        CostMonth {
            month: "2026-11".into(),
            fees: d(fees),
            overage: vec![ProductCost {
                product: "ai_chat".into(),
                amount: d(ai_chat),
            }],
            adjustments: Decimal::ZERO,
            credits: d(credits),
            tax: d(tax),
            total: d(fees) + d(ai_chat) + d(credits) + d(tax),
            change: None,
            change_percent: None,
        }
    }

    #[test]
    fn the_highest_stack_fills_its_side_and_parts_share_their_bar() {
        let c = chart(&[
            month("900.00", "100.00", "0.00", "0.00"),
            month("400.00", "0.00", "-50.00", "50.00"),
        ]);
        assert_eq!(c.top, d("1000.00"));
        assert_eq!(c.columns[0].up, d("100"));
        assert_eq!(c.columns[1].up, d("45")); // 450 of 1000
        let first = &c.columns[0].up_segments;
        assert_eq!(first.len(), 2, "parts of nothing are not drawn");
        assert_eq!((first[0].part, first[0].share), ("fees", d("90")));
        assert_eq!((first[1].part, first[1].share), ("ai_chat", d("10")));
        // The credit is drawn below the line, as the whole of the deepest stack there.
        assert_eq!(c.columns[1].down, d("100"));
        assert_eq!(c.columns[1].down_segments[0].part, "credits");
        assert!(c.columns[0].down_segments.is_empty());
        // 1000 above, 50 below: the line sits at 95.2 % of the plot's height.
        assert_eq!(c.above, d("95.2"));
    }

    #[test]
    fn without_credits_the_whole_plot_is_above_the_line() {
        let c = chart(&[month("0.00", "0.00", "0.00", "0.00")]);
        assert_eq!(c.above, d("100"));
        assert_eq!(c.columns[0].up, Decimal::ZERO);
        assert_eq!(chart(&[]).columns.len(), 0);
    }
}

//! Inline SVG charts for the HTML report: grouped bars, stacked bars and a heat map.
//! Plain strings, no scripts; every text is escaped. Sizes are in SVG user units and the
//! charts scale with `width: 100%` up to their natural width.

use std::fmt::Write as _;

/// Colours of systems (Okabe & Ito's colour-blind-safe palette).
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// Colours of the MUC categories.
pub fn category_colour(c: &str) -> &'static str {
    match c {
        "COR" => "#2e7d32",
        "INC" => "#f9a825",
        "PAR" => "#8e24aa",
        "MIS" => "#c62828",
        "SPU" => "#ef6c00",
        _ => "#9e9e9e",
    }
}

/// Escape text for HTML/SVG content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn open(out: &mut String, w: f64, h: f64, label: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-label="{}" class="chart">"#,
        esc(label)
    );
    let _ = write!(out, "<title>{}</title>", esc(label));
}

/// A `<text>` element at (`x`, `y`); `body` is written as given (escape names with [`esc`]).
fn text(out: &mut String, x: f64, y: f64, class: &str, anchor: &str, body: impl std::fmt::Display) {
    let _ = write!(out, r#"<text x="{x:.1}" y="{y:.1}" class="{class}" text-anchor="{anchor}">{body}</text>"#);
}

fn legend(out: &mut String, x: f64, y: f64, items: &[(&str, &str)]) {
    let mut cx = x;
    for (name, colour) in items {
        let _ = write!(
            out,
            r#"<rect x="{cx:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="{:.1}" class="lg">{}</text>"#,
            y,
            cx + 16.0,
            y + 10.5,
            esc(name)
        );
        cx += 16.0 + 7.0 * name.chars().count() as f64 + 18.0;
    }
}

/// Grouped vertical bars: one group per category, one bar per series; values in [0, 1]
/// (None = no bar, shown as "n/a"). Values are printed above the bars (in %).
pub fn grouped_bars(title: &str, groups: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let n = series.len().max(1) as f64;
    let bar = 16.0_f64.min(60.0 / n).max(6.0);
    // Wide enough for the longest group name (about 6.2 units per character at 11px).
    let longest = groups.iter().map(|g| g.chars().count()).max().unwrap_or(0) as f64;
    let group_w = (bar * n + 24.0).max(6.2 * longest + 12.0);
    let (left, top, plot_h) = (44.0, 34.0, 180.0);
    let w = (left + group_w * groups.len() as f64 + 20.0).max(360.0);
    let h = top + plot_h + 64.0;
    let mut out = String::new();
    open(&mut out, w, h, title);
    // Axis and grid at 0, 25, 50, 75, 100.
    for k in 0..=4 {
        let v = k as f64 * 25.0;
        let y = top + plot_h - plot_h * v / 100.0;
        let _ = write!(
            out,
            r#"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="ax" text-anchor="end">{v:.0}</text>"#,
            w - 10.0,
            left - 6.0,
            y + 4.0
        );
    }
    for (gi, g) in groups.iter().enumerate() {
        let gx = left + 12.0 + group_w * gi as f64 + (group_w - 24.0 - bar * n) / 2.0;
        for (si, (_, vals)) in series.iter().enumerate() {
            let x = gx + bar * si as f64;
            let colour = PALETTE[si % PALETTE.len()];
            match vals.get(gi).copied().flatten() {
                Some(v) => {
                    let bh = plot_h * v.clamp(0.0, 1.0);
                    let y = top + plot_h - bh;
                    let _ = write!(
                        out,
                        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{colour}"><title>{}: {}: {:.2}</title></rect>"#,
                        bar - 1.0,
                        esc(&series[si].0),
                        esc(g),
                        100.0 * v
                    );
                    if bar >= 12.0 {
                        text(&mut out, x + bar / 2.0, y - 3.0, "val", "middle", format_args!("{:.0}", 100.0 * v));
                    }
                }
                None => {
                    text(&mut out, x + bar / 2.0, top + plot_h - 3.0, "val", "middle", "n/a");
                }
            }
        }
        text(&mut out, gx + bar * n / 2.0, top + plot_h + 16.0, "ax", "middle", esc(g));
    }
    let names: Vec<(&str, &str)> =
        series.iter().enumerate().map(|(i, (s, _))| (s.as_str(), PALETTE[i % PALETTE.len()])).collect();
    legend(&mut out, left, top + plot_h + 32.0, &names);
    let _ = write!(out, r#"<text x="{left}" y="18" class="ttl">{}</text>"#, esc(title));
    out.push_str("</svg>");
    out
}

/// Horizontal stacked bars, one per row: (row name, [(segment name, count)]); each bar is
/// scaled to its own total (100%), the counts printed inside wide segments.
pub fn stacked_bars(title: &str, rows: &[(String, Vec<(&str, u64)>)]) -> String {
    let (left, top, bar_h, gap, plot_w) = (190.0, 34.0, 20.0, 8.0, 520.0);
    let w = left + plot_w + 30.0;
    let h = top + (bar_h + gap) * rows.len() as f64 + 40.0;
    let mut out = String::new();
    open(&mut out, w, h, title);
    let mut cats: Vec<&str> = Vec::new();
    for (ri, (name, segs)) in rows.iter().enumerate() {
        let y = top + (bar_h + gap) * ri as f64;
        text(&mut out, left - 8.0, y + bar_h * 0.7, "ax", "end", esc(name));
        let total: u64 = segs.iter().map(|s| s.1).sum();
        let mut x = left;
        for (cat, n) in segs {
            if !cats.contains(cat) {
                cats.push(cat);
            }
            if total == 0 || *n == 0 {
                continue;
            }
            let sw = plot_w * *n as f64 / total as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{sw:.1}" height="{bar_h}" fill="{}"><title>{}: {cat} {n} ({:.1}%)</title></rect>"#,
                category_colour(cat),
                esc(name),
                100.0 * *n as f64 / total as f64
            );
            if sw > 34.0 {
                text(&mut out, x + sw / 2.0, y + bar_h * 0.7, "in", "middle", n);
            }
            x += sw;
        }
    }
    let items: Vec<(&str, &str)> = cats.iter().map(|c| (*c, category_colour(c))).collect();
    legend(&mut out, left, h - 26.0, &items);
    let _ = write!(out, r#"<text x="10" y="18" class="ttl">{}</text>"#, esc(title));
    out.push_str("</svg>");
    out
}

/// A heat map of counts: rows x columns, shaded by the share of the row total; the
/// diagonal (same name) in green, the rest in red, counts printed in every non-empty cell.
pub fn heat_map(title: &str, rows: &[String], cols: &[String], counts: &[Vec<u64>]) -> String {
    let cell = 46.0;
    let left = 20.0 + 8.0 * rows.iter().map(|r| r.chars().count()).max().unwrap_or(4) as f64;
    let top = 70.0;
    // Wide enough for the title too (about 7.5 units per character at 13px).
    let w = (left + cell * cols.len() as f64 + 30.0).max(20.0 + 7.5 * title.chars().count() as f64);
    let h = top + cell * rows.len() as f64 + 30.0;
    let mut out = String::new();
    open(&mut out, w.max(300.0), h, title);
    for (j, c) in cols.iter().enumerate() {
        text(&mut out, left + cell * (j as f64 + 0.5), top - 8.0, "ax", "middle", esc(c));
    }
    text(&mut out, left + cell * cols.len() as f64 / 2.0, top - 26.0, "ax", "middle", "predicted");
    for (i, r) in rows.iter().enumerate() {
        let y = top + cell * i as f64;
        text(&mut out, left - 6.0, y + cell * 0.6, "ax", "end", esc(r));
        let total: u64 = counts.get(i).map_or(0, |row| row.iter().sum());
        for (j, c) in cols.iter().enumerate() {
            let n = counts.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0);
            let share = if total > 0 { n as f64 / total as f64 } else { 0.0 };
            let (hue, light) = if r == c { (120.0, 95.0 - 55.0 * share) } else { (4.0, 97.0 - 50.0 * share) };
            let fill = if n == 0 { "#fafafa".to_string() } else { format!("hsl({hue:.0},60%,{light:.0}%)") };
            let x = left + cell * j as f64;
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}" fill="{fill}" stroke="#fff"><title>gold {} / predicted {}: {n} ({:.1}% of gold {})</title></rect>"##,
                esc(r),
                esc(c),
                100.0 * share,
                esc(r)
            );
            if n > 0 {
                let class = if share > 0.6 { "in" } else { "cnt" };
                text(&mut out, x + cell / 2.0, y + cell * 0.6, class, "middle", n);
            }
        }
    }
    let _ = write!(out, r#"<text x="10" y="18" class="ttl">{}</text>"#, esc(title));
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text() {
        let s = grouped_bars("a<b", &["x&y".into()], &[("s\"1".into(), vec![Some(0.5)])]);
        assert!(s.contains("a&lt;b") && s.contains("x&amp;y") && s.contains("s&quot;1"));
        assert!(!s.contains("a<b"));
        let s = heat_map("m", &["PER".into(), "<none>".into()], &["PER".into()], &[vec![3], vec![1]]);
        assert!(s.contains("&lt;none&gt;") && s.starts_with("<svg"));
        let s = stacked_bars("t", &[("sys".into(), vec![("COR", 3), ("MIS", 1)])]);
        assert!(s.contains("75.0%"));
    }
}

//! The crossover map: the grid as an SVG image, coloured by the fastest method.

use std::fmt::Write as _;

use super::{Cell, METHODS};

const COLORS: [&str; 3] = ["#4e79a7", "#f28e2b", "#59a14f"];

/// The grid as coloured cells: kernel length across, signal length up, the fastest method's
/// colour, its margin over the runner-up, and a mark where Auto picked something else.
pub fn svg(cells: &[Cell], ns: &[usize], ms: &[usize], what: &str) -> String {
    let (cw, ch, left, top) = (90.0, 56.0, 90.0, 60.0);
    let width = left + cw * ms.len() as f64 + 20.0;
    let height = top + ch * ns.len() as f64 + 90.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="white"/><text x="{left}" y="24" font-size="15" font-weight="bold">Fastest method on this machine ({what})</text><text x="{left}" y="42" fill="#555">cell: winner and its margin over the runner-up; * = Auto picks another method</text>"##
    );
    for (row, &n) in ns.iter().rev().enumerate() {
        let y = top + ch * row as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">n = {}</text>"#,
            left - 8.0,
            y + ch / 2.0 + 4.0,
            short(n)
        );
        for (col, &m) in ms.iter().enumerate() {
            let x = left + cw * col as f64;
            let Some(c) = cells.iter().find(|c| c.n == n && c.m == m) else {
                continue;
            };
            let w = c.winner();
            let runner_up = (0..3)
                .filter(|&i| i != w)
                .filter_map(|i| c.times[i].map(|s| s.median))
                .fold(f64::INFINITY, f64::min);
            let margin = if runner_up.is_finite() {
                format!("{:.1}x", runner_up / c.best().median)
            } else {
                String::new()
            };
            let mark = if c.auto_pick != METHODS[w] { " *" } else { "" };
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{}" stroke="white" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" fill="white">{}{mark}</text><text x="{}" y="{}" text-anchor="middle" fill="white">{margin}</text>"#,
                COLORS[w],
                x + cw / 2.0,
                y + ch / 2.0 - 2.0,
                METHODS[w],
                x + cw / 2.0,
                y + ch / 2.0 + 14.0,
            );
        }
    }
    let base = top + ch * ns.len() as f64;
    for (col, &m) in ms.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">m = {}</text>"#,
            left + cw * col as f64 + cw / 2.0,
            base + 18.0,
            short(m)
        );
    }
    for (i, method) in METHODS.iter().enumerate() {
        let x = left + 130.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="{}" width="14" height="14" fill="{}"/><text x="{}" y="{}">{method}</text>"#,
            base + 40.0,
            COLORS[i],
            x + 20.0,
            base + 52.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// 1000 -> "1e3", 4096 -> "4096".
fn short(x: usize) -> String {
    let mut p = 0;
    let mut y = x;
    while y >= 10 && y.is_multiple_of(10) {
        y /= 10;
        p += 1;
    }
    if p >= 3 {
        format!("{y}e{p}")
    } else {
        x.to_string()
    }
}

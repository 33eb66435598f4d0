//! Plain tables rendered as terminal text, Markdown, CSV, LaTeX and HTML: the one table
//! renderer every layer (alignment reports, score reports, the HTML report, the CLI) uses.

use std::fmt::Write as _;
use std::str::FromStr;

/// A share as a percentage with two decimals, or `-` when undefined: how every table and
/// report prints precision, recall and F1.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.2}", 100.0 * v))
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Output flavour of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Aligned plain text for a terminal.
    Text,
    Markdown,
    Csv,
    /// LaTeX with booktabs rules.
    Latex,
    /// An HTML `<table>` fragment.
    Html,
}

impl FromStr for TableFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" | "table" | "terminal" => Ok(TableFormat::Text),
            "markdown" | "md" => Ok(TableFormat::Markdown),
            "csv" => Ok(TableFormat::Csv),
            "latex" | "tex" => Ok(TableFormat::Latex),
            "html" => Ok(TableFormat::Html),
            other => Err(format!("unknown table format {other:?} (expected text, markdown, csv, latex or html)")),
        }
    }
}

/// A simple rectangular table of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    /// Cells (row, column) to emphasise: bold in Markdown, LaTeX and HTML, a trailing `*`
    /// in text; CSV stays plain.
    pub emphasis: std::collections::BTreeSet<(usize, usize)>,
}

impl Table {
    /// A table whose first column is left-aligned and the others right-aligned (labels then
    /// numbers, the usual shape).
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let align = (0..headers.len()).map(|i| if i == 0 { Align::Left } else { Align::Right }).collect();
        Table { title: None, headers, align, rows: Vec::new(), emphasis: Default::default() }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn push<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Mark a cell for emphasis (see [`Table::emphasis`]).
    pub fn emphasize(&mut self, row: usize, col: usize) {
        self.emphasis.insert((row, col));
    }

    fn marked(&self, r: usize, c: usize) -> bool {
        self.emphasis.contains(&(r, c))
    }

    pub fn render(&self, format: TableFormat) -> String {
        match format {
            TableFormat::Text => self.text(),
            TableFormat::Markdown => self.markdown(),
            TableFormat::Csv => self.csv(),
            TableFormat::Latex => self.latex(),
            TableFormat::Html => self.html(),
        }
    }

    /// The rows with emphasis written as `mark(cell)`.
    fn rows_marked(&self, mark: impl Fn(&str) -> String) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.iter().enumerate().map(|(j, c)| if self.marked(i, j) { mark(c) } else { c.clone() }).collect()
            })
            .collect()
    }

    fn widths_of(&self, rows: &[Vec<String>]) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                if i < w.len() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
        }
        w
    }

    fn cell(&self, s: &str, i: usize, w: usize) -> String {
        let pad = w.saturating_sub(s.chars().count());
        match self.align.get(i).copied().unwrap_or(Align::Left) {
            Align::Left => format!("{s}{}", " ".repeat(pad)),
            Align::Right => format!("{}{s}", " ".repeat(pad)),
        }
    }

    fn text(&self) -> String {
        let rows = self.rows_marked(|c| format!("{c}*"));
        let w = self.widths_of(&rows);
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "{t}");
        }
        let line = |cells: &[String]| -> String {
            let parts: Vec<String> =
                w.iter().enumerate().map(|(i, &wi)| self.cell(cells.get(i).map_or("", |s| s), i, wi)).collect();
            parts.join("  ").trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&self.headers));
        let _ = writeln!(out, "{}", w.iter().map(|&n| "-".repeat(n)).collect::<Vec<_>>().join("  "));
        for r in &rows {
            let _ = writeln!(out, "{}", line(r));
        }
        out
    }

    fn markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let rows = self.rows_marked(|c| format!("**{c}**"));
        let w = self.widths_of(&rows);
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "**{}**\n", esc(t));
        }
        let row = |cells: &[String]| -> String {
            let parts: Vec<String> =
                w.iter().enumerate().map(|(i, &wi)| self.cell(&esc(cells.get(i).map_or("", |s| s)), i, wi)).collect();
            format!("| {} |", parts.join(" | "))
        };
        let _ = writeln!(out, "{}", row(&self.headers));
        let rules: Vec<String> = w
            .iter()
            .enumerate()
            .map(|(i, &n)| match self.align.get(i) {
                Some(Align::Right) => format!("{}:", "-".repeat(n.max(3) - 1)),
                _ => "-".repeat(n.max(3)),
            })
            .collect();
        let _ = writeln!(out, "| {} |", rules.join(" | "));
        for r in &rows {
            let _ = writeln!(out, "{}", row(r));
        }
        out
    }

    fn csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
        };
        let mut out = String::new();
        for r in std::iter::once(&self.headers).chain(&self.rows) {
            let _ = writeln!(out, "{}", r.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        }
        out
    }

    fn latex(&self) -> String {
        let esc = |s: &str| {
            let mut o = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                        o.push('\\');
                        o.push(c)
                    }
                    '~' => o.push_str("\\textasciitilde{}"),
                    '^' => o.push_str("\\textasciicircum{}"),
                    '\\' => o.push_str("\\textbackslash{}"),
                    _ => o.push(c),
                }
            }
            o
        };
        let spec: String = self.align.iter().map(|a| if *a == Align::Left { 'l' } else { 'r' }).collect();
        let mut out = String::new();
        let _ = writeln!(out, "\\begin{{tabular}}{{{spec}}}\n\\toprule");
        let _ =
            writeln!(out, "{} \\\\\n\\midrule", self.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" & "));
        for (i, r) in self.rows.iter().enumerate() {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(j, c)| if self.marked(i, j) { format!("\\textbf{{{}}}", esc(c)) } else { esc(c) })
                .collect();
            let _ = writeln!(out, "{} \\\\", cells.join(" & "));
        }
        let _ = writeln!(out, "\\bottomrule\n\\end{{tabular}}");
        out
    }

    fn html(&self) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let mut out = String::from("<table>\n");
        if let Some(t) = &self.title {
            let _ = writeln!(out, "<caption>{}</caption>", esc(t));
        }
        out.push_str("<thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th>{}</th>", esc(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (ri, r) in self.rows.iter().enumerate() {
            out.push_str("<tr>");
            for (i, c) in r.iter().enumerate() {
                let class = if self.align.get(i) == Some(&Align::Right) { " class=\"num\"" } else { "" };
                if self.marked(ri, i) {
                    let _ = write!(out, "<td{class}><strong>{}</strong></td>", esc(c));
                } else {
                    let _ = write!(out, "<td{class}>{}</td>", esc(c));
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["label", "n"]);
        t.push(["PER", "1617"]);
        t.push(["a|b,c", "2"]);
        t
    }

    #[test]
    fn renders() {
        let t = sample();
        assert_eq!(t.render(TableFormat::Text), "label     n\n-----  ----\nPER    1617\na|b,c     2\n");
        assert_eq!(
            t.render(TableFormat::Markdown),
            "| label |    n |\n| ----- | ---: |\n| PER   | 1617 |\n| a\\|b,c |    2 |\n"
        );
        assert_eq!(t.render(TableFormat::Csv), "label,n\nPER,1617\n\"a|b,c\",2\n");
        assert!(t.render(TableFormat::Latex).contains("\\toprule\nlabel & n \\\\\n\\midrule"));
        assert!(t.render(TableFormat::Html).contains("<td class=\"num\">1617</td>"));
    }

    #[test]
    fn emphasis() {
        let mut t = sample();
        t.emphasize(0, 1);
        assert!(t.render(TableFormat::Text).contains("PER    1617*"));
        assert!(t.render(TableFormat::Markdown).contains("| PER   | **1617** |"));
        assert!(t.render(TableFormat::Latex).contains("PER & \\textbf{1617} \\\\"));
        assert!(t.render(TableFormat::Html).contains("<td class=\"num\"><strong>1617</strong></td>"));
        assert_eq!(t.render(TableFormat::Csv), "label,n\nPER,1617\n\"a|b,c\",2\n");
    }
}

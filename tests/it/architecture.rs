//! The architecture, checked: reads every `src/**/*.rs`, finds what each file imports from
//! the crate (`use crate::…`, `use super::…`, `use ieval::…` in the binary, and inline paths
//! such as `crate::x::f(…)`), and fails on
//!
//! - an import cycle between files, and
//! - a module importing a module above it in [`LAYERS`].
//!
//! A name reached through a re-export (`pub use`) counts as an import of the file that
//! defines it, so `use crate::score::Mode` depends on `score/counts.rs`, not on the facade
//! `score/mod.rs`. A module's root file (`mod.rs`, or `x.rs` beside `x/`) reaching into its
//! own submodules (declaring, re-exporting, dispatching to them) is the module hierarchy
//! itself and is left out of the cycle check; submodules using their parent's shared types
//! is the one direction checked. `#[cfg(test)]` modules inside a file are left out: unit tests may
//! build fixtures with any layer. Comments and string literals are blanked before reading.
//!
//! This is a reader of Rust source text, not a compiler: a path written through a local
//! alias of a module (`use crate::score; score::run::f()`) is followed, a glob re-export is
//! not.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The flow, bottom to top: a module may import modules of its own tier and of the tiers
/// before it, never one after it. Files at the crate root (`lib.rs`, `main.rs`) only
/// declare modules and re-export, and are not placed.
///
/// - foundation: `error`; `hash` (FNV-1a, used by `shard` and `suite`); `names` (the
///   `name()`/`FromStr` tables of option enums); `table` (the plain table renderer and
///   `pct`); `output` (atomic file writes, imports `error` only); `model`, `text` and
///   `tags` (the data model, offsets/segmentation, tag schemes); `shard` (hash-based
///   document split, imports `hash` only).
/// - `formats`: the readers and writers.
/// - `align` and `stats`: both work on records read by `formats` (label alignment; corpus
///   statistics), and neither imports the other.
/// - `inputs`: gold + systems (+ alignment) -> paired documents.
/// - `score`: scoring paired documents (entities, events, relations, linking).
/// - `coref`: coreference clusters and their metrics (uses `score`'s bipartite matching).
/// - `report` (HTML report, breakdowns: reads score results and corpus stats) and `suite`
///   (suite runs and the results store): peers on top of `score`.
/// - `analysis`: reads the results store (`suite::store`) and score metrics.
/// - `schemas`: the JSON schemas of every output (score report, merge, analysis tables).
/// - `cli`: the binary; parses arguments, calls the library, prints.
const LAYERS: &[&[&str]] = &[
    &["error", "hash", "names", "table", "output", "model", "text", "tags", "shard"],
    &["formats"],
    &["align", "stats"],
    &["inputs"],
    &["score"],
    &["coref"],
    &["report", "suite"],
    &["analysis"],
    &["schemas"],
    &["cli"],
];

#[test]
fn no_cycles_and_no_upward_imports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let crate_ = Crate::read(&src);
    let edges = crate_.edges();
    assert!(edges.len() > 100, "the reader found only {} imports: it is broken", edges.len());
    let mut problems = layer_violations(&crate_, &edges);
    problems.extend(cycles(&crate_, &edges));
    assert!(problems.is_empty(), "{} architecture violations:\n{}", problems.len(), problems.join("\n"));
}

/// The reader itself, on small sources: a cycle and an upward import are both found, with
/// file and line.
#[test]
fn the_checker_finds_cycles_and_upward_imports() {
    let files = [
        ("lib.rs", "pub mod score;\npub mod formats;\n"),
        ("score/mod.rs", "pub mod a;\npub mod b;\npub use a::A;\n"),
        ("score/a.rs", "use super::b::B; // crate::formats::Nope in a comment\npub struct A;\n"),
        ("score/b.rs", "pub struct B;\nfn f() { let _ = \"crate::formats::X\"; super::a::A; }\n"),
        ("formats/mod.rs", "use crate::score::A;\n#[cfg(test)]\nmod tests {\n    use crate::score::b::B;\n}\n"),
    ];
    let crate_ = Crate::from_sources(files.iter().map(|(p, s)| (PathBuf::from(p), s.to_string())).collect());
    let edges = crate_.edges();
    let layers = layer_violations(&crate_, &edges);
    assert_eq!(layers.len(), 1, "{layers:?}");
    assert!(layers[0].starts_with("src/formats/mod.rs:1: formats imports score"), "{layers:?}");
    let cyc = cycles(&crate_, &edges);
    assert_eq!(cyc.len(), 1, "{cyc:?}");
    assert!(cyc[0].contains("src/score/a.rs:1 -> src/score/b.rs"), "{cyc:?}");
    assert!(cyc[0].contains("src/score/b.rs:2 -> src/score/a.rs"), "{cyc:?}");
}

/// One import: `from` line `line` names something defined in `to`.
#[derive(Debug, Clone)]
struct Edge {
    from: usize,
    to: usize,
    line: usize,
    path: String,
    /// A module's root file reaching into its own submodules (declaring, re-exporting,
    /// dispatching to them): the module hierarchy itself, left out of the cycle check.
    facade: bool,
}

struct File {
    rel: PathBuf,
    /// Module path: `score/run.rs` is `["score", "run"]`, `score/mod.rs` is `["score"]`.
    module: Vec<String>,
    /// The source with comments, literals and `#[cfg(test)]` modules blanked.
    code: String,
    uses: Vec<Use>,
}

#[derive(Debug, Clone)]
struct Use {
    path: Vec<String>,
    /// The name it brings into scope (`as` or the last segment).
    name: String,
    line: usize,
    public: bool,
}

struct Crate {
    files: Vec<File>,
    by_module: HashMap<Vec<String>, usize>,
}

impl Crate {
    fn read(src: &Path) -> Crate {
        let mut sources = Vec::new();
        collect(src, src, &mut sources);
        assert!(!sources.is_empty(), "no sources under {}", src.display());
        Crate::from_sources(sources)
    }

    fn from_sources(sources: Vec<(PathBuf, String)>) -> Crate {
        let mut files = Vec::new();
        let mut by_module = HashMap::new();
        for (rel, text) in sources {
            let mut module: Vec<String> =
                rel.with_extension("").iter().map(|c| c.to_string_lossy().into_owned()).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let code = strip_test_modules(&blank_comments_and_literals(&text));
            let uses = parse_uses(&code);
            // `lib.rs` and `main.rs` share the root path; the binary's modules (`cli`) and
            // the library's never share a name, so one map serves both crates.
            if !by_module.contains_key(&module) || rel.as_path() == Path::new("lib.rs") {
                by_module.insert(module.clone(), files.len());
            }
            files.push(File { rel, module, code, uses });
        }
        Crate { files, by_module }
    }

    /// The top-level module a file belongs to (`None` for the crate roots).
    fn layer_name(&self, f: usize) -> Option<&str> {
        self.files[f].module.first().map(String::as_str)
    }

    fn is_module(&self, path: &[String]) -> bool {
        self.by_module.contains_key(path)
    }

    /// Where a path written in file `f` starts: the absolute module path of its first
    /// segment(s), and the segments after them. `None` for paths outside the crate.
    fn anchor(&self, f: usize, path: &[String], aliases: &HashMap<String, Vec<String>>) -> Option<Vec<String>> {
        let here = &self.files[f].module;
        let first = path.first()?.as_str();
        let mut abs: Vec<String>;
        let mut rest = &path[1..];
        match first {
            "crate" | "ieval" => abs = Vec::new(),
            "self" => abs = here.clone(),
            "super" => {
                abs = here[..here.len().saturating_sub(1)].to_vec();
                while rest.first().map(String::as_str) == Some("super") {
                    abs.pop();
                    rest = &rest[1..];
                }
            }
            name => {
                let mut child = here.clone();
                child.push(name.to_string());
                if self.is_module(&child) {
                    abs = child;
                } else if let Some(m) = aliases.get(name) {
                    abs = m.clone();
                } else {
                    return None;
                }
            }
        }
        abs.extend(rest.iter().filter(|s| s.as_str() != "self").cloned());
        Some(abs)
    }

    /// The file that defines what an absolute path names, following re-exports.
    fn resolve(&self, abs: &[String], depth: usize) -> Option<usize> {
        let cut = (0..=abs.len()).rev().find(|&i| self.is_module(&abs[..i]))?;
        let file = self.by_module[&abs[..cut]];
        let rest = &abs[cut..];
        if depth < 8
            && let Some(item) = rest.first()
            && let Some(u) = self.files[file].uses.iter().find(|u| u.public && &u.name == item)
            && let Some(mut target) = self.anchor(file, &u.path, &HashMap::new())
        {
            target.extend(rest[1..].iter().cloned());
            if let Some(t) = self.resolve(&target, depth + 1) {
                return Some(t);
            }
        }
        Some(file)
    }

    fn edges(&self) -> Vec<Edge> {
        let mut edges = Vec::new();
        for f in 0..self.files.len() {
            let file = &self.files[f];
            // Local names of whole modules (`use super::event::{self, …}`, `use crate::score;`).
            let mut aliases = HashMap::new();
            for u in &file.uses {
                if let Some(abs) = self.anchor(f, &u.path, &HashMap::new())
                    && self.is_module(&abs)
                {
                    aliases.insert(u.name.clone(), abs);
                }
            }
            let mut push = |path: &[String], line: usize| {
                let Some(abs) = self.anchor(f, path, &aliases) else { return };
                let Some(to) = self.resolve(&abs, 0) else { return };
                if to != f {
                    let facade = self.files[to].module.starts_with(&file.module);
                    edges.push(Edge { from: f, to, line, path: path.join("::"), facade });
                }
            };
            for u in &file.uses {
                push(&u.path, u.line);
            }
            for (line, path) in inline_paths(&file.code) {
                push(&path, line);
            }
        }
        edges
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read src").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            out.push((p.strip_prefix(root).expect("under src").to_path_buf(), text));
        }
    }
}

fn tier(name: &str) -> Option<usize> {
    LAYERS.iter().position(|t| t.contains(&name))
}

fn layer_violations(c: &Crate, edges: &[Edge]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for e in edges {
        let (Some(a), Some(b)) = (c.layer_name(e.from), c.layer_name(e.to)) else { continue };
        if a == b {
            continue;
        }
        let from = &c.files[e.from].rel;
        let (Some(ta), Some(tb)) = (tier(a), tier(b)) else {
            let missing = if tier(a).is_none() { a } else { b };
            out.insert(format!("src/{}:{}: module `{missing}` has no place in LAYERS", from.display(), e.line));
            continue;
        };
        if tb > ta {
            out.insert(format!(
                "src/{}:{}: {a} imports {b} (`{}`, defined in src/{}), but {b} is above {a}",
                from.display(),
                e.line,
                e.path,
                c.files[e.to].rel.display()
            ));
        }
    }
    out.into_iter().collect()
}

/// Strongly connected components of the file graph (a module's root file reaching into its
/// own submodules left out), each
/// reported with the imports that close it.
fn cycles(c: &Crate, edges: &[Edge]) -> Vec<String> {
    let n = c.files.len();
    let mut adj: Vec<BTreeMap<usize, &Edge>> = vec![BTreeMap::new(); n];
    for e in edges.iter().filter(|e| !e.facade) {
        adj[e.from].entry(e.to).or_insert(e);
    }
    let comps = tarjan(n, &adj);
    let mut out = Vec::new();
    for comp in comps.into_iter().filter(|c| c.len() > 1) {
        let set: BTreeSet<usize> = comp.iter().copied().collect();
        let mut lines = Vec::new();
        for &f in &set {
            for (&t, e) in &adj[f] {
                if set.contains(&t) {
                    lines.push(format!(
                        "    src/{}:{} -> src/{} (`{}`)",
                        c.files[f].rel.display(),
                        e.line,
                        c.files[t].rel.display(),
                        e.path
                    ));
                }
            }
        }
        let names: Vec<String> = set.iter().map(|&f| format!("src/{}", c.files[f].rel.display())).collect();
        out.push(format!("import cycle between {}:\n{}", names.join(", "), lines.join("\n")));
    }
    out
}

fn tarjan(n: usize, adj: &[BTreeMap<usize, &Edge>]) -> Vec<Vec<usize>> {
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        comps: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[BTreeMap<usize, &Edge>], s: &mut State) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in adj[v].keys() {
            match s.index[w] {
                None => {
                    visit(w, adj, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.comps.push(comp);
        }
    }
    let mut s = State {
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        comps: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(v, adj, &mut s);
        }
    }
    s.comps
}

/// The source with comments and the contents of string, byte-string and char literals
/// replaced by spaces (newlines kept, so line numbers hold).
fn blank_comments_and_literals(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && !prev_is_ident(&b, i)
            && raw_string_start(&b, i + usize::from(c == 'b') + 1).is_some()
        {
            let start = i + usize::from(c == 'b') + 1;
            let hashes = raw_string_start(&b, start).expect("checked");
            let body = start + hashes + 1;
            out.extend(b[i..body].iter());
            i = body;
            while i < b.len() && !(b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#'))) {
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            if i < b.len() {
                out.push('"');
                i += 1;
            }
        } else if c == '\'' && !prev_is_ident(&b, i) {
            // A char literal ('x', '\n', '\u{7f}') or a lifetime ('a).
            let len = if next == Some('\\') {
                (i + 2..b.len()).find(|&j| b[j] == '\'').map(|j| j - i + 1)
            } else if b.get(i + 2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(len) => {
                    out.push_str("' '");
                    out.extend(std::iter::repeat_n(' ', len - 3));
                    i += len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// At `b[i]`: `#`* then `"` (a raw string's opening after the `r`): the number of `#`.
fn raw_string_start(b: &[char], i: usize) -> Option<usize> {
    let hashes = b[i.min(b.len())..].iter().take_while(|&&c| c == '#').count();
    (b.get(i + hashes) == Some(&'"')).then_some(hashes)
}

/// Blanks every `#[cfg(test)] mod name { … }` (braces are reliable once comments and
/// literals are blank).
fn strip_test_modules(code: &str) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let mut from = 0;
    while let Some(at) = find(&out, "#[cfg(test)]", from) {
        from = at + 1;
        let mut j = at + "#[cfg(test)]".len();
        while j < out.len() && out[j].is_whitespace() {
            j += 1;
        }
        let rest: String = out[j..(j + 8).min(out.len())].iter().collect();
        if !(rest.starts_with("mod ") || rest.starts_with("pub mod ")) {
            continue;
        }
        let Some(open) = (j..out.len()).find(|&k| out[k] == '{' || out[k] == ';') else { break };
        if out[open] == ';' {
            continue;
        }
        let mut depth = 0;
        let mut end = open;
        for (k, &ch) in out.iter().enumerate().skip(open) {
            depth += i32::from(ch == '{') - i32::from(ch == '}');
            if depth == 0 {
                end = k;
                break;
            }
        }
        for ch in &mut out[at..=end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
    }
    out.into_iter().collect()
}

fn find(hay: &[char], needle: &str, from: usize) -> Option<usize> {
    let n: Vec<char> = needle.chars().collect();
    (from..hay.len().saturating_sub(n.len() - 1)).find(|&i| hay[i..i + n.len()] == n[..])
}

/// Tokens: identifiers, `::`, and single punctuation characters; with their line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push((b[start..i].iter().collect(), line));
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((c.to_string(), line));
            i += 1;
        }
    }
    out
}

/// Every `use` item: its expanded paths.
fn parse_uses(code: &str) -> Vec<Use> {
    let toks = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].0 != "use" {
            i += 1;
            continue;
        }
        let line = toks[i].1;
        let public = i > 0 && (toks[i - 1].0 == "pub" || (toks[i - 1].0 == ")" && i >= 4 && toks[i - 4].0 == "pub"));
        let end = (i..toks.len()).find(|&j| toks[j].0 == ";").unwrap_or(toks.len());
        let body: Vec<&str> = toks[i + 1..end].iter().map(|t| t.0.as_str()).collect();
        let mut pos = 0;
        expand(&body, &mut pos, &[], &mut |path, name| {
            out.push(Use { path, name, line, public });
        });
        i = end;
    }
    out
}

/// Expands one use tree at `toks[*pos]` with `prefix` into (path, local name) pairs.
fn expand(toks: &[&str], pos: &mut usize, prefix: &[String], emit: &mut dyn FnMut(Vec<String>, String)) {
    let mut path = prefix.to_vec();
    while *pos < toks.len() {
        match toks[*pos] {
            "{" => {
                *pos += 1;
                while *pos < toks.len() && toks[*pos] != "}" {
                    expand(toks, pos, &path, emit);
                    if *pos < toks.len() && toks[*pos] == "," {
                        *pos += 1;
                    }
                }
                *pos += 1;
                return;
            }
            "::" => *pos += 1,
            "*" => {
                *pos += 1;
                return;
            }
            "," | "}" => break,
            "as" => {
                let name = toks.get(*pos + 1).map_or(String::new(), |s| s.to_string());
                *pos += 2;
                emit(path, name);
                return;
            }
            seg => {
                path.push(seg.to_string());
                *pos += 1;
            }
        }
    }
    let name = match path.last().map(String::as_str) {
        Some("self") => path.get(path.len().wrapping_sub(2)).cloned().unwrap_or_default(),
        other => other.unwrap_or_default().to_string(),
    };
    if !path.is_empty() {
        emit(path, name);
    }
}

/// Paths written inline (outside `use` items): `a::b::c` runs of identifiers, with the line
/// of their first segment. Which of them are the crate's is decided when they are resolved.
fn inline_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let toks = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].0 == "use" {
            i = (i..toks.len()).find(|&j| toks[j].0 == ";").unwrap_or(toks.len());
            continue;
        }
        let is_ident = |t: &str| t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
        let after_sep = i > 0 && toks[i - 1].0 == "::";
        if is_ident(&toks[i].0) && !after_sep && toks.get(i + 1).is_some_and(|t| t.0 == "::") {
            let line = toks[i].1;
            let mut path = vec![toks[i].0.clone()];
            let mut j = i + 1;
            while j + 1 < toks.len() && toks[j].0 == "::" && is_ident(&toks[j + 1].0) {
                path.push(toks[j + 1].0.clone());
                j += 2;
            }
            out.push((line, path));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

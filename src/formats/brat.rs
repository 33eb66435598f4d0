//! BRAT standoff: documents as `X.txt` (the text) + `X.ann` (the annotations) pairs.
//!
//! **Input.** A directory, searched recursively (hidden entries skipped, sorted by path), or
//! single `.ann` files. The document id is the `.ann` path relative to the input directory,
//! without extension and with `/` separators (`train/003`); a single file gives its stem.
//! When the first component of that path is `train`, `dev` or `test`, it becomes the
//! document's `meta.split` (NEREL's layout). A `.ann` without its `.txt` is an error; a
//! `.txt` without `.ann` is not a document of the corpus and is noted in the diagnostics.
//!
//! **Offsets.** BRAT counts Unicode code points (Python `str` indices) into the `.txt` file
//! exactly as it is on disk: a CR of a CRLF line ending is a character, and so is a leading
//! byte order mark (brat reads the file with Python's `utf-8` codec, which keeps U+FEFF).
//! The text is therefore kept byte-exact — CRs and a BOM stay in `Document::text`, which
//! keeps every offset valid for anyone slicing the text in Python — and both are noted in
//! the diagnostics. Each `start end` pair is converted to a byte span through the
//! document's [`OffsetIndex`] (`--offsets byte|utf16` reads files written by tools that
//! count otherwise); an offset past the end of the text or inside a character is an error
//! naming the `.ann` file and line.
//!
//! **Lines** (tab-separated `ID\tDATA[\tTEXT]`):
//! - `T` text-bound: `T1\tLABEL s e[;s e...]\ttext`. A discontinuous annotation becomes a
//!   [`Mention`] whose `span` is the full extent and whose `fragments` are the pieces
//!   (sorted). The text field must equal the covered text, pieces joined by one space; a
//!   difference is counted (the offsets are trusted, the `.ann` text is kept in attribute
//!   `brat:text`), an error under `--strict`.
//! - `E` events: `E1\tTYPE:T3 ROLE:T4 ROLE2:E2`. The trigger `T` line becomes the event's
//!   [`Trigger`] and is **not** also an entity (the number of such `T` lines is noted as
//!   `brat-trigger-lines`, so entities + trigger lines = `T` lines). An argument that is a
//!   `T` entity gets its id and span; an argument that is an event gets `entity_id` = the
//!   event id and the span of that event's trigger. Roles are kept as written (`Theme2`).
//!   When the trigger's label differs from the event type it is kept in attribute
//!   `trigger_label`. An event or relation argument that names a trigger `T` line keeps
//!   that id (and, for an event argument, the trigger's span) and is noted
//!   (`brat-reference-to-trigger`): it names no mention.
//! - `R` relations (`R1\tLABEL Arg1:T1 Arg2:T2`, with or without a trailing tab) become
//!   [`Relation`]s with their argument ids.
//! - `*` equivalences (`*\tEquiv T1 T2`) set `cluster` on the member mentions (merged when
//!   they chain; the cluster id is the first member id seen); a type other than `Equiv` is
//!   kept in attribute `equiv`. Events in an equivalence get attribute `cluster`.
//! - `A`/`M` attributes go into `attrs` of their target (entity, event or relation; an
//!   attribute of a trigger `T` goes to the events it triggers): key = attribute name,
//!   value = the value, or `true` for a binary attribute.
//! - `N` normalizations (`N1\tReference T1 Wikidata:Q42\tDouglas Adams`): attribute
//!   `norm:<RID>` = the entry id (`Q42`), plus `norm:<RID>:label` = the label when present
//!   and `norm:<RID>:type` when the type is not `Reference`.
//! - `#` notes: attribute `note` (`note:<TYPE>` for a type other than `AnnotatorNotes`).
//!
//! `N` and `#` lines attach to the same targets as `A` (a relation's attrs included;
//! scoring does not use them). Anything that cannot be attached (a reference to an
//! undefined id, a malformed or unknown line) is kept verbatim in the document's
//! `meta.extra` under `brat:line:<N>` and counted in the diagnostics with `file:line`; under
//! `--strict` each of these is an error naming the file and line. A duplicate id in one file
//! is always an error (brat refuses such a document too).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::lines::{self, Lines};
use super::{Diagnostics, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{Argument, DocAnnotations, Document, Event, Mention, Relation, SetMeta, Span, Trigger};
use crate::text::{OffsetIndex, OffsetUnit};

/// The two files of one document and what its path says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFiles {
    pub id: String,
    pub ann: PathBuf,
    pub txt: PathBuf,
    pub split: Option<String>,
}

/// Split names recognised as the first path component.
const SPLITS: [&str; 3] = ["train", "dev", "test"];

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e == ext)
}

/// True when `dir` holds a `.ann` file at any depth.
pub fn is_brat_dir(dir: &Path) -> bool {
    super::walk::files_under(dir, |p| has_ext(p, "ann")).is_ok_and(|(v, _)| !v.is_empty())
}

/// The documents of the inputs, in input order and, within a directory, in path order.
pub fn discover(inputs: &[PathBuf], diag: &mut Diagnostics) -> Result<Vec<DocFiles>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let (files, loops) = super::walk::files_under(input, |p| has_ext(p, "ann") || has_ext(p, "txt"))?;
            for l in &loops {
                diag.note(
                    "directory-loop",
                    "directories reached again through a symbolic link (not read twice)",
                    || l.display().to_string(),
                );
            }
            for p in files.iter().filter(|p| has_ext(p, "txt")) {
                if !p.with_extension("ann").is_file() {
                    diag.note("brat-txt-without-ann", ".txt files without a .ann (not read as documents)", || {
                        p.display().to_string()
                    });
                }
            }
            for ann in files.iter().filter(|p| has_ext(p, "ann")) {
                let rel = ann.strip_prefix(input).unwrap_or(ann).with_extension("");
                let parts: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                let split = match parts.as_slice() {
                    [first, _, ..] if SPLITS.contains(&first.as_str()) => Some(first.clone()),
                    _ => None,
                };
                out.push(pair(ann, parts.join("/"), split)?);
            }
        } else if has_ext(input, "ann") || has_ext(input, "txt") {
            let ann = input.with_extension("ann");
            let id = ann.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(pair(&ann, id, None)?);
        } else {
            return Err(Error::usage(format!("{}: BRAT input must be a directory or a .ann file", input.display())));
        }
    }
    Ok(out)
}

fn pair(ann: &Path, id: String, split: Option<String>) -> Result<DocFiles> {
    let txt = ann.with_extension("txt");
    if !ann.is_file() {
        return Err(Error::in_file(ann, "no such .ann file"));
    }
    if !txt.is_file() {
        return Err(Error::in_file(ann, format!("no matching text file {}", txt.display())));
    }
    Ok(DocFiles { id, ann: ann.to_path_buf(), txt, split })
}

/// A text-bound line as written (offsets still in the file's unit).
struct TextBound {
    id: String,
    label: String,
    offsets: Vec<(usize, usize)>,
    stored: Option<String>,
}

struct EventLine {
    id: String,
    event_type: String,
    trigger: String,
    args: Vec<(String, String)>,
}

struct RelationLine {
    id: String,
    label: String,
    args: Vec<(String, String)>,
}

struct EquivLine {
    label: String,
    members: Vec<String>,
}

/// What an `A`, `M`, `N` or `#` line attaches to its target.
enum Attachment {
    Attribute { name: String, value: Option<String> },
    Norm { kind: String, rid: String, eid: String, label: Option<String> },
    Note { kind: String, text: String },
}

struct AttachLine {
    id: String,
    target: String,
    what: Attachment,
}

enum Line {
    Text(TextBound),
    Event(EventLine),
    Relation(RelationLine),
    Equiv(EquivLine),
    Attach(AttachLine),
}

/// `ROLE:ID` (split at the last colon: types such as `Life:Die` keep theirs).
fn role_ref(s: &str) -> Result<(String, String), String> {
    match s.rsplit_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
        _ => Err(format!("expected ROLE:ID, found {s:?}")),
    }
}

fn no_tail(tail: Option<&str>) -> Result<(), String> {
    match tail {
        Some(t) if !t.trim().is_empty() => Err(format!("unexpected third field {t:?}")),
        _ => Ok(()),
    }
}

/// Parse one non-blank line; the error says why it is malformed.
fn parse_line(l: &str) -> Result<Line, String> {
    let kind = l.chars().next().unwrap_or(' ');
    if !"TERAMN#*".contains(kind) {
        return Err("not a BRAT annotation (expected an id starting with T, E, R, A, M, N, # or *)".into());
    }
    let mut parts = l.splitn(3, '\t');
    let id = parts.next().unwrap_or("");
    let Some(data) = parts.next() else {
        return Err("expected tab-separated fields: ID, annotation, text".into());
    };
    let tail = parts.next();
    if id.is_empty() || id.contains(char::is_whitespace) || (kind == '*' && id != "*") {
        return Err(format!("malformed id {id:?}"));
    }
    let words: Vec<&str> = data.split_ascii_whitespace().collect();
    let id = id.to_string();
    match kind {
        'T' => {
            let (label, offs) = data.split_once(' ').ok_or("expected LABEL START END")?;
            let mut offsets = Vec::new();
            for frag in offs.split(';') {
                let nums: Vec<&str> = frag.split_ascii_whitespace().collect();
                let [s, e] = nums.as_slice() else {
                    return Err(format!("expected START END, found {frag:?}"));
                };
                let n = |x: &str| x.parse::<usize>().map_err(|_| format!("offset {x:?} is not a number"));
                offsets.push((n(s)?, n(e)?));
            }
            if label.is_empty() {
                return Err("empty label".into());
            }
            Ok(Line::Text(TextBound { id, label: label.to_string(), offsets, stored: tail.map(str::to_string) }))
        }
        'E' => {
            no_tail(tail)?;
            let (first, rest) = words.split_first().ok_or("expected TYPE:TRIGGER")?;
            let (event_type, trigger) = role_ref(first)?;
            let args = rest.iter().map(|w| role_ref(w)).collect::<Result<_, _>>()?;
            Ok(Line::Event(EventLine { id, event_type, trigger, args }))
        }
        'R' => {
            no_tail(tail)?;
            let (label, rest) = words.split_first().ok_or("expected LABEL ARG1:ID ARG2:ID")?;
            if rest.is_empty() {
                return Err("a relation needs arguments".into());
            }
            let args = rest.iter().map(|w| role_ref(w)).collect::<Result<_, _>>()?;
            Ok(Line::Relation(RelationLine { id, label: label.to_string(), args }))
        }
        '*' => {
            no_tail(tail)?;
            match words.as_slice() {
                [label, members @ ..] if members.len() >= 2 => Ok(Line::Equiv(EquivLine {
                    label: label.to_string(),
                    members: members.iter().map(|m| m.to_string()).collect(),
                })),
                _ => Err("expected TYPE ID ID ...".into()),
            }
        }
        'A' | 'M' => {
            no_tail(tail)?;
            let (name, target, value) = match words.as_slice() {
                [n, t] => (n, t, None),
                [n, t, v] => (n, t, Some(v.to_string())),
                _ => return Err("expected NAME TARGET [VALUE]".into()),
            };
            let what = Attachment::Attribute { name: name.to_string(), value };
            Ok(Line::Attach(AttachLine { id, target: target.to_string(), what }))
        }
        'N' => {
            let [kind, target, reference] = words.as_slice() else {
                return Err("expected TYPE TARGET RID:EID".into());
            };
            let (rid, eid) = match reference.split_once(':') {
                Some((r, e)) if !r.is_empty() && !e.is_empty() => (r, e),
                _ => return Err(format!("expected a reference RID:EID, found {reference:?}")),
            };
            let what = Attachment::Norm {
                kind: kind.to_string(),
                rid: rid.to_string(),
                eid: eid.to_string(),
                label: tail.filter(|t| !t.is_empty()).map(str::to_string),
            };
            Ok(Line::Attach(AttachLine { id, target: target.to_string(), what }))
        }
        _ => {
            let [kind, target] = words.as_slice() else {
                return Err("expected TYPE TARGET".into());
            };
            let what = Attachment::Note { kind: kind.to_string(), text: tail.unwrap_or("").to_string() };
            Ok(Line::Attach(AttachLine { id, target: target.to_string(), what }))
        }
    }
}

/// The lines of one `.ann` file, each with its line number and raw text.
#[derive(Default)]
struct AnnFile {
    texts: Vec<(u64, TextBound)>,
    events: Vec<(u64, EventLine)>,
    relations: Vec<(u64, RelationLine)>,
    equivs: Vec<(u64, EquivLine)>,
    attaches: Vec<(u64, AttachLine)>,
    /// Lines that did not parse (kept raw in the document meta).
    malformed: Vec<u64>,
    raw: HashMap<u64, String>,
}

/// What an id refers to after resolution.
#[derive(Clone, Copy)]
enum Target {
    Entity(usize),
    /// A `T` line used as a trigger: its index among the T lines and the first event it
    /// triggers.
    Trigger {
        t: usize,
        first_event: usize,
    },
    Event(usize),
    /// An `R` line: its index among the relations.
    Relation(usize),
}

/// Reads BRAT standoff documents, one per `.ann` file.
pub struct BratSource {
    docs: Vec<DocFiles>,
    next: usize,
    unit: OffsetUnit,
    strict: bool,
}

impl BratSource {
    /// Find the documents of `inputs` (directories or `.ann` files).
    pub fn open(inputs: &[PathBuf], set: SetMeta, unit: OffsetUnit, strict: bool) -> Result<Reader<Self>> {
        let mut diag = Diagnostics::default();
        let docs = discover(inputs, &mut diag)?;
        if docs.is_empty() {
            let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            return Err(Error::data(names.join(", "), "no .ann files found"));
        }
        Ok(Reader::new(BratSource { docs, next: 0, unit, strict }, vec![set]).with_diagnostics(diag))
    }

    /// The documents this source will read, in order.
    pub fn documents(&self) -> &[DocFiles] {
        &self.docs
    }

    fn read_doc(&self, f: &DocFiles, diag: &mut Diagnostics) -> Result<Record> {
        let text = lines::read_text_raw(&f.txt)?;
        if text.starts_with('\u{feff}') {
            diag.note(
                "brat-bom-kept",
                "text starts with a byte order mark: kept as character 0, as BRAT counts it in offsets",
                || f.txt.display().to_string(),
            );
        }
        if text.contains('\r') {
            diag.note("brat-cr-kept", "text has CR characters: kept, as BRAT counts them in offsets", || {
                f.txt.display().to_string()
            });
        }
        let mut doc = Document::new(f.id.clone(), text);
        doc.meta.split = f.split.clone();
        let file = self.read_ann(&f.ann, diag)?;
        let ix = OffsetIndex::new(&doc.text);
        let mut r = Resolver {
            path: &f.ann,
            text: &doc.text,
            strict: self.strict,
            diag,
            extra: &mut doc.meta.extra,
            raw: &file.raw,
        };
        let ann = r.resolve(&file, &ix, self.unit, &f.id)?;
        Ok(Record { document: doc, sets: vec![ann], origin: f.ann.display().to_string() })
    }

    fn read_ann(&self, path: &Path, diag: &mut Diagnostics) -> Result<AnnFile> {
        let mut lines = Lines::new(lines::open(path)?, path);
        let mut file = AnnFile::default();
        let mut ids: HashMap<String, u64> = HashMap::new();
        loop {
            let n = lines.line_number() + 1;
            let Some(l) = lines.next_line(diag)? else { break };
            if l.trim().is_empty() {
                continue;
            }
            let parsed = match parse_line(l) {
                Ok(p) => p,
                Err(reason) => {
                    let loc = Location::line(path, n);
                    let raw = l.to_string();
                    diag.problem(
                        self.strict,
                        "brat-malformed-line",
                        "malformed or unknown .ann line (kept in document meta as brat:line:N)",
                        &loc,
                        || format!("{reason}: {:?}", truncate(&raw, 60)),
                    )?;
                    file.raw.insert(n, raw);
                    file.malformed.push(n);
                    continue;
                }
            };
            let id = match &parsed {
                Line::Text(t) => Some(&t.id),
                Line::Event(e) => Some(&e.id),
                Line::Relation(r) => Some(&r.id),
                Line::Attach(a) => Some(&a.id),
                Line::Equiv(_) => None,
            };
            if let Some(id) = id
                && let Some(first) = ids.insert(id.clone(), n)
            {
                return Err(Error::at_line(path, n, format!("duplicate id {id} (first on line {first})")));
            }
            file.raw.insert(n, l.to_string());
            match parsed {
                Line::Text(t) => file.texts.push((n, t)),
                Line::Event(e) => file.events.push((n, e)),
                Line::Relation(r) => file.relations.push((n, r)),
                Line::Equiv(q) => file.equivs.push((n, q)),
                Line::Attach(a) => file.attaches.push((n, a)),
            }
        }
        lines.report_crlf(diag);
        Ok(file)
    }
}

/// The text a text-bound line's offsets cover in `text` (pieces joined by a space), if they
/// fit.
fn covered_text(text: &str, ix: &OffsetIndex, unit: OffsetUnit, offsets: &[(usize, usize)]) -> Option<String> {
    let mut pieces = Vec::with_capacity(offsets.len());
    for &(s, e) in offsets {
        pieces.push(units::span_to_bytes(ix, unit, s, e).ok()?.slice(text)?);
    }
    Some(pieces.join(" "))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// Turns the lines of one `.ann` file into annotations.
struct Resolver<'a> {
    path: &'a Path,
    text: &'a str,
    strict: bool,
    diag: &'a mut Diagnostics,
    extra: &'a mut BTreeMap<String, String>,
    raw: &'a HashMap<u64, String>,
}

impl Resolver<'_> {
    fn loc(&self, line: u64) -> Location {
        Location::line(self.path, line)
    }

    /// A reference that resolves to nothing: counted (or refused) and the line kept raw.
    fn unresolved(&mut self, line: u64, detail: String) -> Result<()> {
        let loc = self.loc(line);
        self.diag.problem(
            self.strict,
            "brat-unknown-reference",
            "reference to an id not defined in the file (line kept in document meta as brat:line:N)",
            &loc,
            || detail,
        )?;
        self.keep_raw(line);
        Ok(())
    }

    /// An argument naming a trigger `T` line: kept with that id, which names no mention.
    fn names_trigger(&mut self, line: u64) {
        let loc = self.loc(line);
        self.diag.note(
            "brat-reference-to-trigger",
            "arguments naming a trigger T line (kept with the T id; triggers are not entities)",
            || loc.to_string(),
        );
    }

    fn keep_raw(&mut self, line: u64) {
        if let Some(r) = self.raw.get(&line) {
            self.extra.insert(format!("brat:line:{line}"), r.clone());
        }
    }

    fn resolve(&mut self, file: &AnnFile, ix: &OffsetIndex, unit: OffsetUnit, doc_id: &str) -> Result<DocAnnotations> {
        let mut ann = DocAnnotations::new(doc_id);
        for &n in &file.malformed {
            self.keep_raw(n);
        }

        // Text-bound lines: offsets to bytes, text field checked.
        let mut spans: Vec<(Span, Vec<Span>)> = Vec::with_capacity(file.texts.len());
        let mut differs: Vec<bool> = Vec::with_capacity(file.texts.len());
        let mut t_index: HashMap<&str, usize> = HashMap::new();
        // The text with CRLF read as LF, built on the first mismatch in a text with CRs.
        let mut lf_view: Option<(String, OffsetIndex)> = None;
        for (k, (line, t)) in file.texts.iter().enumerate() {
            let mut frags = Vec::with_capacity(t.offsets.len());
            for &(s, e) in &t.offsets {
                let sp = units::span_to_bytes(ix, unit, s, e)
                    .map_err(|why| Error::at_line(self.path, *line, format!("{} [{s}, {e}): {why}", t.id)))?;
                frags.push(sp);
            }
            let covered: Vec<&str> = frags.iter().map(|s| s.slice(self.text).unwrap_or("")).collect();
            let joined = covered.join(" ");
            let loc = self.loc(*line);
            if let Some(s) = &t.stored
                && *s != joined
                && self.text.contains('\r')
            {
                let (lf, lix) = lf_view.get_or_insert_with(|| {
                    let lf = self.text.replace("\r\n", "\n");
                    let ix = OffsetIndex::new(&lf);
                    (lf, ix)
                });
                if covered_text(lf, lix, unit, &t.offsets).as_deref() == Some(s.as_str()) {
                    // Every span after the first line break is shifted: keeping the offsets
                    // would keep wrong mentions, so this is never a repair.
                    return Err(Error::at_line(
                        self.path,
                        *line,
                        format!(
                            "{}: the offsets count the text with LF line endings, but the .txt has CRLF line \
                             endings (the .ann says {s:?}, the .txt has {joined:?} there); expected offsets into \
                             the .txt as it is on disk, CR included: convert the .txt to LF line endings",
                            t.id
                        ),
                    ));
                }
            }
            match &t.stored {
                None => self.diag.problem(
                    self.strict,
                    "brat-missing-text",
                    "text-bound line without its text field",
                    &loc,
                    || format!("{} has no third field", t.id),
                )?,
                Some(s) if *s != joined => self.diag.problem(
                    self.strict,
                    "brat-text-mismatch",
                    "the .ann text differs from the document text at its offsets (offsets kept, .ann text in attribute brat:text)",
                    &loc,
                    || format!("{}: the .ann says {:?}, the text has {:?}", t.id, s, joined),
                )?,
                Some(_) => {}
            }
            differs.push(t.stored.as_ref().is_some_and(|s| *s != joined));
            // The parser guarantees at least one piece.
            let full = frags.iter().copied().reduce(|a, b| a.cover(&b)).unwrap_or_default();
            if frags.len() > 1 {
                frags.sort();
            } else {
                frags.clear();
            }
            spans.push((full, frags));
            t_index.insert(&t.id, k);
        }

        // Triggers: the T lines named by E lines.
        let mut first_event_of: HashMap<usize, usize> = HashMap::new();
        // Per E line: the T line of its trigger, or None when it has none.
        let mut event_ok: Vec<Option<usize>> = Vec::with_capacity(file.events.len());
        // Per event kept: the T line of its trigger.
        let mut trigger_of: Vec<usize> = Vec::new();
        for (line, e) in &file.events {
            match t_index.get(e.trigger.as_str()) {
                Some(&ti) => {
                    first_event_of.entry(ti).or_insert(trigger_of.len());
                    event_ok.push(Some(ti));
                    trigger_of.push(ti);
                }
                None => {
                    event_ok.push(None);
                    self.unresolved(
                        *line,
                        format!("event {} trigger {} is not a T line of this file", e.id, e.trigger),
                    )?;
                }
            }
        }
        let loc = self.path.display().to_string();
        self.diag.note_n(
            "brat-trigger-lines",
            "T lines that are event triggers (not entities)",
            first_event_of.len() as u64,
            || loc,
        );

        let mut targets: HashMap<&str, Target> = HashMap::new();
        for (k, (_, t)) in file.texts.iter().enumerate() {
            match first_event_of.get(&k) {
                Some(&ev) => {
                    targets.insert(&t.id, Target::Trigger { t: k, first_event: ev });
                }
                None => {
                    let (span, fragments) = spans[k].clone();
                    let mut m = Mention { fragments, ..Mention::new(t.id.clone(), span, t.label.clone()) };
                    if let (true, Some(s)) = (differs[k], &t.stored) {
                        m.attrs.push(("brat:text".into(), s.clone()));
                    }
                    targets.insert(&t.id, Target::Entity(ann.entities.len()));
                    ann.entities.push(m);
                }
            }
        }
        for ((_, e), ok) in file.events.iter().zip(&event_ok) {
            let Some(ti) = *ok else { continue };
            let (span, fragments) = spans[ti].clone();
            let mut ev = Event {
                id: e.id.clone(),
                event_type: e.event_type.clone(),
                trigger: Trigger { span, fragments, head: None },
                ..Default::default()
            };
            let t = &file.texts[ti].1;
            if t.label != e.event_type {
                ev.attrs.push(("trigger_label".into(), t.label.clone()));
            }
            if let (true, Some(s)) = (differs[ti], &t.stored) {
                ev.attrs.push(("brat:text".into(), s.clone()));
            }
            targets.insert(&e.id, Target::Event(ann.events.len()));
            ann.events.push(ev);
        }
        for (k, (_, r)) in file.relations.iter().enumerate() {
            targets.insert(&r.id, Target::Relation(ann.relations.len() + k));
        }

        // Event arguments (after every event exists: arguments may name later events).
        let mut k = 0;
        for ((line, e), ok) in file.events.iter().zip(&event_ok) {
            if ok.is_none() {
                continue;
            }
            let mut args = Vec::with_capacity(e.args.len());
            for (role, r) in &e.args {
                let span = match targets.get(r.as_str()) {
                    Some(Target::Entity(i)) => ann.entities[*i].span,
                    Some(Target::Event(i)) => ann.events[*i].trigger.span,
                    Some(Target::Trigger { first_event, .. }) => {
                        self.names_trigger(*line);
                        ann.events[*first_event].trigger.span
                    }
                    Some(Target::Relation(_)) | None => {
                        self.unresolved(*line, format!("event {} argument {role}:{r} names no entity or event", e.id))?;
                        continue;
                    }
                };
                args.push(Argument { role: role.clone(), entity_id: Some(r.clone()), span, head: None });
            }
            ann.events[k].arguments = args;
            k += 1;
        }

        for (line, r) in &file.relations {
            for (role, id) in &r.args {
                match targets.get(id.as_str()) {
                    Some(Target::Entity(_) | Target::Event(_)) => {}
                    Some(Target::Trigger { .. }) => self.names_trigger(*line),
                    Some(Target::Relation(_)) | None => self.unresolved(
                        *line,
                        format!("relation {} argument {role}:{id} names no entity or event", r.id),
                    )?,
                }
            }
            ann.relations.push(Relation {
                id: r.id.clone(),
                label: r.label.clone(),
                args: r.args.clone(),
                attrs: Vec::new(),
            });
        }

        self.equivalences(file, &targets, &trigger_of, &mut ann)?;

        for (line, a) in &file.attaches {
            let kv = match &a.what {
                Attachment::Attribute { name, value } => {
                    vec![(name.clone(), value.clone().unwrap_or_else(|| "true".into()))]
                }
                Attachment::Norm { kind, rid, eid, label } => {
                    if label.as_deref().is_some_and(|l| l.contains('\t')) {
                        let loc = self.loc(*line);
                        self.diag.problem(
                            self.strict,
                            "brat-tab-in-field",
                            "a tab inside the last field (two lines run together?)",
                            &loc,
                            || format!("{} label {:?}", a.id, truncate(label.as_deref().unwrap_or(""), 60)),
                        )?;
                    }
                    let mut v = vec![(format!("norm:{rid}"), eid.clone())];
                    if let Some(l) = label {
                        v.push((format!("norm:{rid}:label"), l.clone()));
                    }
                    if kind != "Reference" {
                        v.push((format!("norm:{rid}:type"), kind.clone()));
                    }
                    v
                }
                Attachment::Note { kind, text } => {
                    let key = if kind == "AnnotatorNotes" { "note".to_string() } else { format!("note:{kind}") };
                    vec![(key, text.clone())]
                }
            };
            match targets.get(a.target.as_str()) {
                Some(Target::Entity(i)) => ann.entities[*i].attrs.extend(kv),
                Some(Target::Event(i)) => ann.events[*i].attrs.extend(kv),
                Some(Target::Trigger { t, .. }) => {
                    for (ev, _) in ann.events.iter_mut().zip(&trigger_of).filter(|(_, ti)| *ti == t) {
                        ev.attrs.extend(kv.iter().cloned());
                    }
                }
                Some(Target::Relation(i)) => ann.relations[*i].attrs.extend(kv),
                None => self.unresolved(*line, format!("{} names {:?}, not defined in this file", a.id, a.target))?,
            }
        }
        Ok(ann)
    }

    /// `*` lines: union the members; the cluster id is the first member id seen.
    fn equivalences(
        &mut self,
        file: &AnnFile,
        targets: &HashMap<&str, Target>,
        trigger_of: &[usize],
        ann: &mut DocAnnotations,
    ) -> Result<()> {
        let mut order: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut parent: Vec<usize> = Vec::new();
        let mut labels: Vec<Option<String>> = Vec::new();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for (line, q) in &file.equivs {
            let mut ok = Vec::new();
            for m in &q.members {
                if targets.contains_key(m.as_str()) && !matches!(targets.get(m.as_str()), Some(Target::Relation(_))) {
                    ok.push(m.as_str());
                } else {
                    self.unresolved(*line, format!("equivalence member {m} is not an entity or event"))?;
                }
            }
            for m in &ok {
                if !index.contains_key(m) {
                    index.insert(m, order.len());
                    parent.push(order.len());
                    labels.push(None);
                    order.push(m);
                }
                let i = index[m];
                if q.label != "Equiv" {
                    labels[i] = Some(q.label.clone());
                }
            }
            for w in ok.windows(2) {
                let (a, b) = (find(&mut parent, index[w[0]]), find(&mut parent, index[w[1]]));
                // The root is the member seen first, so cluster ids do not depend on merge order.
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                parent[hi] = lo;
            }
        }
        for (i, m) in order.iter().enumerate() {
            let cluster = order[find(&mut parent, i)].to_string();
            let mut kv = vec![];
            if let Some(l) = &labels[i] {
                kv.push(("equiv".to_string(), l.clone()));
            }
            match targets.get(m) {
                Some(Target::Entity(e)) => {
                    ann.entities[*e].cluster = Some(cluster);
                    ann.entities[*e].attrs.extend(kv);
                }
                Some(Target::Event(e)) => {
                    kv.push(("cluster".to_string(), cluster));
                    ann.events[*e].attrs.extend(kv);
                }
                Some(Target::Trigger { t, .. }) => {
                    kv.push(("cluster".to_string(), cluster));
                    for (ev, _) in ann.events.iter_mut().zip(trigger_of).filter(|(_, ti)| *ti == t) {
                        ev.attrs.extend(kv.iter().cloned());
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl RecordReader for BratSource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        let Some(f) = self.docs.get(self.next) else { return Ok(None) };
        self.next += 1;
        self.read_doc(f, diag).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Source;

    fn read(ann: &str, text: &str, unit: OffsetUnit, strict: bool) -> Result<(Record, Diagnostics)> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("d.txt"), text).expect("write");
        std::fs::write(dir.path().join("d.ann"), ann).expect("write");
        let mut src = BratSource::open(&[dir.path().join("d.ann")], SetMeta::gold("t"), unit, strict)?;
        let rec = src.next().expect("one document")?;
        Ok((rec, src.take_diagnostics()))
    }

    #[test]
    fn line_shapes() {
        assert!(
            matches!(parse_line("E1\tLife:Die:T3 Victim:T1"), Ok(Line::Event(e)) if e.event_type == "Life:Die" && e.trigger == "T3")
        );
        assert!(matches!(parse_line("R1\tIn Arg1:T1 Arg2:T2\t"), Ok(Line::Relation(r)) if r.args.len() == 2));
        assert!(
            matches!(parse_line("N1\tReference T1 Wikidata:Q1"), Ok(Line::Attach(a)) if matches!(&a.what, Attachment::Norm { label: None, .. }))
        );
        assert_eq!(
            parse_line("N33\tReference T76 Wikidaиция").err(),
            Some("expected a reference RID:EID, found \"Wikidaиция\"".into())
        );
        assert_eq!(parse_line("T1\tPER 0 4;x 9\tJohn").err(), Some("offset \"x\" is not a number".into()));
        assert_eq!(parse_line("E1\tAttack:T1\tstray").err(), Some("unexpected third field \"stray\"".into()));
        assert!(parse_line("*\tEquiv T1").is_err(), "an equivalence needs two members");
        assert!(parse_line("X1\tfoo").is_err());
    }

    #[test]
    fn shared_triggers_chained_clusters_and_later_events() {
        let text = "Rebels attacked and bombed the town; it fell.";
        let ann = "T1\tAttack 7 15\tattacked\nT2\tORG 0 6\tRebels\nT3\tLOC 27 35\tthe town\nT4\tLOC 37 39\tit\n\
                   T5\tFall 40 44\tfell\nE1\tAttack:T1 Attacker:T2 Target:T3 Cause:E3\nE2\tConflict:T1 Place:T3\n\
                   E3\tFall:T5 Entity:T4\n*\tEquiv T3 T4\n*\tEquiv T2 T4\nA1\tPolarity T1 Negative\n";
        let (rec, diag) = read(ann, text, OffsetUnit::Char, false).expect("reads");
        let a = &rec.sets[0];
        assert_eq!(a.entities.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["T2", "T3", "T4"]);
        assert_eq!(a.events.len(), 3);
        assert_eq!(diag.count("brat-trigger-lines"), 2, "T1 and T5; T1 triggers two events");
        assert_eq!(a.events[0].arguments[2].entity_id.as_deref(), Some("E3"));
        assert_eq!(a.events[0].arguments[2].span.slice(text), Some("fell"));
        assert_eq!(
            a.events[1].attrs,
            vec![("trigger_label".to_string(), "Attack".to_string()), ("Polarity".to_string(), "Negative".to_string())]
        );
        assert_eq!(a.events[0].attrs, vec![("Polarity".to_string(), "Negative".to_string())]);
        assert!(a.entities.iter().all(|m| m.cluster.as_deref() == Some("T3")), "merged: first member seen");
    }

    #[test]
    fn byte_offsets_and_strict() {
        let text = "Zürich und Genf";
        let (rec, _) = read("T1\tLOC 12 16\tGenf\n", text, OffsetUnit::Byte, false).expect("bytes");
        assert_eq!(rec.sets[0].entities[0].span.slice(text), Some("Genf"));
        let e = read("T1\tLOC 2 4\tri\n", text, OffsetUnit::Byte, false).expect_err("inside ü");
        assert!(e.to_string().ends_with("d.ann:1: T1 [2, 4): offset falls inside a character"), "{e}");
        let (rec, diag) = read("T1\tLOC 0 6\tZurich\n", text, OffsetUnit::Char, false).expect("tolerated");
        assert_eq!(diag.count("brat-text-mismatch"), 1);
        assert_eq!(rec.sets[0].entities[0].attrs, vec![("brat:text".to_string(), "Zurich".to_string())]);
        let e = read("T1\tLOC 0 6\tZurich\n", text, OffsetUnit::Char, true).expect_err("strict");
        assert!(e.to_string().contains("d.ann:1: the .ann text differs"), "{e}");
    }
}

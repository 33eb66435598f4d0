//! Placing string-only labels (entity strings, event frames) in a document's text.
//!
//! **Matching.** A string matches where the document's skeleton contains the string's
//! skeleton (see [`super::skeleton`]): whitespace, quotes, dashes, Unicode form and HTML
//! references are ignored, and case too with `ignore_case`. A match must respect word
//! boundaries: when the string starts (ends) with a letter or digit, the document
//! character before (after) the match must not be one, so `Xi` is not found inside
//! `Xinhua`. Occurrences do not overlap; they are taken left to right. For entities, an
//! occurrence inside an occurrence of a longer listed entity string does not count (with
//! `Xi Jinping` and `Xi` both listed, `Xi` is not placed inside `Xi Jinping`).
//!
//! **Policy** (`Locate`):
//! - `all`: every occurrence is placed. An entity listed twice with the same label is
//!   placed once (counted as merged). An event gets one copy per occurrence of its trigger,
//!   each with the argument occurrences nearest to that trigger.
//! - `first`: the k-th listing of a string (entities; event triggers) takes its k-th
//!   occurrence, so an entity listed twice lands on its first two occurrences; a listing
//!   beyond the last occurrence is unalignable. Arguments take their first occurrence.
//! - `nearest` (default): entities as `first`. An event's trigger is the occurrence with
//!   the smallest summed distance to the nearest occurrence of each of its argument
//!   strings (ties: the earliest); each argument takes its occurrence nearest to the
//!   trigger (ties: the earlier). Distance is the gap in the text between two spans.
//!
//! **Classes.** Not found: unalignable. A string with more occurrences than listings (for
//! event parts under `nearest`: more than one) is ambiguous, placed by the policy and
//! reported with all its occurrences. Otherwise exact when the matched text equals the
//! string, else retokenized (whitespace or normalization).

use std::collections::{BTreeMap, HashMap};

use super::options::Locate;
use super::options::{LabelOptions, Unaligned, placeholder_attrs};
use super::report::{Example, LabelKind, SetReport};
use super::skeleton::{NormalizeOptions, Skeleton};
use super::text::{AlignClass, Reason};
use crate::align::input::{StringDoc, extra_attrs};
use crate::model::{Argument, DocAnnotations, Document, Event, Mention, Span, Trigger};
use crate::text::OffsetIndex;

/// One place a string occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// Byte span in the document text.
    pub span: Span,
    /// The text there equals the string exactly.
    pub exact: bool,
}

/// Finds strings in one text.
pub struct Finder<'a> {
    text: &'a str,
    skel: Skeleton,
    opts: NormalizeOptions,
}

impl<'a> Finder<'a> {
    pub fn new(text: &'a str, opts: &NormalizeOptions) -> Self {
        Finder { text, skel: Skeleton::new(text, opts), opts: *opts }
    }

    /// The normalized form two strings share when they match the same places.
    pub fn key(&self, s: &str) -> Vec<u32> {
        Skeleton::new(s, &self.opts).chars
    }

    /// Every occurrence of `needle`, left to right, not overlapping.
    pub fn find(&self, needle: &str) -> Vec<Occurrence> {
        let n = self.key(needle);
        let mut out = Vec::new();
        if n.is_empty() {
            return out;
        }
        let trimmed = needle.trim();
        let word_start = trimmed.chars().next().is_some_and(char::is_alphanumeric);
        let word_end = trimmed.chars().next_back().is_some_and(char::is_alphanumeric);
        let h = &self.skel.chars;
        let mut i = 0;
        while i + n.len() <= h.len() {
            if h[i] != n[0] || h[i..i + n.len()] != n[..] {
                i += 1;
                continue;
            }
            let span = self.skel.span_of(i, i + n.len());
            // A match must cover whole units (not half a ligature) ...
            let (a, b) = self.skel.range_of(span);
            let whole = a == i && b == i + n.len();
            // ... and respect word boundaries.
            let before = self.text[..span.start].chars().next_back().is_some_and(char::is_alphanumeric);
            let after = self.text[span.end..].chars().next().is_some_and(char::is_alphanumeric);
            if !whole || (word_start && before) || (word_end && after) {
                i += 1;
                continue;
            }
            out.push(Occurrence { span, exact: &self.text[span.start..span.end] == needle });
            i += n.len();
        }
        out
    }
}

fn dist(a: Span, b: Span) -> usize {
    if a.end <= b.start { b.start - a.end } else { a.start.saturating_sub(b.end) }
}

/// The occurrence nearest to `anchor` (ties: the earlier).
fn nearest(occ: &[Occurrence], anchor: Span) -> Option<Occurrence> {
    occ.iter().copied().min_by_key(|o| (dist(o.span, anchor), o.span.start))
}

/// Where a string occurs, which occurrences were taken, and how the choice went.
struct Choice {
    occ: Vec<Occurrence>,
    chosen: Vec<Occurrence>,
    /// More occurrences than listings.
    ambiguous: bool,
    /// Listed more often than it occurs, and this listing found none left.
    none_left: bool,
}

/// Places one document's string labels, counting into a set report.
struct Placer<'a> {
    doc: &'a Document,
    ix: &'a OffsetIndex,
    finder: Finder<'a>,
    opts: &'a LabelOptions,
    rep: &'a mut SetReport,
    cache: HashMap<String, Vec<Occurrence>>,
}

impl Placer<'_> {
    fn find(&mut self, s: &str) -> Vec<Occurrence> {
        if let Some(v) = self.cache.get(s) {
            return v.clone();
        }
        let v = self.finder.find(s);
        self.cache.insert(s.to_string(), v.clone());
        v
    }

    fn cp(&self, s: Span) -> [usize; 2] {
        [self.ix.byte_to_char(s.start).unwrap_or(0), self.ix.byte_to_char(s.end).unwrap_or(0)]
    }

    /// Classify and count one listing.
    fn classify(&mut self, kind: LabelKind, label: &str, text: &str, c: &Choice) -> (AlignClass, Option<Reason>) {
        let Choice { occ, chosen, ambiguous, none_left } = c;
        let (ambiguous, none_left) = (*ambiguous, *none_left);
        let (class, reason) = if occ.is_empty() {
            (AlignClass::Unalignable, Some(Reason::NotFound))
        } else if chosen.is_empty() || none_left {
            (AlignClass::Unalignable, Some(Reason::NoOccurrenceLeft))
        } else if ambiguous {
            (AlignClass::Ambiguous, Some(Reason::Ambiguous))
        } else if chosen.iter().all(|o| o.exact) {
            (AlignClass::Exact, None)
        } else {
            let t = &self.doc.text[chosen[0].span.start..chosen[0].span.end];
            let ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            if ws(t) == ws(text) {
                (AlignClass::Retokenized, Some(Reason::Whitespace))
            } else {
                (AlignClass::Retokenized, Some(Reason::Normalization))
            }
        };
        self.rep.count(kind, class, reason);
        if self.rep.wants_example(class, self.opts.examples) {
            let first = chosen.first().map(|o| o.span);
            let ex = Example {
                class,
                reason,
                kind,
                label: label.to_string(),
                source_doc: self.doc.id.clone(),
                source: None,
                text: text.to_string(),
                target_doc: Some(self.doc.id.clone()),
                target: first.map(|s| self.cp(s)),
                target_text: first.map(|s| self.doc.text[s.start..s.end].to_string()),
                occurrences: if occ.len() > 1 { occ.iter().map(|o| self.cp(o.span)).collect() } else { Vec::new() },
            };
            self.rep.example(ex, self.opts.examples);
        }
        if class == AlignClass::Unalignable {
            match self.opts.unaligned {
                Unaligned::Drop => self.rep.unaligned.dropped += 1,
                Unaligned::Keep | Unaligned::Error => self.rep.unaligned.kept += 1,
            }
        }
        (class, reason)
    }

    fn keep_unaligned(&self) -> bool {
        self.opts.unaligned != Unaligned::Drop
    }
}

/// Place the string labels of one document. `rep` receives the counts and examples.
pub fn locate(
    doc: &Document,
    ix: &OffsetIndex,
    labels: &StringDoc,
    opts: &LabelOptions,
    rep: &mut SetReport,
) -> DocAnnotations {
    let mut p =
        Placer { doc, ix, finder: Finder::new(&doc.text, &opts.text.normalize), opts, rep, cache: HashMap::new() };
    let policy = opts.locate;
    let mut ann = DocAnnotations::new(doc.id.clone());

    // Entities.
    let keys: Vec<Vec<u32>> = labels.entities.iter().map(|e| p.finder.key(&e.text)).collect();
    let mut listings: HashMap<&[u32], usize> = HashMap::new();
    for k in &keys {
        *listings.entry(k).or_insert(0) += 1;
    }
    let mut used: HashMap<&[u32], usize> = HashMap::new();
    let mut merged: BTreeMap<(&[u32], &str), ()> = BTreeMap::new();
    let all_occ: Vec<Vec<Occurrence>> = labels.entities.iter().map(|e| p.find(&e.text)).collect();
    for (i, (e, k)) in labels.entities.iter().zip(&keys).enumerate() {
        // "Xi" inside "Xi Jinping", when both are listed, is part of the longer entity.
        let (occ, inside): (Vec<Occurrence>, Vec<Occurrence>) = all_occ[i].iter().partition(|o| {
            !keys
                .iter()
                .zip(&all_occ)
                .any(|(kj, oj)| kj.len() > k.len() && oj.iter().any(|q| q.span.contains(&o.span) && q.span != o.span))
        });
        p.rep.note("entity occurrences inside a longer listed entity skipped", inside.len() as u64);
        let (chosen, ambiguous, none_left) = match policy {
            Locate::All => {
                if merged.insert((k, e.label.as_str()), ()).is_some() {
                    p.rep.note("duplicate entity strings merged (all)", 1);
                    continue;
                }
                (occ.clone(), occ.len() > 1, false)
            }
            Locate::First | Locate::Nearest => {
                let u = used.entry(k).or_insert(0);
                let i = *u;
                *u += 1;
                let chosen: Vec<Occurrence> = occ.get(i).copied().into_iter().collect();
                (chosen, occ.len() > listings[k.as_slice()], i >= occ.len())
            }
        };
        let c = Choice { occ, chosen, ambiguous, none_left };
        let (class, reason) = p.classify(LabelKind::Entity, &e.label, &e.text, &c);
        let Choice { occ, chosen, .. } = c;
        let mut attrs = extra_attrs(&e.extra);
        if class == AlignClass::Ambiguous {
            attrs.push(("ieval:occurrences".into(), occ.len().to_string()));
        }
        if class == AlignClass::Unalignable {
            if p.keep_unaligned() {
                let mut m = Mention::new(format!("T{}", ann.entities.len() + 1), Span::default(), e.label.clone());
                m.score = e.score;
                m.attrs = attrs;
                m.attrs.extend(placeholder_attrs(reason, &e.text));
                ann.entities.push(m);
                p.rep.written += 1;
            }
            continue;
        }
        for o in chosen {
            let mut m = Mention::new(format!("T{}", ann.entities.len() + 1), o.span, e.label.clone());
            m.score = e.score;
            m.attrs = attrs.clone();
            ann.entities.push(m);
            p.rep.written += 1;
        }
    }

    // Events.
    let trig_keys: Vec<Vec<u32>> = labels.events.iter().map(|e| p.finder.key(&e.trigger)).collect();
    let mut trig_listings: HashMap<&[u32], usize> = HashMap::new();
    for k in &trig_keys {
        *trig_listings.entry(k).or_insert(0) += 1;
    }
    let mut trig_used: HashMap<&[u32], usize> = HashMap::new();
    for (ev, k) in labels.events.iter().zip(&trig_keys) {
        let t_occ = p.find(&ev.trigger);
        let args: Vec<(&str, &str, Vec<Occurrence>)> = ev
            .arguments
            .iter()
            .flat_map(|(role, v)| v.strings().into_iter().map(move |s| (role.as_str(), s)))
            .map(|(r, s)| (r, s, p.find(s)))
            .collect();
        let (triggers, ambiguous, none_left): (Vec<Occurrence>, bool, bool) = match policy {
            Locate::All => (t_occ.clone(), t_occ.len() > 1, false),
            Locate::First => {
                let u = trig_used.entry(k).or_insert(0);
                let i = *u;
                *u += 1;
                (
                    t_occ.get(i).copied().into_iter().collect(),
                    t_occ.len() > trig_listings[k.as_slice()],
                    i >= t_occ.len(),
                )
            }
            Locate::Nearest => {
                let best = t_occ.iter().copied().min_by_key(|t| {
                    let cost: usize =
                        args.iter().filter_map(|(_, _, occ)| nearest(occ, t.span).map(|o| dist(o.span, t.span))).sum();
                    (cost, t.span.start)
                });
                (best.into_iter().collect(), t_occ.len() > 1, false)
            }
        };
        let c = Choice { occ: t_occ, chosen: triggers, ambiguous, none_left };
        let (t_class, t_reason) = p.classify(LabelKind::Trigger, &ev.event_type, &ev.trigger, &c);
        let Choice { occ: t_occ, chosen: triggers, .. } = c;
        let placed_triggers: Vec<Option<Occurrence>> = if t_class == AlignClass::Unalignable {
            if p.keep_unaligned() { vec![None] } else { Vec::new() }
        } else {
            triggers.iter().copied().map(Some).collect()
        };
        if placed_triggers.is_empty() {
            // The event is dropped: its arguments go with it, counted.
            for (role, s, _) in &args {
                p.rep.count(LabelKind::Argument, AlignClass::Unalignable, Some(Reason::EventUnplaced));
                p.rep.unaligned.dropped += 1;
                let ex = Example {
                    class: AlignClass::Unalignable,
                    reason: Some(Reason::EventUnplaced),
                    kind: LabelKind::Argument,
                    label: role.to_string(),
                    source_doc: doc.id.clone(),
                    source: None,
                    text: s.to_string(),
                    target_doc: Some(doc.id.clone()),
                    target: None,
                    target_text: None,
                    occurrences: Vec::new(),
                };
                p.rep.example(ex, opts.examples);
            }
            continue;
        }
        // Arguments: classified once per listing, placed for each copy of the event.
        let mut arg_results: Vec<(AlignClass, Option<Reason>)> = Vec::with_capacity(args.len());
        for (copy, trig) in placed_triggers.iter().enumerate() {
            let mut event = Event {
                id: format!("E{}", ann.events.len() + 1),
                event_type: ev.event_type.clone(),
                trigger: Trigger { span: trig.map_or(Span::default(), |o| o.span), ..Default::default() },
                score: ev.score,
                attrs: extra_attrs(&ev.extra),
                ..Default::default()
            };
            if trig.is_none() {
                event.attrs.extend(placeholder_attrs(t_reason, &ev.trigger));
            } else if t_class == AlignClass::Ambiguous {
                event.attrs.push(("ieval:trigger_occurrences".into(), t_occ.len().to_string()));
            }
            p.rep.written += 1;
            for (n, (role, s, occ)) in args.iter().enumerate() {
                let chosen: Vec<Occurrence> = match (policy, trig) {
                    (Locate::All, _) => occ.clone(),
                    (Locate::Nearest, Some(t)) => nearest(occ, t.span).into_iter().collect(),
                    _ => occ.first().copied().into_iter().collect(),
                };
                if copy == 0 {
                    let c =
                        Choice { occ: occ.clone(), chosen: chosen.clone(), ambiguous: occ.len() > 1, none_left: false };
                    let r = p.classify(LabelKind::Argument, role, s, &c);
                    arg_results.push(r);
                }
                let (class, reason) = arg_results[n];
                if class == AlignClass::Unalignable {
                    if p.keep_unaligned() {
                        event.arguments.push(Argument { role: role.to_string(), ..Default::default() });
                        event.attrs.extend(
                            placeholder_attrs(reason, s)
                                .into_iter()
                                .map(|(k, v)| (format!("{k}:argument{}", n + 1), v)),
                        );
                        p.rep.written += 1;
                    }
                    continue;
                }
                for o in chosen {
                    let entity_id = ann.entities.iter().find(|m| m.span == o.span).map(|m| m.id.to_string());
                    event.arguments.push(Argument { role: role.to_string(), entity_id, span: o.span, head: None });
                    p.rep.written += 1;
                }
            }
            ann.events.push(event);
        }
    }
    ann
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::input::StringDoc;

    fn finder(t: &str) -> Finder<'_> {
        Finder::new(t, &NormalizeOptions::default())
    }

    fn texts<'a>(t: &'a str, occ: &[Occurrence]) -> Vec<&'a str> {
        occ.iter().map(|o| &t[o.span.start..o.span.end]).collect()
    }

    #[test]
    fn word_boundaries() {
        let t = "Xinhua said Xi met Xi-Jinping fans; taxi drivers and U.S.-led talks.";
        let f = finder(t);
        assert_eq!(f.find("Xi").len(), 2, "not inside Xinhua; Xi before a hyphen is a word");
        assert_eq!(f.find("xi").len(), 0, "case matters by default");
        assert_eq!(texts(t, &f.find("U.S.")), ["U.S."]);
        let ci = Finder::new(t, &NormalizeOptions { ignore_case: true });
        assert_eq!(ci.find("XI").len(), 2, "not inside taxi either");
    }

    #[test]
    fn whitespace_quotes_and_exactness() {
        let t = "The “Iron  Lady” met\nMargaret Thatcher.";
        let f = finder(t);
        let o = f.find("\"Iron Lady\"");
        assert_eq!(texts(t, &o), ["“Iron  Lady”"]);
        assert!(!o[0].exact);
        let o = f.find("Margaret Thatcher");
        assert_eq!(texts(t, &o), ["Margaret Thatcher"]);
        assert!(o[0].exact);
        assert!(f.find("").is_empty());
        assert!(f.find("   ").is_empty());
    }

    fn doc_and_labels(text: &str, labels: &str) -> (Document, StringDoc) {
        (Document::new("d", text), serde_json::from_str(labels).expect("labels parse"))
    }

    fn run(text: &str, labels: &str, policy: Locate, unaligned: Unaligned) -> (DocAnnotations, SetReport) {
        let (doc, l) = doc_and_labels(text, labels);
        let opts = LabelOptions { locate: policy, unaligned, ..Default::default() };
        let mut rep = SetReport::new("llm", false);
        let ix = OffsetIndex::new(&doc.text);
        let ann = locate(&doc, &ix, &l, &opts, &mut rep);
        (ann, rep)
    }

    const TEXT: &str = "Police in Lyon arrested two men on Monday. In Paris, police said the men \
                        were released. Later, Lyon prosecutors charged them.";

    #[test]
    fn ambiguous_entities_follow_the_policy() {
        let labels = r#"{"doc_id":"d","entities":[{"text":"Lyon","label":"LOC"},{"text":"Paris","label":"LOC"},{"text":"Marseille","label":"LOC"}]}"#;
        let (ann, rep) = run(TEXT, labels, Locate::First, Unaligned::Keep);
        assert_eq!(rep.counts.ambiguous, 1);
        assert_eq!(rep.counts.exact, 1);
        assert_eq!(rep.counts.unalignable, 1);
        assert_eq!(ann.entities.len(), 3, "the unfound one kept as a placeholder");
        assert_eq!(ann.entities[0].span.slice(TEXT), Some("Lyon"));
        assert_eq!(ann.entities[0].span.start, 10, "first occurrence");
        assert!(ann.entities[2].span.is_empty());
        assert!(ann.entities[2].attrs.iter().any(|(k, v)| k == "ieval:unaligned" && v == "not-found"));
        let ex = &rep.examples[&AlignClass::Ambiguous][0];
        assert_eq!(ex.occurrences.len(), 2);

        let (ann, rep) = run(TEXT, labels, Locate::All, Unaligned::Drop);
        assert_eq!(ann.entities.len(), 3, "both Lyon and Paris; Marseille dropped");
        assert_eq!(rep.unaligned.dropped, 1);
        assert_eq!(rep.written, 3);
    }

    #[test]
    fn repeated_listings_take_successive_occurrences() {
        let labels = r#"{"doc_id":"d","entities":[{"text":"Lyon","label":"LOC"},{"text":"Lyon","label":"LOC"},{"text":"Lyon","label":"LOC"}]}"#;
        let (ann, rep) = run(TEXT, labels, Locate::First, Unaligned::Keep);
        assert_eq!(rep.counts.exact, 2, "two listings, two occurrences: no choice to make");
        assert_eq!(rep.counts.unalignable, 1);
        assert_eq!(rep.reasons[&Reason::NoOccurrenceLeft], 1);
        assert!(ann.entities[0].span.start < ann.entities[1].span.start);
        let (ann, rep) = run(TEXT, labels, Locate::All, Unaligned::Keep);
        assert_eq!(ann.entities.len(), 2, "merged, placed at both occurrences");
        assert_eq!(rep.notes["duplicate entity strings merged (all)"], 2);
    }

    #[test]
    fn event_frames_nearest() {
        let labels = r#"{"doc_id":"d","entities":[{"text":"Paris","label":"LOC"}],
            "events":[{"type":"Justice:Release","trigger":"released","arguments":{"Place":["Paris"],"Agent":"police"}},
                      {"type":"Justice:Charge","trigger":"charged","arguments":{"Adjudicator":"prosecutors","Place":"Lyon"}}]}"#;
        let (ann, rep) = run(TEXT, labels, Locate::Nearest, Unaligned::Keep);
        assert_eq!(ann.events.len(), 2);
        let e = &ann.events[0];
        assert_eq!(e.trigger.span.slice(TEXT), Some("released"));
        let police = e.arguments.iter().find(|a| a.role == "Agent").expect("agent");
        assert_eq!(police.span.start, TEXT.find("police said").expect("in text"), "the police nearer the trigger");
        let place = e.arguments.iter().find(|a| a.role == "Place").expect("place");
        assert_eq!(place.entity_id.as_deref(), Some("T1"), "linked to the entity at the same span");
        let lyon = ann.events[1].arguments.iter().find(|a| a.role == "Place").expect("place");
        assert_eq!(lyon.span.start, TEXT.rfind("Lyon").expect("in text"), "the second Lyon is nearer");
        // Ambiguous: police (Police is a different case, so one occurrence... plus 'police'),
        // Lyon (2). released, charged, Paris, prosecutors are unique.
        assert_eq!(rep.by_kind[&LabelKind::Argument].ambiguous, 1, "{:?}", rep.by_kind);
        assert_eq!(rep.by_kind[&LabelKind::Trigger].exact, 2);
    }

    #[test]
    fn ambiguous_trigger_picked_by_its_arguments() {
        let t = "Rebels attacked Goma on Friday. Officials said the army attacked Bukavu in response.";
        let labels = r#"{"doc_id":"d","events":[{"type":"Conflict:Attack","trigger":"attacked","arguments":{"Attacker":"army","Target":"Bukavu"}}]}"#;
        let (ann, rep) = run(t, labels, Locate::Nearest, Unaligned::Keep);
        assert_eq!(ann.events[0].trigger.span.start, t.rfind("attacked").expect("in text"));
        assert_eq!(rep.by_kind[&LabelKind::Trigger].ambiguous, 1);
        let (ann, _) = run(t, labels, Locate::First, Unaligned::Keep);
        assert_eq!(ann.events[0].trigger.span.start, t.find("attacked").expect("in text"));
        let (ann, _) = run(t, labels, Locate::All, Unaligned::Keep);
        assert_eq!(ann.events.len(), 2, "one copy per trigger occurrence");
    }

    #[test]
    fn unfound_trigger_policy() {
        let labels = r#"{"doc_id":"d","events":[{"type":"Attack","trigger":"bombed","arguments":{"Place":"Lyon"}}]}"#;
        let (ann, rep) = run(TEXT, labels, Locate::Nearest, Unaligned::Drop);
        assert!(ann.events.is_empty());
        assert_eq!(rep.counts.unalignable, 2, "trigger and its argument");
        assert_eq!(rep.reasons[&Reason::EventUnplaced], 1);
        let (ann, rep) = run(TEXT, labels, Locate::Nearest, Unaligned::Keep);
        assert_eq!(ann.events.len(), 1);
        assert!(ann.events[0].trigger.span.is_empty());
        assert_eq!(ann.events[0].arguments[0].span.slice(TEXT), Some("Lyon"));
        assert_eq!(rep.unaligned.kept, 1);
    }
}

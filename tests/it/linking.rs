//! `ieval score --task linking` and the `neleval` profile: a hand-checked fixture
//! (`tests/fixtures/linking/`: Alice -> Q1 and Paris -> Q90 right, Bob NIL in gold but linked
//! to Q5 by the system), and knowledge-base ids read from a Label Studio export's
//! per-region controls. The measures themselves are checked against neleval on NEREL in
//! `tests/python/check_linking.py`.

use crate::common::*;

fn linking(profile: Option<&str>) -> serde_json::Value {
    let (g, p) = (fixture("linking/gold.jsonl"), fixture("linking/pred.jsonl"));
    let pred = format!("sys={}", s(&p));
    let mut args = vec!["score", "-g", s(&g), "-p", &pred, "--task", "linking"];
    if let Some(pr) = profile {
        args.extend(["--profile", pr]);
    }
    json(&args)
}

fn measure<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let ms = r["systems"][0]["measures"].as_array().expect("measures");
    &ms.iter().find(|m| m[0] == name).unwrap_or_else(|| panic!("no {name}"))[1]
}

/// The default profile's linking measures are neleval's: `--profile neleval` gives the same
/// numbers, and differs only in naming the profile and listing its quirks.
#[test]
fn neleval_profile_names_the_default_measures() {
    let (d, n) = (linking(None), linking(Some("neleval")));
    assert_eq!(d["systems"], n["systems"]);
    assert_eq!(d["gold"], n["gold"]);
    assert_eq!((d["ieval"]["profile"].as_str(), n["ieval"]["profile"].as_str()), (Some("default"), Some("neleval")));
    assert_eq!(d["ieval"]["quirks"], serde_json::json!([]));
    let quirks = n["ieval"]["quirks"].as_array().expect("quirks");
    assert!(quirks.iter().any(|q| q.as_str().is_some_and(|q| q.contains("0/0"))), "{quirks:?}");
    // Linked gold {Alice/Q1, Paris/Q90}; linked system {Alice/Q1, Bob/Q5, Paris/Q90}.
    let x = measure(&n, "strong_link_match");
    assert_eq!((x["ptp"].as_f64(), x["fp"].as_f64(), x["fn"].as_f64()), (Some(2.0), Some(1.0), Some(0.0)));
    // The system has no NIL mention: NIL precision is 0/0, reported 0 as neleval does.
    let x = measure(&n, "strong_nil_match");
    assert_eq!((x["ptp"].as_f64(), x["fp"].as_f64(), x["fn"].as_f64()), (Some(0.0), Some(0.0), Some(1.0)));
    assert_eq!(x["precision"].as_f64(), Some(0.0));
}

/// neleval is a profile of linking and coreference; the entity profiles score neither.
#[test]
fn profiles_and_tasks_that_do_not_go_together() {
    let (g, p) = (fixture("linking/gold.jsonl"), fixture("linking/pred.jsonl"));
    let pred = format!("sys={}", s(&p));
    let base = ["score", "-g", s(&g), "-p", &pred];
    let with = |extra: &[&'static str]| [&base[..], extra].concat();
    fails(&with(&["--profile", "neleval"]), "profile neleval scores entity linking and coreference only");
    fails(&with(&["--profile", "neleval", "--task", "relations"]), "give --task linking or --task coref");
    fails(&with(&["--task", "linking", "--profile", "conlleval"]), "--task linking takes --profile default or neleval");
    fails(&with(&["--task", "coref", "--profile", "textee"]), "--task coref takes --profile default or neleval");
}

/// `score --task coref --profile neleval`: every cluster here is a singleton, so MUC is 0/0:
/// undefined under the default profile, 0 under neleval's, which lists its six measures.
#[test]
fn coref_task_under_neleval() {
    let (g, p) = (fixture("linking/gold.jsonl"), fixture("linking/pred.jsonl"));
    let pred = format!("sys={}", s(&p));
    let run = |profile: &str| {
        let j = json(&["score", "-g", s(&g), "-p", &pred, "--task", "coref", "--profile", profile]);
        j["systems"][0]["coref"]["entities"].clone()
    };
    let (d, n) = (run("default"), run("neleval"));
    assert_eq!(d["metrics"]["muc"]["f1"], serde_json::Value::Null);
    assert_eq!(n["metrics"]["muc"]["f1"].as_f64(), Some(0.0));
    assert_eq!(d["counts"], n["counts"]);
    assert_eq!(d["metrics"]["b_cubed"], n["metrics"]["b_cubed"]);
    assert!(d.get("neleval").is_none());
    let names: Vec<&str> = n["neleval"].as_array().expect("neleval").iter().filter_map(|m| m[0].as_str()).collect();
    assert_eq!(names, ["muc", "b_cubed", "mention_ceaf", "entity_ceaf", "pairwise", "pairwise_negative"]);
    assert_eq!(n["options"]["profile"], "neleval");
}

/// Label Studio: the per-region `kb_id` controls (a text area, choices, a taxonomy) of
/// `tests/fixtures/labelstudio/linking.json` give the gold's links (Merkel Q567, Macron
/// Q3052772, Paris Q90, Scholz Q61053); the `linker-v1` predictions link Merkel right,
/// Macron to Q42, and leave Paris (no control) and Scholz (`NIL`) unlinked.
#[test]
fn labelstudio_per_region_kb_ids() {
    let ls = fixture("labelstudio/linking.json");
    let r = json(&["score", "-g", s(&ls), "--task", "linking"]);
    assert_eq!((r["gold"]["mentions"].as_u64(), r["gold"]["linked"].as_u64()), (Some(4), Some(4)));
    assert_eq!(r["systems"][0]["name"], "linker-v1");
    let counts = |name: &str| {
        let x = measure(&r, name);
        (x["ptp"].as_f64(), x["fp"].as_f64(), x["fn"].as_f64())
    };
    // Linked spans: gold 4, system 2 (Merkel, Macron), both right spans.
    assert_eq!(counts("strong_linked_mention_match"), (Some(2.0), Some(0.0), Some(2.0)));
    // Links: only Merkel/Q567 right.
    assert_eq!(counts("strong_link_match"), (Some(1.0), Some(1.0), Some(3.0)));
    // NIL: none in gold, Paris and Scholz in the system.
    assert_eq!(counts("strong_nil_match"), (Some(0.0), Some(2.0), Some(0.0)));
}

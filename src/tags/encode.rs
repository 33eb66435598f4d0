use super::scheme::Scheme;

/// Write chunks (token ranges `[start, end)` with labels, sorted and non-overlapping) as one
/// tag per token in `scheme`. The caller guarantees the chunks do not overlap.
pub fn encode(n_tokens: usize, chunks: &[(usize, usize, &str)], scheme: Scheme) -> Vec<String> {
    let mut tags = vec!["O".to_string(); n_tokens];
    for (k, &(start, end, label)) in chunks.iter().enumerate() {
        if start >= end || end > n_tokens {
            continue;
        }
        // IOB1/IOE1 mark a boundary only between adjacent chunks of the same type.
        let follows_same = k > 0 && chunks[k - 1].1 == start && chunks[k - 1].2 == label;
        let precedes_same = chunks.get(k + 1).is_some_and(|n| n.0 == end && n.2 == label);
        let single = end - start == 1;
        for (i, tag) in tags.iter_mut().enumerate().take(end).skip(start) {
            let first = i == start;
            let last = i + 1 == end;
            let letter = match scheme {
                Scheme::Bare => {
                    *tag = label.to_string();
                    continue;
                }
                Scheme::Iobes if single => 'S',
                Scheme::Bilou if single => 'U',
                Scheme::Iob1 if first && follows_same => 'B',
                Scheme::Iob2 | Scheme::Iobes | Scheme::Bilou if first => 'B',
                Scheme::Ioe1 if last && precedes_same => 'E',
                Scheme::Ioe2 | Scheme::Iobes if last => 'E',
                Scheme::Bilou if last => 'L',
                _ => 'I',
            };
            *tag = format!("{letter}-{label}");
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{Policy, Tag, TagSet, decode};

    #[test]
    fn every_scheme_round_trips() {
        let chunks = [(0, 2, "PER"), (2, 3, "PER"), (4, 7, "LOC"), (7, 8, "ORG"), (9, 10, "ORG")];
        for scheme in Scheme::ALL {
            let tags = encode(11, &chunks, scheme);
            let mut ts = TagSet::new(scheme);
            let parsed: Vec<Tag> = tags.iter().map(|t| ts.parse(t).expect("own output parses")).collect();
            for policy in [Policy::Lenient, Policy::Strict] {
                let out = decode(&parsed, scheme, policy);
                let back: Vec<(usize, usize, &str)> =
                    out.chunks.iter().map(|c| (c.start, c.end, ts.label(c.label))).collect();
                if scheme == Scheme::Bare {
                    // Adjacent same-label chunks merge without prefixes.
                    assert_eq!(back[0], (0, 3, "PER"));
                    continue;
                }
                assert_eq!(back, chunks, "{scheme} {policy:?}: {tags:?}");
                assert!(out.violations.is_empty(), "{scheme} {policy:?}: {:?}", out.violations);
            }
        }
    }
}

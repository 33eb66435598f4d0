//! Shards: a stable, hash-based split of a corpus's documents into `N` parts, so that `N`
//! machines (a Slurm array, a Kubernetes indexed Job, Spark tasks) can each take one part.
//!
//! A document belongs to shard `FNV-1a-64(doc_id as UTF-8 bytes) mod N` (the hash of
//! [`crate::hash`]; in Python: `h = 0xcbf29ce484222325; for b in doc_id.encode():
//! h = ((h ^ b) * 0x100000001b3) % 2**64; shard = h % N`). It depends on the id only — not
//! on the input's order, its format or the machine — so a document lands in the same shard
//! in every input that holds it (the gold and each system's predictions), and shard
//! results merge into exactly the unsharded result (`ieval merge`).
//!
//! Shards are written `K/N` and numbered **from 0**: `0/4`, `1/4`, `2/4`, `3/4` (the
//! numbering of `SLURM_ARRAY_TASK_ID` with `--array=0-3`, of a Kubernetes
//! `JOB_COMPLETION_INDEX` and of Spark partition ids).

use std::fmt;

use crate::hash::Fnv;

/// One shard of `count`: the documents whose id hashes to `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// 0-based, below `count`.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count` (`index < count`, `count >= 1`).
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("a shard count of 0: expected K/N with N >= 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index}/{count}: shards are numbered from 0, so K must be below N (0/{count} .. {}/{count})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// The whole corpus as one shard (`0/1`).
    pub fn all() -> Shard {
        Shard { index: 0, count: 1 }
    }

    /// The shard a document id belongs to, out of `count`.
    pub fn of(doc_id: &str, count: u64) -> u64 {
        Fnv::new().bytes(doc_id.as_bytes()).finish() % count.max(1)
    }

    /// True when the document with this id is in the shard.
    pub fn contains(&self, doc_id: &str) -> bool {
        self.count <= 1 || Self::of(doc_id, self.count) == self.index
    }

    /// True for `0/1`, the whole corpus.
    pub fn is_all(&self) -> bool {
        self.count <= 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// `K/N`, 0-based: `0/4` .. `3/4`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad shard {s:?}: expected K/N with 0 <= K < N, e.g. 0/4 (shards are numbered from 0)");
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_validate() {
        assert_eq!("0/4".parse::<Shard>(), Ok(Shard { index: 0, count: 4 }));
        assert_eq!("3/4".parse::<Shard>().map(|s| s.to_string()), Ok("3/4".to_string()));
        assert!("4/4".parse::<Shard>().expect_err("out of range").contains("numbered from 0"));
        assert!("1/0".parse::<Shard>().is_err());
        assert!("1".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
        assert!("-1/4".parse::<Shard>().is_err());
    }

    #[test]
    fn stable_partition() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (a published test vector).
        assert_eq!(Shard::of("a", 1 << 20), 0xaf63dc4c8601ec8c % (1 << 20));
        let ids: Vec<String> = (0..1000).map(|i| format!("doc-{i}")).collect();
        let shards: Vec<Shard> = (0..4).map(|k| Shard::new(k, 4).expect("shard")).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1, "{id} in exactly one shard");
        }
        let sizes: Vec<usize> = shards.iter().map(|s| ids.iter().filter(|i| s.contains(i)).count()).collect();
        assert!(sizes.iter().all(|&n| n > 200 && n < 300), "roughly even: {sizes:?}");
        assert!(ids.iter().all(|i| Shard::all().contains(i)));
    }
}

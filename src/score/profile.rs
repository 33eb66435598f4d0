//! Profiles: ieval's own definitions, or an anchor tool's, quirks included.

use serde::Serialize;

use super::counts::Mode;
use crate::tags::Policy;

/// Whose definitions to score by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// ieval: one-to-one maximum matching in every mode, 0/0 undefined.
    #[default]
    Default,
    /// conlleval.pl: its chunker, exact span + type, micro and per type.
    Conlleval,
    /// seqeval (default mode): its `get_entities`, exact span + type, sklearn-style averages.
    Seqeval,
    /// seqeval `mode='strict'`: only chunks valid in the scheme, in gold and predictions alike.
    SeqevalStrict,
    /// nervaluate 1.2.1: its four strategies, per type recomputed one label at a time.
    Nervaluate,
    /// TextEE's end-to-end event scorer: tuple sets (duplicates collapse), token offsets;
    /// entities as strict span + type sets.
    Textee,
    /// neleval 3.1.1: entity linking (`--task linking`, whose measures are neleval's in the
    /// default profile too) and coreference (`--task coref`: neleval's `coref_metrics`, see
    /// `coref::Profile::Neleval`). It scores no entity modes, events or relations.
    Neleval,
}

impl Profile {
    pub const ALL: [Profile; 7] = [
        Profile::Default,
        Profile::Conlleval,
        Profile::Seqeval,
        Profile::SeqevalStrict,
        Profile::Nervaluate,
        Profile::Textee,
        Profile::Neleval,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Conlleval => "conlleval",
            Profile::Seqeval => "seqeval",
            Profile::SeqevalStrict => "seqeval-strict",
            Profile::Nervaluate => "nervaluate",
            Profile::Textee => "textee",
            Profile::Neleval => "neleval",
        }
    }

    /// The tag decoding the profile imposes on tag input (`None`: the user's choice).
    pub fn decoding(self) -> Option<Policy> {
        match self {
            Profile::Default | Profile::Textee | Profile::Neleval => None,
            Profile::Conlleval => Some(Policy::Conlleval),
            Profile::Seqeval => Some(Policy::Seqeval),
            Profile::SeqevalStrict => Some(Policy::Strict),
            Profile::Nervaluate => Some(Policy::Nervaluate),
        }
    }

    /// The decoding the profile imposes on CoNLL input, for [`crate::inputs`]: its policy,
    /// and IOB2 when no scheme is given under seqeval's strict mode.
    pub fn tag_decoding(self) -> crate::inputs::Decoding {
        let default_scheme = (self == Profile::SeqevalStrict).then_some(crate::tags::Scheme::Iob2);
        crate::inputs::Decoding { policy: self.decoding(), default_scheme }
    }

    /// The modes the profile reports.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Profile::Default | Profile::Nervaluate | Profile::Neleval => &Mode::ALL,
            Profile::Conlleval | Profile::Seqeval | Profile::SeqevalStrict | Profile::Textee => &[Mode::Strict],
        }
    }

    /// True when the profile scores entity modes, events and relations (all but `neleval`,
    /// which scores entity linking and coreference only).
    pub fn scores_entities(self) -> bool {
        self != Profile::Neleval
    }

    /// A usage error unless the profile scores entities, events and relations
    /// ([`Profile::scores_entities`]).
    pub fn require_entities(self) -> crate::Result<()> {
        if self.scores_entities() {
            return Ok(());
        }
        Err(crate::Error::usage(format!(
            "profile {} scores entity linking and coreference only: give --task linking or --task coref",
            self.name()
        )))
    }

    /// True when a 0/0 ratio is reported as 0 (the anchor tools) rather than undefined.
    pub fn zero_for_undefined(self) -> bool {
        self != Profile::Default
    }

    /// The anchor tool's behaviours this profile reproduces on purpose.
    pub fn quirks(self) -> &'static [&'static str] {
        match self {
            Profile::Default => &[],
            Profile::Conlleval => &[
                "chunks come from conlleval's start/end rules on raw tags: S-X S-X and E-X B-X are merged into one chunk",
                "a tag without '-' has an empty type and never starts a chunk",
                "precision, recall and F1 of 0/0 are reported as 0",
                "chunks are counted as sets: a repeated identical span counts once",
            ],
            Profile::Seqeval => &[
                "chunks come from seqeval's get_entities: the prefix is the first character and the type the text after the first '-' (a bare 'PER' is type 'ER')",
                "0/0 is reported as 0 (zero_division='warn' behaves as 0)",
                "macro and weighted averages include every label seen in gold or predictions",
            ],
            Profile::SeqevalStrict => &[
                "invalid chunks (an I- start in IOB2, an unterminated B- in IOBES) are dropped from gold as well as from predictions",
                "0/0 is reported as 0",
            ],
            Profile::Nervaluate => &[
                "matching is greedy in prediction order: each prediction takes the first overlapping gold entity not yet taken (ent_type: the closest one); the result depends on order",
                "per-type numbers are recomputed one label at a time, so they do not add up to the overall numbers",
                "the 'exact' mode does not give partial credit; 'partial' and 'ent_type' use (COR + 0.5 PAR)",
                "0/0 is reported as 0",
                "only O, B- and I- tags are read",
            ],
            Profile::Textee => &[
                "each event metric is a set of tuples over the run: a duplicated trigger or argument counts once, in gold as in predictions",
                "TI (w, t_start, t_end); TC + event type; AI (w, type, a_start, a_end); AC + role; AI+ / AC+ add the trigger span (w = document or window id)",
                "offsets are token indices (end exclusive); a span off the token boundaries keeps its character range",
                "an argument is attached (AI+, AC+) to a predicted event by its trigger span and type, not by a one-to-one event pairing",
                "micro averages only in TextEE (per-type rows here are the same sets split by type or role); 0/0 is reported as 0",
                "entities: strict span + type, as sets",
                "fractions, not TextEE's percentages",
            ],
            // The linking measures (the default profile's too); coreference lists its own
            // (crate::coref::Profile::Neleval).
            Profile::Neleval => &[
                "the tagging measures compare sets of keys: an annotation repeated on one side counts once",
                "an id starting with 'NIL' is a NIL id (not linked); a mention without a KB id or NIL id is a NIL entity of its own, or of its coreference cluster within its document",
                "where one span carries two ids on one side, the clustering measures put it in the later cluster (in order of first appearance; annotations read by document, then start, then longest first)",
                "every measure is over the whole corpus (KB and NIL ids join mentions across documents); entity_ceaf uses Dice similarity",
                "precision, recall and F-score of 0/0 are reported as 0",
            ],
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Profile::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            format!(
                "unknown profile {s:?} (expected default, conlleval, seqeval, seqeval-strict, nervaluate, textee or neleval)"
            )
        })
    }
}

impl From<Profile> for crate::inputs::Decoding {
    fn from(p: Profile) -> Self {
        p.tag_decoding()
    }
}

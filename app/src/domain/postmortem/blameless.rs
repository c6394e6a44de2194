//! Blameless writing hints for postmortems. As people write, these point at blame-oriented
//! language and suggest a systems framing, as the seeds' blameless table does ("The pipeline
//! allowed unsafe config" instead of "Alice deployed bad config"). Hints are advisory: each
//! says why, suggests another way to put it, and can be dismissed.
//!
//! Positions are in UTF-16 code units, what a browser's text selection uses.

use serde::{Deserialize, Serialize};

/// Why a phrase was pointed at. One spelling on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// "human error", "operator error": names a person as the cause and stops the inquiry.
    HumanError,
    /// "should have", "could have", "if only": hindsight about what someone ought to have done.
    Hindsight,
    /// "careless", "negligent", "sloppy": a judgement of a person.
    Judgement,
    /// "<person> failed to / forgot to / neglected to": a person's omission as the cause.
    PersonFailed,
    /// "<person> deployed / broke / deleted …" as the cause: a person as the subject.
    PersonAsCause,
}

impl Rule {
    pub const ALL: [Rule; 5] = [Rule::HumanError, Rule::Hindsight, Rule::Judgement, Rule::PersonFailed, Rule::PersonAsCause];

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::HumanError => "human_error",
            Rule::Hindsight => "hindsight",
            Rule::Judgement => "judgement",
            Rule::PersonFailed => "person_failed",
            Rule::PersonAsCause => "person_as_cause",
        }
    }

    /// What the rule is called where people read it.
    pub fn label(self) -> &'static str {
        match self {
            Rule::HumanError => "human error",
            Rule::Hindsight => "hindsight",
            Rule::Judgement => "judgement",
            Rule::PersonFailed => "a person's omission",
            Rule::PersonAsCause => "a person as the cause",
        }
    }

    /// Why it is worth rewording.
    pub fn why(self) -> &'static str {
        match self {
            Rule::HumanError => "\"Human error\" ends the inquiry where it should begin: what made the error easy to make and hard to catch?",
            Rule::Hindsight => {
                "Hindsight judges a decision by an outcome nobody could see then. Describe what people knew and why their action made sense at the time."
            }
            Rule::Judgement => "Judging a person makes people hide what happened next time. Describe the conditions instead.",
            Rule::PersonFailed => "A person's omission is rarely the cause: what should have caught it, and why did it not?",
            Rule::PersonAsCause => "Making a person the subject of the cause reads as blame. Make the system the subject.",
        }
    }

    /// Another way to put it.
    pub fn suggestion(self) -> &'static str {
        match self {
            Rule::HumanError => "Name the gap: \"The runbook step was ambiguous and nothing validated the input.\"",
            Rule::Hindsight => "\"At the time, the dashboard showed … so restarting looked safe.\"",
            Rule::Judgement => "\"The change went out without review because the pipeline allows it.\"",
            Rule::PersonFailed => "\"The checklist did not include … and no alert covered it.\"",
            Rule::PersonAsCause => "\"The pipeline allowed unsafe config to reach production.\"",
        }
    }
}

/// One hint: which rule, and where (UTF-16 code units, `start..end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    pub rule: Rule,
    pub start: usize,
    pub end: usize,
    /// The words pointed at.
    pub text: String,
}

impl Hint {
    /// What a reader dismisses: this rule on these words, wherever they are.
    pub fn key(&self) -> HintKey {
        HintKey { rule: self.rule, words: self.text.to_lowercase() }
    }
}

/// A dismissed hint: a rule on some words (lower case), wherever in the text they are. Kept
/// with the postmortem, so that nobody sees it again. On the wire `rule:words`, e.g.
/// `hindsight:should have`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HintKey {
    rule: Rule,
    words: String,
}

/// Longest words a dismissal names, in characters (a hint points at a few words).
pub const HINT_WORDS_MAX: usize = 200;

impl HintKey {
    /// Reads `rule:words` as a reader's dismissal sends it.
    pub fn parse(s: &str) -> Result<HintKey, String> {
        let (rule, words) = s.split_once(':').ok_or_else(|| format!("hint: {s:?} is not rule:words."))?;
        let rule = Rule::parse(rule).ok_or_else(|| format!("hint: {rule:?} is not a rule."))?;
        if words.trim().is_empty() || words.trim() != words {
            return Err("hint: the words are missing or padded.".into());
        }
        if words.chars().count() > HINT_WORDS_MAX {
            return Err(format!("hint: at most {HINT_WORDS_MAX} characters of words."));
        }
        if words.chars().any(char::is_control) {
            return Err("hint: the words hold control characters.".into());
        }
        if words.to_lowercase() != words {
            return Err("hint: the words must be in lower case.".into());
        }
        Ok(HintKey { rule, words: words.to_string() })
    }

    pub fn rule(&self) -> Rule {
        self.rule
    }

    pub fn words(&self) -> &str {
        &self.words
    }
}

impl std::fmt::Display for HintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.rule.as_str(), self.words)
    }
}

impl TryFrom<String> for HintKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        HintKey::parse(&s)
    }
}

impl From<HintKey> for String {
    fn from(k: HintKey) -> String {
        k.to_string()
    }
}

const HUMAN_ERROR: [&str; 4] = ["human error", "operator error", "user error", "engineer error"];
const HINDSIGHT: [&str; 6] = ["should have", "should've", "could have", "could've", "if only", "ought to have"];
const JUDGEMENT: [&str; 9] = ["careless", "carelessly", "negligent", "negligence", "sloppy", "lazy", "incompetent", "reckless", "stupid"];
const OMISSION: [&str; 5] = ["failed to", "forgot to", "neglected to", "didn't bother", "did not bother"];
/// Verbs that make their subject the cause.
const CAUSE_VERBS: [&str; 12] =
    ["deployed", "pushed", "broke", "caused", "deleted", "dropped", "ran", "merged", "misconfigured", "changed", "removed", "disabled"];
/// Words that stand for a person when they are the subject.
const PRONOUNS: [&str; 8] = ["he", "she", "they", "i", "we", "someone", "the engineer", "the operator"];

/// Words of `text` (lower case) with their byte ranges.
fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = vec![];
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || c == '\'' || c == '’';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, text[s..i].to_lowercase().replace('’', "'")));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), text[s..].to_lowercase().replace('’', "'")));
    }
    out
}

fn utf16(text: &str, byte: usize) -> usize {
    text[..byte].encode_utf16().count()
}

/// Whether the words from `at` spell `phrase`; how many words it took.
fn spells(w: &[(usize, usize, String)], at: usize, phrase: &str) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    (at + parts.len() <= w.len() && parts.iter().enumerate().all(|(k, p)| w[at + k].2 == *p)).then_some(parts.len())
}

/// Whether the words just before `at` (within its sentence) are a person: one of `people`'s
/// names or a pronoun standing for one.
fn person_before(text: &str, w: &[(usize, usize, String)], at: usize, people: &[String]) -> bool {
    let sentence_start = text[..w[at].0].rfind(['.', '!', '?', '\n', ';']).map_or(0, |i| i + 1);
    (0..at)
        .rev()
        .take_while(|&j| w[j].0 >= sentence_start)
        .take(4)
        .any(|j| people.iter().any(|p| w[j].2 == *p) || PRONOUNS.iter().any(|p| spells(w, j, p).is_some_and(|n| j + n == at)))
}

/// The hints for `text`, in order. `people` are the names (any case) of the people in the
/// organisation: a name followed by a cause verb is a person as the cause.
pub fn hints(text: &str, people: &[&str]) -> Vec<Hint> {
    let people: Vec<String> = people.iter().flat_map(|p| p.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>()).filter(|p| p.len() > 1).collect();
    let w = words(text);
    let mut out: Vec<Hint> = vec![];
    let mut push = |rule: Rule, from: usize, n: usize| {
        let (s, e) = (w[from].0, w[from + n - 1].1);
        out.push(Hint { rule, start: utf16(text, s), end: utf16(text, e), text: text[s..e].to_string() });
    };
    let mut i = 0;
    while i < w.len() {
        let found = HUMAN_ERROR
            .iter()
            .find_map(|p| spells(&w, i, p).map(|n| (Rule::HumanError, n)))
            .or_else(|| HINDSIGHT.iter().find_map(|p| spells(&w, i, p).map(|n| (Rule::Hindsight, n))))
            .or_else(|| JUDGEMENT.iter().find_map(|p| spells(&w, i, p).map(|n| (Rule::Judgement, n))))
            .or_else(|| OMISSION.iter().find_map(|p| spells(&w, i, p)).filter(|_| person_before(text, &w, i, &people)).map(|n| (Rule::PersonFailed, n)))
            .or_else(|| (CAUSE_VERBS.contains(&w[i].2.as_str()) && i > 0 && people.contains(&w[i - 1].2)).then_some((Rule::PersonAsCause, 1)));
        match found {
            Some((Rule::PersonAsCause, _)) => {
                push(Rule::PersonAsCause, i - 1, 2);
                i += 1;
            }
            Some((rule, n)) => {
                push(rule, i, n);
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEOPLE: [&str; 3] = ["Alice Chen", "Bob Martinez", "Ada Lovelace"];

    /// Written blamelessly: no hint should fire. (Kept here to measure false positives.)
    const BLAMELESS: [&str; 16] = [
        "The pipeline allowed an unsafe config change to reach production.",
        "The health check failed to detect the stalled worker.",
        "The deploy failed to roll back because the previous image had been garbage-collected.",
        "At the time, the dashboard showed normal latency, so restarting looked safe.",
        "The alert fired twelve minutes after the first errors.",
        "Nothing validated the migration before it ran against the primary.",
        "The runbook did not say which region to drain first.",
        "Error rates rose to 40% on checkout after the 14:02 deploy.",
        "Alice joined the incident at 14:10 and took the IC role.",
        "Bob paged the database team once the replica lag passed five minutes.",
        "We rolled back the release and the error rate recovered.",
        "The on-call engineer acknowledged the page within two minutes.",
        "Config changes skip review when they are under ten lines.",
        "The load balancer kept sending traffic to the draining node.",
        "Ada wrote the mitigation steps into the runbook afterwards.",
        "The retry storm amplified the outage: clients retried without backoff.",
    ];

    /// Blame-oriented: each should get at least one hint of the rule given.
    const BLAMEFUL: [(&str, Rule); 12] = [
        ("Root cause: human error during the deploy.", Rule::HumanError),
        ("This was operator error.", Rule::HumanError),
        ("Bob should have checked the dashboard before restarting.", Rule::Hindsight),
        ("If only the migration had been tested.", Rule::Hindsight),
        ("The change was made carelessly on a Friday.", Rule::Judgement),
        ("A sloppy review let it through.", Rule::Judgement),
        ("Alice failed to follow the runbook.", Rule::PersonFailed),
        ("He forgot to drain the node first.", Rule::PersonFailed),
        ("The engineer neglected to run the tests.", Rule::PersonFailed),
        ("Alice deployed bad config to production.", Rule::PersonAsCause),
        ("Bob deleted the wrong volume.", Rule::PersonAsCause),
        ("Ada pushed a broken build.", Rule::PersonAsCause),
    ];

    #[test]
    fn blameful_sentences_are_pointed_at() {
        for (sentence, rule) in BLAMEFUL {
            let found = hints(sentence, &PEOPLE);
            assert!(found.iter().any(|h| h.rule == rule), "{sentence:?}: {found:?}");
        }
    }

    #[test]
    fn blameless_sentences_are_left_alone() {
        let false_positives: Vec<(&str, Vec<Hint>)> = BLAMELESS.iter().map(|s| (*s, hints(s, &PEOPLE))).filter(|(_, h)| !h.is_empty()).collect();
        assert!(false_positives.is_empty(), "false positives: {false_positives:?}");
    }

    #[test]
    fn positions_are_utf16_and_the_words_are_kept() {
        // "😀 " is two UTF-16 units and a space before the name
        let h = hints("😀 Alice deployed bad config; it was human error.", &PEOPLE);
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].rule, h[0].start, h[0].end, h[0].text.as_str()), (Rule::PersonAsCause, 3, 17, "Alice deployed"));
        assert_eq!((h[1].rule, h[1].text.as_str()), (Rule::HumanError, "human error"));
        let text: Vec<u16> = "😀 Alice deployed bad config; it was human error.".encode_utf16().collect();
        assert_eq!(String::from_utf16(&text[h[1].start..h[1].end]).unwrap(), "human error");
        // curly apostrophes, any case
        assert_eq!(hints("We SHOULD’VE waited.", &[])[0].rule, Rule::Hindsight);
        assert!(hints("", &PEOPLE).is_empty());
    }

    #[test]
    fn every_rule_explains_itself() {
        for r in Rule::ALL {
            assert!(!r.why().is_empty() && !r.suggestion().is_empty() && !r.as_str().is_empty());
            assert_eq!(Rule::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn a_hint_is_dismissed_by_its_rule_and_words_in_any_case() {
        let found = hints("Human error, again. It was HUMAN ERROR.", &PEOPLE);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].key(), found[1].key(), "one dismissal for the same words");
        let key = found[0].key();
        assert_eq!(key.to_string(), "human_error:human error");
        assert_eq!(HintKey::parse(&key.to_string()), Ok(key.clone()));
        // the wire spelling is the display spelling
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"human_error:human error\"");
        assert_eq!(serde_json::from_str::<HintKey>("\"human_error:human error\"").unwrap(), key);
        assert!(serde_json::from_str::<HintKey>("\"blame:human error\"").is_err());
        // a name as the subject: the name's words are in it
        let k = hints("Alice deployed bad config.", &PEOPLE)[0].key();
        assert_eq!((k.rule(), k.words()), (Rule::PersonAsCause, "alice deployed"));
    }

    #[test]
    fn a_dismissal_that_is_not_one_is_refused() {
        for bad in ["", "human error", "blame:human error", "hindsight:", "hindsight: should have", "hindsight:Should have", "hindsight:a\u{0}b"] {
            assert!(HintKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(HintKey::parse(&format!("judgement:{}", "x".repeat(HINT_WORDS_MAX + 1))).is_err());
        assert!(HintKey::parse(&format!("judgement:{}", "é".repeat(HINT_WORDS_MAX))).is_ok(), "characters, not bytes");
        assert_eq!(HintKey::parse("hindsight:should’ve").unwrap().words(), "should’ve");
    }
}

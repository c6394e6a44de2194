//! The guided triage: questions asked in order; the first one answered "yes" (or "not sure",
//! because when unsure Klaxon errs towards the higher severity) proposes the severity.

use serde::{Deserialize, Serialize};

use super::incident::Severity;

/// One question of the decision tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    ServiceUnavailable,
    SecurityBreach,
    DataLoss,
    RevenueFeatureMajority,
    FinancialImpact,
    CoreFeatureMinority,
    NonCriticalDegradation,
}

/// The tree: each question with the severity a "yes" leads to, in the order asked.
pub const TREE: [(Question, Severity); 7] = [
    (Question::ServiceUnavailable, Severity::Sev1),
    (Question::SecurityBreach, Severity::Sev1),
    (Question::DataLoss, Severity::Sev1),
    (Question::RevenueFeatureMajority, Severity::Sev2),
    (Question::FinancialImpact, Severity::Sev2),
    (Question::CoreFeatureMinority, Severity::Sev3),
    (Question::NonCriticalDegradation, Severity::Sev4),
];

impl Question {
    pub fn text(self) -> &'static str {
        match self {
            Question::ServiceUnavailable => "Is the whole service unavailable to all users?",
            Question::SecurityBreach => "Is there a security breach or data exposure?",
            Question::DataLoss => "Is data being lost or corrupted?",
            Question::RevenueFeatureMajority => "Is a core revenue feature broken for more than 10% of users?",
            Question::FinancialImpact => "Is there financial impact, such as failed payments?",
            Question::CoreFeatureMinority => "Is a core feature broken for fewer than 10% of users?",
            Question::NonCriticalDegradation => "Is there a non-critical degradation (slowness, a minor feature)?",
        }
    }

    /// The reason shown when this question decided the severity.
    pub fn reason(self) -> &'static str {
        match self {
            Question::ServiceUnavailable => "The whole service is unavailable to all users",
            Question::SecurityBreach => "Security breach or data exposure",
            Question::DataLoss => "Data loss or corruption",
            Question::RevenueFeatureMajority => "A core revenue feature is broken for more than 10% of users",
            Question::FinancialImpact => "Financial impact such as failed payments",
            Question::CoreFeatureMinority => "A core feature is broken for fewer than 10% of users",
            Question::NonCriticalDegradation => "Non-critical degradation",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Question::ServiceUnavailable => "service_unavailable",
            Question::SecurityBreach => "security_breach",
            Question::DataLoss => "data_loss",
            Question::RevenueFeatureMajority => "revenue_feature_majority",
            Question::FinancialImpact => "financial_impact",
            Question::CoreFeatureMinority => "core_feature_minority",
            Question::NonCriticalDegradation => "non_critical_degradation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TREE.iter().map(|(q, _)| *q).find(|q| q.as_str() == s)
    }
}

/// A responder's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    Unsure,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unsure => "unsure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Answer::Yes, Answer::No, Answer::Unsure].into_iter().find(|a| a.as_str() == s)
    }
}

/// Where the triage stands after some answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Triage {
    /// More answers are needed; this is the next question.
    Ask(Question),
    /// The tree has decided.
    Proposed(Proposal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub severity: Severity,
    pub reason: String,
    /// The question that decided, if any ("no" to everything decides nothing).
    pub decided_by: Option<Question>,
    /// Whether the decision rests on a "not sure".
    pub unsure: bool,
    /// Whether a security breach or data exposure was reported (Security and Legal are told).
    pub data_exposure: bool,
}

/// Walks the tree with the answers given so far (`answers[i]` answers `TREE[i]`).
pub fn evaluate(answers: &[Answer]) -> Triage {
    for (i, (question, severity)) in TREE.iter().enumerate() {
        match answers.get(i) {
            None => return Triage::Ask(*question),
            Some(Answer::No) => continue,
            Some(answer) => {
                let unsure = *answer == Answer::Unsure;
                let reason = if unsure { format!("{} (not sure, so the higher severity)", question.reason()) } else { question.reason().to_string() };
                return Triage::Proposed(Proposal {
                    severity: *severity,
                    reason,
                    decided_by: Some(*question),
                    unsure,
                    data_exposure: *question == Question::SecurityBreach,
                });
            }
        }
    }
    Triage::Proposed(Proposal { severity: Severity::Sev4, reason: "No user impact identified".into(), decided_by: None, unsure: false, data_exposure: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Answer::*;

    fn proposed(answers: &[Answer]) -> Proposal {
        match evaluate(answers) {
            Triage::Proposed(p) => p,
            Triage::Ask(q) => panic!("still asking {q:?}"),
        }
    }

    #[test]
    fn asks_in_order() {
        let mut answers = vec![];
        for (q, _) in TREE {
            assert_eq!(evaluate(&answers), Triage::Ask(q));
            answers.push(No);
        }
    }

    #[test]
    fn each_rule_yes_proposes_its_severity() {
        for (i, (q, sev)) in TREE.iter().enumerate() {
            let mut answers = vec![No; i];
            answers.push(Yes);
            let p = proposed(&answers);
            assert_eq!(p.severity, *sev, "{q:?}");
            assert_eq!(p.decided_by, Some(*q));
            assert_eq!(p.reason, q.reason());
            assert_eq!(p.data_exposure, *q == Question::SecurityBreach);
        }
    }

    #[test]
    fn earlier_rules_win() {
        // Yes to everything: the first question decides.
        let p = proposed(&[Yes; 7]);
        assert_eq!(p.decided_by, Some(Question::ServiceUnavailable));
        // Financial impact after a "no" to the SEV1 questions: SEV2.
        assert_eq!(proposed(&[No, No, No, No, Yes]).severity, Severity::Sev2);
    }

    #[test]
    fn unsure_takes_the_higher_severity() {
        let p = proposed(&[Unsure]);
        assert_eq!(p.severity, Severity::Sev1);
        assert!(p.unsure);
        assert!(p.reason.contains("not sure"));
        let p = proposed(&[No, No, No, Unsure]);
        assert_eq!(p.severity, Severity::Sev2);
    }

    #[test]
    fn no_to_everything_is_sev4() {
        let p = proposed(&[No; 7]);
        assert_eq!(p.severity, Severity::Sev4);
        assert_eq!(p.decided_by, None);
    }

    #[test]
    fn the_tree_is_ordered_by_severity() {
        for w in TREE.windows(2) {
            assert!(w[0].1 <= w[1].1);
        }
        for (q, _) in TREE {
            assert_eq!(Question::parse(q.as_str()), Some(q));
        }
    }
}

//! An action item changed by several people at once. Each edit carries what its form showed
//! (`base`) beside what the person made of it (`mine`): the fields they changed are theirs,
//! the fields they left as they were keep what others made them meanwhile (`current`). Two
//! people changing different fields both keep their change; on the same field the later one
//! wins, as a CRDT map's keys do.

use chrono::NaiveDate;

use super::record::{ActionItem, Priority};
use crate::domain::ids::UserId;

/// What an action item says (its status moves on by itself, with its own buttons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub title: String,
    pub owner: Option<UserId>,
    pub priority: Priority,
    pub due_on: Option<NaiveDate>,
    pub link: Option<String>,
}

impl ItemFields {
    pub fn of(item: &ActionItem) -> ItemFields {
        ItemFields {
            title: item.title.clone(),
            owner: item.owner.as_ref().map(|(id, _)| *id),
            priority: item.priority,
            due_on: item.due_on,
            link: item.link.clone(),
        }
    }

    /// `current` with the fields `mine` changed from `base`.
    pub fn merge(base: &ItemFields, mine: &ItemFields, current: &ItemFields) -> ItemFields {
        fn pick<T: PartialEq + Clone>(base: &T, mine: &T, current: &T) -> T {
            if mine != base {
                mine.clone()
            } else {
                current.clone()
            }
        }
        ItemFields {
            title: pick(&base.title, &mine.title, &current.title),
            owner: pick(&base.owner, &mine.owner, &current.owner),
            priority: pick(&base.priority, &mine.priority, &current.priority),
            due_on: pick(&base.due_on, &mine.due_on, &current.due_on),
            link: pick(&base.link, &mine.link, &current.link),
        }
    }
}

/// An item's fields as its edit form spells them: title, owner's id, priority, due day and
/// link (empty when unset).
pub fn form_values(item: &ActionItem) -> [String; 5] {
    [
        item.title.clone(),
        item.owner.as_ref().map(|(id, _)| id.0.to_string()).unwrap_or_default(),
        item.priority.as_str().to_string(),
        item.due_on.map(|d| d.to_string()).unwrap_or_default(),
        item.link.clone().unwrap_or_default(),
    ]
}

/// An open edit form when the item changes under it, one field at a time: the form `shown`
/// this, the person has `typed` that, and the item now says `current`. A field they left as
/// it was (or made what it now is) follows the change: `Some(current)`, which the form then
/// shows and sends back as what it showed. A field they changed keeps what they typed
/// (`None`), and saving it still merges over the rest.
pub fn follow<'a>(shown: &str, typed: &str, current: &'a str) -> Option<&'a str> {
    (typed == shown || typed == current).then_some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> impl Strategy<Value = ItemFields> {
        (
            prop::sample::select(vec!["Add a canary", "Page on burn", "Fix the runbook"]),
            prop::option::of(1i64..4),
            prop::sample::select(Priority::ALL.to_vec()),
            prop::option::of(0u32..3),
            prop::option::of(prop::sample::select(vec!["https://t.example/1", "https://t.example/2"])),
        )
            .prop_map(|(title, owner, priority, due, link)| ItemFields {
                title: title.into(),
                owner: owner.map(UserId),
                priority,
                due_on: due.map(|d| NaiveDate::from_ymd_opt(2026, 12, 1 + d).unwrap()),
                link: link.map(str::to_string),
            })
    }

    /// `base` with the fields flagged in `take` from `from`.
    fn with(base: &ItemFields, from: &ItemFields, take: [bool; 5]) -> ItemFields {
        ItemFields {
            title: if take[0] { from.title.clone() } else { base.title.clone() },
            owner: if take[1] { from.owner } else { base.owner },
            priority: if take[2] { from.priority } else { base.priority },
            due_on: if take[3] { from.due_on } else { base.due_on },
            link: if take[4] { from.link.clone() } else { base.link.clone() },
        }
    }

    /// Which fields `a` changed from `b`, as five flags.
    fn changed(b: &ItemFields, a: &ItemFields) -> [bool; 5] {
        [a.title != b.title, a.owner != b.owner, a.priority != b.priority, a.due_on != b.due_on, a.link != b.link]
    }

    #[test]
    fn two_people_changing_different_fields_both_keep_their_change() {
        let base = ItemFields { title: "Add a canary".into(), owner: Some(UserId(1)), priority: Priority::P2, due_on: None, link: None };
        let bens = ItemFields { priority: Priority::P0, ..base.clone() };
        let cleos = ItemFields { owner: Some(UserId(2)), ..base.clone() };
        // Ben's arrives first, then Cleo's (her form still showed `base`)
        let after_ben = ItemFields::merge(&base, &bens, &base);
        let after_cleo = ItemFields::merge(&base, &cleos, &after_ben);
        assert_eq!((after_cleo.priority, after_cleo.owner), (Priority::P0, Some(UserId(2))));
        // the same field: the later one wins
        let cleos = ItemFields { priority: Priority::P3, ..base.clone() };
        assert_eq!(ItemFields::merge(&base, &cleos, &after_ben).priority, Priority::P3);
        // a form that changed nothing changes nothing
        assert_eq!(ItemFields::merge(&base, &base, &after_ben), after_ben);
    }

    #[test]
    fn an_open_form_follows_others_changes_to_the_fields_left_alone() {
        // untouched: follows
        assert_eq!(follow("P2", "P2", "P0"), Some("P0"));
        // typed something else: kept
        assert_eq!(follow("Add a canary", "Add a canary stage", "Add canaries"), None);
        // typed what it now is anyway: clean again
        assert_eq!(follow("P2", "P0", "P0"), Some("P0"));
        let item = ActionItem {
            id: crate::domain::ids::ActionItemId(1),
            postmortem: crate::domain::ids::PostmortemId(1),
            subject: crate::domain::postmortem::record::Subject::Incident(crate::domain::ids::IncidentId(1)),
            subject_title: "x".into(),
            title: "Add a canary".into(),
            owner: Some((UserId(3), "Cleo".into())),
            priority: Priority::P1,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 3),
            status: crate::domain::postmortem::record::ItemStatus::Open,
            link: None,
        };
        assert_eq!(form_values(&item), ["Add a canary", "3", "p1", "2026-12-03", ""]);
    }

    proptest! {
        /// Saving a form that followed the item as it changed keeps the person's typing and,
        /// in every field they left alone, the others' change.
        #[test]
        fn a_followed_form_saves_the_typing_and_keeps_the_rest(
            shown in prop::sample::select(vec!["a", "b", "c"]),
            typed in prop::sample::select(vec!["a", "b", "c"]),
            current in prop::sample::select(vec!["a", "b", "c"]),
        ) {
            let (display, base) = match follow(shown, typed, current) {
                Some(c) => (c, c),
                None => (typed, shown),
            };
            // what the server keeps of that field on save (`merge`'s rule)
            let saved = if display != base { display } else { current };
            prop_assert_eq!(saved, if typed != shown { typed } else { current });
        }
    }

    proptest! {
        /// Whatever the order two edits of different fields arrive in, the item ends the same,
        /// with both edits in it; an edit from the item as it stands is taken whole.
        #[test]
        fn edits_of_different_fields_merge_in_any_order(
            base in fields(), x in fields(), y in fields(), ma in any::<[bool; 5]>(), mb in any::<[bool; 5]>()
        ) {
            // `a` takes some fields from `x`, `b` some others from `y`
            let a = with(&base, &x, ma);
            let b = with(&base, &y, std::array::from_fn(|i| mb[i] && !ma[i]));
            let (ca, cb) = (changed(&base, &a), changed(&base, &b));
            let ab = ItemFields::merge(&base, &b, &ItemFields::merge(&base, &a, &base));
            let ba = ItemFields::merge(&base, &a, &ItemFields::merge(&base, &b, &base));
            prop_assert_eq!(&ab, &ba);
            // each field is the one who changed it, or as it was
            prop_assert_eq!(changed(&base, &ab), std::array::from_fn::<bool, 5, _>(|i| ca[i] || cb[i]));
            prop_assert_eq!(ItemFields::merge(&a, &b, &a), b.clone());
        }

        /// A field only one side changed is that side's; the later of two changes wins.
        #[test]
        fn the_later_change_of_a_field_wins(base in fields(), mine in fields(), current in fields()) {
            let m = ItemFields::merge(&base, &mine, &current);
            let cm = changed(&base, &mine);
            prop_assert_eq!(&m.title, if cm[0] { &mine.title } else { &current.title });
            prop_assert_eq!(m.priority, if cm[2] { mine.priority } else { current.priority });
            prop_assert_eq!(m.owner, if cm[1] { mine.owner } else { current.owner });
            prop_assert_eq!(m.due_on, if cm[3] { mine.due_on } else { current.due_on });
            prop_assert_eq!(m.link, if cm[4] { mine.link.clone() } else { current.link.clone() });
        }
    }
}

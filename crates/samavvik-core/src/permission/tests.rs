//! The whole permission table, spelled out: every side × secretariat flag ×
//! state × action against an expected grid written by hand.

use super::*;

/// One grid per (side, secretariat member). A row per action in
/// [`Action::ALL`] order; a column per state in [`CaseState::ALL`] order
/// (submitted, sender_review, dispatched, acknowledged, answered, closed,
/// withdrawn). `o` allowed, `n` [`Refusal::NotYours`], `s` [`Refusal::WrongState`].
const EXPECTED: &[(Side, bool, [&str; 17])] = &[
    (
        Side::Sender,
        false,
        [
            "start-review  n n n n n n n",
            "forward       o o s s s s s",
            "return        s o s s s s s",
            "withdraw      o o s s s s s",
            "acknowledge   n n n n n n n",
            "reroute       n n n n n n n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        n n n n n n n",
            "message       s s o o o s s",
            "view          o o o o o o o",
            "export        o o o o o o o",
            "ask-secretariat s s o o o s s",
            "measure-done  n n n n n n n",
            "raise-to-fsu  s s o o o o s",
            "propose-lesson s s s s o o s",
            "assign        n n n n n n n",
        ],
    ),
    (
        Side::Sender,
        true,
        [
            "start-review  n n n n n n n",
            "forward       o o s s s s s",
            "return        s o s s s s s",
            "withdraw      o o s s s s s",
            "acknowledge   n n n n n n n",
            "reroute       n n n n n n n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        s s s s s o s",
            "message       s s o o o s s",
            "view          o o o o o o o",
            "export        o o o o o o o",
            "ask-secretariat s s o o o s s",
            "measure-done  n n n n n n n",
            "raise-to-fsu  s s o o o o s",
            "propose-lesson s s s s o o s",
            "assign        n n n n n n n",
        ],
    ),
    (
        Side::Receiver,
        false,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n o s s s n",
            "reroute       n n o o s s n",
            "answer        n n s o s s n",
            "close         n n s s o s n",
            "reopen        n n n n n n n",
            "message       n n o o o s n",
            "view          n n o o o o n",
            "export        n n o o o o n",
            "ask-secretariat n n o o o s n",
            "measure-done  n n s s o o n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n s s o o n",
            "assign        n n o o o s n",
        ],
    ),
    (
        Side::Receiver,
        true,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n o s s s n",
            "reroute       n n o o s s n",
            "answer        n n s o s s n",
            "close         n n s s o s n",
            "reopen        n n s s s o n",
            "message       n n o o o s n",
            "view          n n o o o o n",
            "export        n n o o o o n",
            "ask-secretariat n n o o o s n",
            "measure-done  n n s s o o n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n s s o o n",
            "assign        n n o o o s n",
        ],
    ),
    (
        Side::Secretariat,
        false,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n n n n n n",
            "reroute       n n o o s s n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        n n n n n n n",
            "message       n n o o o s n",
            "view          n n o o o o n",
            "export        n n o o o o n",
            "ask-secretariat n n n n n n n",
            "measure-done  n n n n n n n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n n n n n n",
            "assign        n n n n n n n",
        ],
    ),
    (
        Side::Secretariat,
        true,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n n n n n n",
            "reroute       n n o o s s n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        n n s s s o n",
            "message       n n o o o s n",
            "view          n n o o o o n",
            "export        n n o o o o n",
            "ask-secretariat n n n n n n n",
            "measure-done  n n n n n n n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n n n n n n",
            "assign        n n n n n n n",
        ],
    ),
    (
        Side::Oversight,
        false,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n n n n n n",
            "reroute       n n n n n n n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        n n n n n n n",
            "message       n n n n n n n",
            "view          n n n n n n n",
            "export        n n n n n n n",
            "ask-secretariat n n n n n n n",
            "measure-done  n n n n n n n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n n n n n n",
            "assign        n n n n n n n",
        ],
    ),
    (
        Side::Oversight,
        true,
        [
            "start-review  n n n n n n n",
            "forward       n n n n n n n",
            "return        n n n n n n n",
            "withdraw      n n n n n n n",
            "acknowledge   n n n n n n n",
            "reroute       n n n n n n n",
            "answer        n n n n n n n",
            "close         n n n n n n n",
            "reopen        n n s s s o n",
            "message       n n n n n n n",
            "view          n n n n n n n",
            "export        n n n n n n n",
            "ask-secretariat n n n n n n n",
            "measure-done  n n n n n n n",
            "raise-to-fsu  n n o o o o n",
            "propose-lesson n n n n n n n",
            "assign        n n n n n n n",
        ],
    ),
];

fn expected(cell: &str) -> Result<(), Refusal> {
    match cell {
        "o" => Ok(()),
        "n" => Err(Refusal::NotYours),
        "s" => Err(Refusal::WrongState),
        other => panic!("unknown cell {other:?}"),
    }
}

#[test]
fn the_whole_table() {
    let mut checked = 0;
    for &side in Side::ALL {
        for secretariat in [false, true] {
            let (_, _, grid) = EXPECTED
                .iter()
                .find(|(s, m, _)| *s == side && *m == secretariat)
                .unwrap_or_else(|| panic!("no grid for {side:?} {secretariat}"));
            assert_eq!(grid.len(), Action::ALL.len());
            for (row, &action) in grid.iter().zip(Action::ALL) {
                let mut cells = row.split_whitespace();
                assert_eq!(cells.next(), Some(action.slug()), "rows follow Action::ALL");
                let cells: Vec<&str> = cells.collect();
                assert_eq!(cells.len(), CaseState::ALL.len(), "{row}");
                for (&cell, &state) in cells.iter().zip(CaseState::ALL) {
                    assert_eq!(
                        check(action, side, state, secretariat),
                        expected(cell),
                        "{side:?} (secretariat member: {secretariat}) {action:?} in {state:?}"
                    );
                    checked += 1;
                }
            }
            // The buttons are exactly what the server accepts.
            for &state in CaseState::ALL {
                let shown = available(side, state, secretariat);
                let accepted: Vec<Action> = Action::ALL
                    .iter()
                    .copied()
                    .filter(|&a| check(a, side, state, secretariat).is_ok())
                    .collect();
                assert_eq!(shown, accepted);
            }
        }
    }
    assert_eq!(checked, Side::ALL.len() * 2 * CaseState::ALL.len() * Action::ALL.len());
}

#[test]
fn an_allowed_transition_is_one_the_lifecycle_allows() {
    for &side in Side::ALL {
        for secretariat in [false, true] {
            for &state in CaseState::ALL {
                for &t in Transition::ALL {
                    if check(Action::Transition(t), side, state, secretariat).is_ok() {
                        assert!(state.apply(t).is_ok(), "{side:?} {t:?} in {state:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn who_sees_a_case() {
    use CaseState as S;
    // (state, leads sender, leads receiver, secretariat member, secretariat asked) -> side
    for &state in CaseState::ALL {
        let sent_on = !matches!(state, S::Submitted | S::SenderReview | S::Withdrawn);
        for asked in [false, true] {
            assert_eq!(side(state, false, false, false, asked), None);
            assert_eq!(side(state, true, false, false, asked), Some(Side::Sender));
            assert_eq!(
                side(state, true, true, true, asked),
                Some(if sent_on { Side::Receiver } else { Side::Sender })
            );
            assert_eq!(
                side(state, false, true, false, asked),
                sent_on.then_some(Side::Receiver)
            );
        }
        // Asked for help, the secretariat reads the case (even a member who
        // also leads the sending unit acts as the secretariat).
        assert_eq!(
            side(state, true, false, true, true),
            Some(if sent_on { Side::Secretariat } else { Side::Sender })
        );
        assert_eq!(
            side(state, false, false, true, true),
            sent_on.then_some(Side::Secretariat)
        );
        // Not asked: need-to-know. A member who leads the sending unit reads
        // it as the sender; anyone else in the secretariat sees metadata only.
        assert_eq!(side(state, true, false, true, false), Some(Side::Sender));
        assert_eq!(
            side(state, false, false, true, false),
            sent_on.then_some(Side::Oversight)
        );
        // Whoever `side` lets in may view the case's content, except the
        // secretariat on a case it was not asked about.
        for (s, r, m, a) in [
            (true, false, false, false),
            (false, true, false, false),
            (false, false, true, true),
            (true, true, true, false),
        ] {
            if let Some(who) = side(state, s, r, m, a) {
                assert_eq!(check(Action::View, who, state, m), Ok(()));
            }
        }
        if sent_on {
            assert_eq!(
                check(Action::View, Side::Oversight, state, true),
                Err(Refusal::NotYours)
            );
        }
    }
}

#[test]
fn action_slugs_round_trip_and_match_the_forms() {
    for &a in Action::ALL {
        assert_eq!(Action::from_slug(a.slug()), Some(a));
    }
    assert_eq!(Action::from_slug("message"), Some(Action::Message));
    assert_eq!(
        Action::from_slug("return"),
        Some(Action::Transition(Transition::ReturnToReporter))
    );
    assert_eq!(Action::from_slug("delete"), None);
}

#[test]
fn refusals_speak_bokmal() {
    assert_eq!(
        Refusal::NotYours.message_nb(CaseState::Closed),
        "Du kan ikke gjøre dette med saken."
    );
    assert_eq!(
        Refusal::WrongState.message_nb(CaseState::Closed),
        "Saken har status «Lukket», og det kan ikke gjøres nå."
    );
}

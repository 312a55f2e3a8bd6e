//! Snapshots of the casting screens at 80×24 (roles, a pipeline, the
//! picker, an audition's clash, the Auditions tab, a booking's question)
//! and every one of them drawn at every small size down to 10×3 without
//! a panic.

use casting_shared::Role as UserRole;
use casting_tui::api::{ApiError, Refusal};
use casting_tui::casting::Reply;
use crossterm::event::KeyCode;

use crate::support::*;

fn producer() -> Driven {
    Driven::new(UserRole::ExecutiveProducer, actors(8), movies(3))
}

fn roles_of_a_movie() -> Driven {
    let mut d = producer();
    pipeline(&mut d);
    d.key(code(KeyCode::Esc));
    let mut guard = role(7, 1, "Guard");
    guard.candidates = guard_body(&d.actors.clone()).role.candidates;
    let mut queen = role(8, 1, "Queen");
    queen.actor = Some(d.actors[2].clone());
    queen.status = casting_shared::casting::RoleStatus::Cast;
    queen.candidates.booked = 1;
    reply(
        &mut d,
        Reply::Roles {
            movie_id: 1,
            result: Ok(vec![guard, queen]),
        },
    );
    d
}

fn a_pipeline() -> Driven {
    let mut d = producer();
    pipeline(&mut d);
    d
}

fn the_picker() -> Driven {
    let mut d = a_pipeline();
    d.press("a");
    let fitting = vec![d.actors[6].clone(), d.actors[4].clone()];
    let others = vec![d.actors[5].clone(), d.actors[0].clone()];
    reply(
        &mut d,
        Reply::Matches {
            role_id: 7,
            generation: 1,
            result: Ok((fitting, others)),
        },
    );
    d
}

fn an_audition_clash() -> Driven {
    let mut d = a_pipeline();
    d.press("A");
    for text in ["2027-03-02", "14:30", "15:00", "Room A"] {
        d.press(text);
        d.key(code(KeyCode::Tab));
    }
    d.key(ctrl('s'));
    let mut refusal = error(409);
    if let ApiError::Status { detail, .. } = &mut refusal {
        *detail = Some("the actor has another audition then".into());
    }
    let first = d.actors[0].id;
    reply(
        &mut d,
        Reply::AuditionScheduled {
            role_id: 7,
            result: Err(Refusal {
                error: refusal,
                conflicts: vec![audition(
                    3,
                    7,
                    first,
                    "2027-03-02T14:00:00Z",
                    "2027-03-02T15:00:00Z",
                )],
            }),
        },
    );
    d
}

fn the_auditions_tab() -> Driven {
    let mut d = producer();
    auditions_tab(&mut d);
    d.press("jj");
    d
}

fn a_booking_question() -> Driven {
    let mut d = a_pipeline();
    d.press("b");
    d
}

fn the_role_dialog() -> Driven {
    let mut d = roles_of_a_movie();
    d.press("e");
    d
}

fn an_assistants_pipeline() -> Driven {
    let mut d = Driven::new(UserRole::CastingAssistant, actors(8), movies(3));
    pipeline(&mut d);
    d
}

/// A state's name and how to reach it.
type State = (&'static str, fn() -> Driven);

const STATES: &[State] = &[
    ("roles_of_a_movie", roles_of_a_movie),
    ("pipeline_of_a_role", a_pipeline),
    ("candidate_picker", the_picker),
    ("audition_clash", an_audition_clash),
    ("auditions_tab", the_auditions_tab),
    ("booking_question", a_booking_question),
    ("role_dialog", the_role_dialog),
    ("pipeline_for_an_assistant", an_assistants_pipeline),
];

#[test]
fn casting_screens_at_80x24() {
    for (name, state) in STATES {
        let mut d = state();
        insta::assert_snapshot!(format!("casting_{name}_80x24"), d.screen_at(80, 24));
    }
}

#[test]
fn casting_screens_never_panic_down_to_10x3() {
    for (name, state) in STATES {
        let mut d = state();
        for width in 10..=40 {
            for height in 3..=14 {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    d.screen_at(width, height)
                }));
                assert!(result.is_ok(), "{name} panicked at {width}×{height}");
            }
        }
        // And back at a usual size, the state is whole.
        d.screen_at(80, 24);
    }
}

#[test]
fn casting_keys_keep_working_on_a_tiny_terminal() {
    let mut d = producer();
    d.screen_at(10, 3);
    pipeline(&mut d);
    d.press("jjjkkGg><pA");
    d.screen_at(10, 3);
    d.key(code(KeyCode::Esc));
    d.key(code(KeyCode::Esc));
    d.key(code(KeyCode::Esc));
    auditions_tab(&mut d);
    d.press("jjGgla");
    d.screen_at(10, 3);
}

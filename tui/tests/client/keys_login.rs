//! The login screen driven by synthetic keys: moving, submitting, a
//! server that is down, and Remember me with a browser sign-in.

use casting_shared::Role;
use casting_tui::action::{Action, Outcome, Related};
use casting_tui::api::ApiError;
use casting_tui::app::{App, Dialog, Effect, LoginFocus};
use casting_tui::collection::Collection;
use casting_tui::confirm::Question;

use crossterm::event::KeyCode;

use crate::support::*;

#[test]
fn the_login_screen_moves_with_tab_masks_nothing_in_state_and_submits_on_enter() {
    let mut app = App::new("http://x".into());
    for c in "ann".chars() {
        app.handle_key(char_key(c));
    }
    app.handle_key(code(KeyCode::Tab));
    assert_eq!(app.login.focus, LoginFocus::Password);
    for c in "pw q".chars() {
        app.handle_key(char_key(c));
    }
    assert!(!app.quitting, "q is part of a password");
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(char_key(' '));
    assert!(app.login.remember, "Space on the checkbox toggles it");
    let effects = app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Login {
            username: "ann".into(),
            password: "pw q".into(),
            remember: true
        }]
    );
    app.update(Action::Done(Outcome::LoggedIn {
        result: Err(error(429)),
        remember: true,
    }));
    assert!(
        app.login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Too many attempts")
    );
    app.update(Action::Done(Outcome::LoggedIn {
        result: Err(ApiError::Unreachable("connection refused".into())),
        remember: true,
    }));
    assert!(
        app.login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Cannot reach the server")
    );
}

#[test]
fn remember_me_also_keeps_a_browser_sign_in() {
    use casting_tui::action::DeviceEvent;
    let mut app = App::new("http://x".into());
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(char_key(' '));
    let effects = app.update(Action::Done(Outcome::Device(DeviceEvent::Approved(
        session(Role::CastingDirector),
    ))));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveToken(saved) if saved.token == "token")),
        "{effects:?}"
    );
    assert!(app.session.is_some());
}

mod casting {
    use super::*;
    use casting_tui::cast::{CastMode, CastRequest};

    fn entries() -> Vec<casting_shared::api::CastEntry> {
        actors(2)
            .into_iter()
            .map(|actor| casting_shared::api::CastEntry {
                actor,
                character: Some("Hero".into()),
            })
            .collect()
    }

    fn opened(role: Role) -> Driven {
        let mut d = Driven::new(role, actors(30), movies(5));
        d.press("2j");
        let effects = d.press("c");
        assert_eq!(
            effects,
            vec![Effect::FetchRelated {
                collection: Collection::Movies,
                id: 2
            }]
        );
        d.act(Action::Done(Outcome::RelatedLoaded {
            collection: Collection::Movies,
            id: 2,
            result: Ok(Related::Cast(entries())),
        }));
        d
    }

    fn mode(d: &Driven) -> &CastMode {
        match &d.app.dialog {
            Some(Dialog::Cast(view)) => &view.mode,
            _ => panic!("the cast view is not open"),
        }
    }

    #[test]
    fn adding_searches_the_server_as_you_type_then_asks_for_the_character() {
        let mut d = opened(Role::CastingDirector);
        let effects = d.press("a");
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Search {
                    generation: 1,
                    q: String::new(),
                    after: None
                }
            }]
        );
        let effects = d.press("zo");
        assert_eq!(
            effects,
            vec![
                Effect::Cast {
                    movie_id: 2,
                    request: CastRequest::Search {
                        generation: 2,
                        q: "z".into(),
                        after: None
                    }
                },
                Effect::Cast {
                    movie_id: 2,
                    request: CastRequest::Search {
                        generation: 3,
                        q: "zo".into(),
                        after: None
                    }
                },
            ],
            "each keystroke asks the server (q), so 100 000 actors are fine"
        );
        // An answer to an older keystroke is dropped.
        d.act(Action::Done(Outcome::CastSearch {
            movie_id: 2,
            generation: 2,
            after: None,
            result: Ok(matches(actors(9), 9, None)),
        }));
        let CastMode::Picker(picker) = mode(&d) else {
            panic!("no picker")
        };
        assert!(picker.results.is_empty());
        let zoe = casting_shared::Actor {
            id: 77,
            name: "Zoe Kim".into(),
            age: 30,
            gender: "Female".into(),
        };
        d.act(Action::Done(Outcome::CastSearch {
            movie_id: 2,
            generation: 3,
            after: None,
            result: Ok(matches(vec![zoe], 1, None)),
        }));
        assert!(d.key(code(KeyCode::Enter)).is_empty());
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!((edit.actor_id, edit.adding), (77, true));
        d.press("Lead");
        let effects = d.key(code(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Assign {
                    actor_id: 77,
                    name: "Zoe Kim".into(),
                    character: Some("Lead".into())
                }
            }]
        );
        let effects = d.act(Action::Done(Outcome::CastAssigned {
            movie_id: 2,
            actor: "Zoe Kim".into(),
            character: Some("Lead".into()),
            result: Ok(()),
        }));
        assert_eq!(
            effects,
            vec![Effect::FetchRelated {
                collection: Collection::Movies,
                id: 2
            }],
            "the cast is re-read"
        );
        assert!(matches!(mode(&d), CastMode::Browse));
        assert_eq!(status(&d.app), "Zoe Kim plays Lead");
    }

    #[test]
    fn changing_a_character_checks_it_and_shows_the_servers_refusal() {
        let mut d = opened(Role::ExecutiveProducer);
        d.press("je");
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!(
            (edit.actor_id, edit.input.value(), edit.adding),
            (2, "Hero", false)
        );
        d.press(&"x".repeat(200));
        assert!(
            d.key(code(KeyCode::Enter)).is_empty(),
            "over 200 characters is not sent"
        );
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!(
            edit.error.as_deref(),
            Some("must be at most 200 characters")
        );
        for _ in 0..204 {
            d.key(code(KeyCode::Backspace));
        }
        let effects = d.key(code(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Assign {
                    actor_id: 2,
                    name: entries()[1].actor.name.clone(),
                    character: None
                }
            }],
            "an emptied character means none"
        );
        let mut refusal = error(422);
        if let ApiError::Status { fields, .. } = &mut refusal {
            fields.insert("character".into(), "is not acceptable".into());
        }
        d.act(Action::Done(Outcome::CastAssigned {
            movie_id: 2,
            actor: "B".into(),
            character: None,
            result: Err(refusal),
        }));
        let CastMode::Character(edit) = mode(&d) else {
            panic!("the dialog stays")
        };
        assert_eq!(edit.error.as_deref(), Some("is not acceptable"));
    }

    #[test]
    fn removing_asks_first_with_cancel_selected() {
        let mut d = opened(Role::CastingDirector);
        d.press("x");
        assert!(matches!(
            d.app.confirm.as_ref().map(|c| &c.question),
            Some(Question::RemoveCast { actor_id: 1, .. })
        ));
        assert!(
            d.key(code(KeyCode::Enter)).is_empty(),
            "Enter on Cancel removes nobody"
        );
        assert!(d.app.confirm.is_none());
        assert!(matches!(mode(&d), CastMode::Browse));
        d.press("x");
        let effects = d.press("y");
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Remove {
                    actor_id: 1,
                    name: entries()[0].actor.name.clone()
                }
            }]
        );
        d.key(code(KeyCode::Esc));
        assert!(d.app.dialog.is_none(), "Esc goes back to the movies");
    }

    #[test]
    fn an_assistant_can_look_but_not_change() {
        let mut d = opened(Role::CastingAssistant);
        for key in ["a", "e", "x"] {
            assert!(d.press(key).is_empty());
            assert!(matches!(mode(&d), CastMode::Browse), "{key}");
        }
        assert_eq!(
            status(&d.app),
            "Casting Assistant cannot change casts (patch:movies)"
        );
    }

    #[test]
    fn c_on_the_actors_tab_shows_the_filmography() {
        let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
        d.press("jj");
        assert_eq!(
            d.press("c"),
            vec![Effect::FetchRelated {
                collection: Collection::Actors,
                id: 3
            }]
        );
        assert!(matches!(d.app.dialog, Some(Dialog::Filmography(_))));
        d.press("q");
        assert!(
            d.app.dialog.is_none() && !d.app.quitting,
            "q closes the view first"
        );
    }
}

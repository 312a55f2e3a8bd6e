//! Issue 14, driven by keys: the session's life. Logging in with the
//! server down, log-out and switching user, the login overlay when the
//! session ends (everything kept, the save sent again), and renewal (the
//! server's refresh, a provider's refresh token, the session's end).

use casting_shared::Role;
use casting_tui::action::{Action, Outcome};
use casting_tui::api::ApiError;
use casting_tui::app::{Effect, LoginFocus};
use casting_tui::collection::Collection;
use casting_tui::confirm::{Button, Question};
use crossterm::event::KeyCode;

use casting_tui::session::Renewal;

use crate::support::*;

#[test]
fn logging_in_while_the_server_is_down_keeps_the_password() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(1), movies(1));
    d.key(code(KeyCode::Char('L')));
    d.press("y");
    d.press("s3cret-pass");
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::LoggedIn {
        result: Err(ApiError::Unreachable("connection refused".into())),
        remember: false,
    }));
    assert_eq!(d.app.login.password.value(), "s3cret-pass");
    assert!(
        d.app
            .login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("connection refused")
    );
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::LoggedIn {
        result: Err(error(401)),
        remember: false,
    }));
    assert_eq!(
        d.app.login.password.value(),
        "",
        "a wrong password is cleared"
    );
}

#[test]
fn log_out_and_switch_user_ask_first_and_forget_the_token() {
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(1));
    d.press("jj");
    assert!(d.press("L").is_empty());
    let confirm = d.app.confirm.as_ref().expect("asks first");
    assert_eq!(
        (&confirm.question, confirm.selected),
        (&Question::Logout, Button::Cancel)
    );
    d.key(code(KeyCode::Enter));
    assert!(d.app.session.is_some(), "Cancel is the default");
    d.press("L");
    let effects = d.press("y");
    assert_eq!(effects, vec![Effect::ForgetToken]);
    assert!(d.app.session.is_none());
    assert_eq!(
        d.app.login.username.value(),
        "assistant",
        "ready to log back in"
    );
    d.act(Action::Done(Outcome::LoggedIn {
        result: Ok(session(Role::CastingDirector)),
        remember: false,
    }));
    d.press("U");
    assert_eq!(
        d.app.confirm.as_ref().unwrap().question,
        Question::SwitchUser
    );
    d.press("y");
    assert!(d.app.session.is_none());
    assert_eq!(d.app.login.username.value(), "", "someone else logs in");
    assert_eq!(d.app.actors.selected, 0, "nothing of the last user is kept");
}

#[test]
fn when_the_session_ends_the_login_overlay_keeps_everything_and_resends_the_save() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(40), movies(3));
    d.press("/ba");
    d.key(code(KeyCode::Enter));
    d.press("sj");
    let selected = d.app.actors.selected_row().unwrap().clone();
    d.press("e");
    d.act(Action::Done(fetched_actor(
        selected.clone(),
        Some("\"5\"".into()),
    )));
    d.press(" II");
    let effects = d.key(ctrl('s'));
    let [sent @ Effect::Update { .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let sent = sent.clone();
    let effects = d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(401)),
    }));
    assert!(d.app.relogin, "the login overlay is over the screen");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchPage { .. }))
    );
    assert_eq!(
        d.app.login.username.value(),
        "producer",
        "the username is filled in"
    );
    assert_eq!(d.app.login.focus, LoginFocus::Password);
    assert!(screen(&d.app, 80, 24).contains("Session ended"));
    d.press("pw");
    let effects = d.key(code(KeyCode::Enter));
    assert!(matches!(&effects[..], [Effect::Login { username, .. }] if username == "producer"));
    let effects = d.act(Action::Done(Outcome::LoggedIn {
        result: Ok(session(Role::ExecutiveProducer)),
        remember: false,
    }));
    assert!(!d.app.relogin);
    assert_eq!(
        effects.iter().filter(|e| **e == sent).count(),
        1,
        "the failed save is sent again once, with its If-Match: {effects:?}"
    );
    assert_eq!(d.app.tab, Collection::Actors);
    assert_eq!(d.app.actors.query(), "ba");
    assert_eq!(d.app.actors.sort_field(), "name");
    assert_eq!(d.app.actors.selected_row(), Some(&selected));
    assert_eq!(
        form_values(&d)[0],
        format!("{} II", selected.name),
        "what was typed"
    );
}

#[test]
fn the_token_is_renewed_before_it_expires() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let effects = d.act(Action::RenewSession);
    assert_eq!(
        effects,
        vec![Effect::Refresh {
            token: "token".into(),
            renewal: Renewal::Server,
        }]
    );
    assert!(
        d.act(Action::RenewSession).is_empty(),
        "one renewal at a time"
    );
    let mut fresh = session(Role::ExecutiveProducer);
    fresh.token = "fresh".into();
    fresh.username = None;
    d.act(Action::Done(Outcome::Refreshed(Ok(fresh))));
    let current = d.app.session.as_ref().unwrap();
    assert_eq!(
        (current.token.as_str(), current.who()),
        ("fresh", "producer".into())
    );
    d.act(Action::RenewSession);
    d.act(Action::Done(Outcome::Refreshed(Err(error(401)))));
    assert!(d.app.relogin, "renewal refused: log in again now");
}

#[test]
fn at_the_servers_session_end_renewal_stops_and_a_busy_server_is_asked_again_in_time() {
    let now = casting_tui::session::now();
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.app.session.as_mut().unwrap().expires_at = now + 100;
    d.act(Action::RenewSession);
    let mut capped = session(Role::ExecutiveProducer);
    capped.expires_at = now + 100;
    d.act(Action::Done(Outcome::Refreshed(Ok(capped))));
    assert_eq!(
        d.app.session.as_ref().unwrap().renewal,
        Renewal::Impossible,
        "a token that ends no later than the last: the session ends then"
    );
    assert!(d.act(Action::RenewSession).is_empty(), "not asked again");
    assert_eq!(d.app.renew_not_before, now + 100, "the login comes then");

    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.app.session.as_mut().unwrap().expires_at = now + 20;
    d.act(Action::RenewSession);
    let busy = ApiError::Status {
        status: 429,
        message: "Too Many Requests".into(),
        detail: None,
        fields: Default::default(),
        retry_after: Some(45),
    };
    d.act(Action::Done(Outcome::Refreshed(Err(busy))));
    assert!(!d.app.relogin);
    assert_eq!(
        d.app.renew_not_before,
        now + 20,
        "asked again when the token expires, not after"
    );
}

#[test]
fn a_browser_sign_in_renews_with_its_refresh_token_or_else_logs_in_again_at_expiry() {
    let provider = Renewal::Provider {
        token_endpoint: "http://idp/token".into(),
        client_id: "casting-tui".into(),
        refresh_token: "r1".into(),
    };
    let mut d = Driven::new(Role::CastingDirector, actors(3), movies(1));
    let current = d.app.session.as_mut().unwrap();
    current.renewal = provider.clone();
    current.expires_at = casting_tui::session::now() + 60;
    assert_eq!(
        d.act(Action::RenewSession),
        vec![Effect::Refresh {
            token: "token".into(),
            renewal: provider,
        }],
        "the provider's refresh token, not the server's /auth/refresh"
    );
    let mut fresh = session(Role::CastingDirector);
    fresh.expires_at = casting_tui::session::now() + 120;
    fresh.renewal = Renewal::Provider {
        token_endpoint: "http://idp/token".into(),
        client_id: "casting-tui".into(),
        refresh_token: "r2".into(),
    };
    d.act(Action::Done(Outcome::Refreshed(Ok(fresh.clone()))));
    assert_eq!(
        d.app.session.as_ref().unwrap().renewal,
        fresh.renewal,
        "a rotated refresh token is the one used next"
    );

    // No refresh token: nothing is asked; the login comes at expiry, not before.
    let mut d = Driven::new(Role::CastingDirector, actors(3), movies(1));
    let session = d.app.session.as_mut().unwrap();
    session.renewal = Renewal::Impossible;
    session.expires_at = casting_tui::session::now() + 60;
    assert!(d.act(Action::RenewSession).is_empty());
    assert!(!d.app.relogin, "the token is still good");
    assert_eq!(
        d.app.renew_not_before,
        d.app.session.as_ref().unwrap().expires_at
    );
    d.app.session.as_mut().unwrap().expires_at = casting_tui::session::now();
    d.act(Action::RenewSession);
    assert!(d.app.relogin, "expired: the login overlay");
}

//! Issue 30's movement: Ctrl-D / Ctrl-U half a screen, in every list.

use casting_shared::Role;

use crate::support::*;

#[test]
fn ctrl_d_and_ctrl_u_move_half_a_screen() {
    let mut d = Driven::new(Role::CastingAssistant, actors(100), movies(1));
    let half = d.app.viewport() / 2;
    d.key(ctrl('d'));
    assert_eq!(d.app.actors.selected, half);
    d.key(ctrl('d'));
    assert_eq!(d.app.actors.selected, 2 * half);
    d.key(ctrl('u'));
    assert_eq!(d.app.actors.selected, half);
    d.key(ctrl('u'));
    d.key(ctrl('u'));
    assert_eq!(d.app.actors.selected, 0, "not past the top");
}

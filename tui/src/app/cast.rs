//! Casting: a movie's cast (picker, character, removal) and an actor's
//! filmography, and where their lists arrive.

use casting_shared::Permission;

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, Related};
use crate::api::{ApiError, ListPage};
use crate::bindings::Command;
use crate::cast::CastMode;
use crate::collection::Collection;
use crate::confirm::{Confirm, Question};

impl App {
    /// Rows of a list panel on screen (for PgUp / PgDn).
    pub(super) fn panel_page(&self) -> usize {
        usize::from(self.height.saturating_sub(8)).max(1)
    }

    pub(super) fn update_cast(&mut self, action: Action) -> Vec<Effect> {
        let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
        let page = self.panel_page();
        let Some(Dialog::Cast(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        let movie_id = view.movie_id;
        let browsing = matches!(view.mode, CastMode::Browse);
        let changes = matches!(
            action,
            Action::Command(Command::AddCast | Command::Character | Command::RemoveCast)
        );
        if browsing && changes && !view.can_change {
            self.set_status(Message::error(format!(
                "{role} cannot change casts ({})",
                Permission::PatchMovies
            )));
            return Vec::new();
        }
        if browsing && view.filter.active && view.filter.take(&action, &mut view.selected) {
            return Vec::new();
        }
        let request = match action {
            Action::EditText(key) => view.edit_text(key),
            Action::Command(command) => match command {
                Command::Back => {
                    if view.back() {
                        self.dialog = None;
                        return self.reload_top_detail();
                    }
                    None
                }
                Command::Move(movement) => view.apply_movement(movement, page),
                Command::Filter if browsing => {
                    view.filter.active = true;
                    None
                }
                Command::Reload if browsing => {
                    return vec![Effect::FetchRelated {
                        collection: Collection::Movies,
                        id: movie_id,
                    }];
                }
                Command::AddCast if browsing => Some(view.open_picker()),
                Command::Character if browsing => {
                    view.open_character();
                    None
                }
                Command::RemoveCast if browsing => {
                    if let Some(entry) = view.selected_entry() {
                        self.confirm = Some(Confirm::new(Question::RemoveCast {
                            movie_id,
                            movie: view.title.clone(),
                            actor_id: entry.actor.id,
                            name: entry.actor.name.clone(),
                        }));
                    }
                    None
                }
                Command::Open if browsing => {
                    if let Some(entry) = view.selected_entry() {
                        let actor = crate::action::Record::Actor(entry.actor.clone());
                        return self.push_detail(actor);
                    }
                    None
                }
                Command::History if browsing => {
                    if let Some(entry) = view.selected_entry() {
                        let actor = crate::action::Record::Actor(entry.actor.clone());
                        return self.open_history(&actor);
                    }
                    None
                }
                Command::SwitchFocus => {
                    view.switch_focus();
                    None
                }
                Command::Pick => view.submit(),
                Command::Save => {
                    let request = view.submit();
                    if let Some(request) = &request {
                        self.last_write = Some(Effect::Cast {
                            movie_id,
                            request: request.clone(),
                        });
                    }
                    request
                }
                Command::Help => {
                    self.help = Some(0);
                    None
                }
                _ => None,
            },
            _ => None,
        };
        request
            .map(|request| vec![Effect::Cast { movie_id, request }])
            .unwrap_or_default()
    }

    pub(super) fn update_filmography(&mut self, action: Action) -> Vec<Effect> {
        let page = self.panel_page();
        let Some(Dialog::Filmography(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if view.filter.active && view.filter.take(&action, &mut view.selected) {
            return Vec::new();
        }
        match action {
            Action::Command(Command::Filter) => view.filter.active = true,
            Action::Command(Command::Back) => {
                self.dialog = None;
                return self.reload_top_detail();
            }
            Action::Command(Command::Move(movement)) => view.apply_movement(movement, page),
            Action::Command(Command::Reload) => {
                return vec![Effect::FetchRelated {
                    collection: Collection::Actors,
                    id: view.actor_id,
                }];
            }
            Action::Command(Command::Open) => {
                if let Some(entry) = view.selected_entry() {
                    let movie = crate::action::Record::Movie(entry.movie.clone());
                    return self.push_detail(movie);
                }
            }
            Action::Command(Command::History) => {
                if let Some(entry) = view.selected_entry() {
                    let movie = crate::action::Record::Movie(entry.movie.clone());
                    return self.open_history(&movie);
                }
            }
            Action::Command(Command::Help) => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn cast_search(
        &mut self,
        movie_id: i64,
        generation: u64,
        first: bool,
        result: Result<ListPage<Vec<casting_shared::Actor>>, ApiError>,
    ) -> Vec<Effect> {
        if let Some(Dialog::Cast(view)) = self.dialog.as_mut()
            && view.movie_id == movie_id
        {
            let failed = result.as_ref().err().cloned();
            let more = view.search_results(generation, first, result.map_err(|e| e.describe()));
            if let Some(error) = failed
                && let Some(effects) = self.explain(&error, "see actors")
            {
                return effects;
            }
            if let Some(request) = more {
                return vec![Effect::Cast { movie_id, request }];
            }
        }
        Vec::new()
    }

    /// A movie's cast or an actor's movies arrived: for the cast panel, the
    /// filmography, a detail view, or the count a delete question shows.
    pub(super) fn related_loaded(
        &mut self,
        collection: Collection,
        id: i64,
        result: Result<Related, ApiError>,
    ) -> Vec<Effect> {
        if let Some(Question::Delete {
            collection: c,
            id: i,
            cast_entries,
            ..
        }) = self.confirm.as_mut().map(|c| &mut c.question)
            && *c == collection
            && *i == id
            && let Ok(related) = &result
        {
            *cast_entries = Some(related.len());
        }
        self.detail_related(collection, id, &result);
        match (self.dialog.as_mut(), &result) {
            (Some(Dialog::Cast(view)), _)
                if collection == Collection::Movies && view.movie_id == id =>
            {
                match &result {
                    Ok(Related::Cast(entries)) => view.loaded(Ok(entries.clone())),
                    Ok(Related::Filmography(_)) => {}
                    Err(error) => view.loaded(Err(error.describe())),
                }
            }
            (Some(Dialog::Filmography(view)), _)
                if collection == Collection::Actors && view.actor_id == id =>
            {
                match &result {
                    Ok(Related::Filmography(entries)) => view.loaded(entries.clone()),
                    Ok(Related::Cast(_)) => {}
                    Err(error) => view.error = Some(error.describe()),
                }
            }
            _ => {}
        }
        match result {
            Err(error) => self
                .explain(&error, &format!("see {}", cast_noun(collection)))
                .unwrap_or_default(),
            Ok(_) => Vec::new(),
        }
    }

    /// After an assignment or removal: report, and re-read the cast.
    pub(super) fn cast_changed(
        &mut self,
        movie_id: i64,
        done: String,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        if result.is_ok() {
            self.last_write = None;
        } else if result.as_ref().err().and_then(ApiError::status) == Some(401) {
            self.retry = self.last_write.take();
        }
        let Some(Dialog::Cast(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if view.movie_id != movie_id {
            return Vec::new();
        }
        match result {
            Ok(()) => {
                view.mode = CastMode::Browse;
                self.set_status(Message::success(done));
                vec![Effect::FetchRelated {
                    collection: Collection::Movies,
                    id: movie_id,
                }]
            }
            Err(error) => {
                let field = match &error {
                    ApiError::Status { fields, .. } => fields.get("character").cloned(),
                    _ => None,
                };
                view.assign_failed(field, error.describe());
                self.explain(&error, "change casts").unwrap_or_default()
            }
        }
    }
}

fn cast_noun(collection: Collection) -> &'static str {
    match collection {
        Collection::Movies => "casts",
        Collection::Actors => "filmographies",
    }
}

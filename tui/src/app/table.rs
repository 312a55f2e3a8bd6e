//! The tables: tabs, moving, the filter line, sorting, reloading, and
//! opening a row (detail, edit, delete, cast) from them.

use casting_shared::Permission;
use crossterm::event::KeyEvent;

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, Record, Rows};
use crate::api::{ApiError, ListPage};
use crate::bindings::{Command, Need};
use crate::cast::{CastView, FilmographyView};
use crate::collection::Collection;
use crate::confirm::{Confirm, Question};
use crate::filters::FilterDialog;
use crate::form::Form;
use crate::table::{PageRequest, Table, TableOps, TableRow};

/// The tab bar's title, then each tab's label (see `ui::table`).
pub const TITLE: &str = " Casting Agency ";

/// The Auditions tab's label.
pub const AUDITIONS_TAB: &str = " 3 Auditions ";

pub fn tab_label(collection: Collection) -> String {
    let key = match collection {
        Collection::Actors => '1',
        Collection::Movies => '2',
    };
    format!(" {key} {} ", collection.title())
}

/// The tab under a column of the tab bar.
pub fn tab_at(column: u16) -> Option<Collection> {
    // The title, then "│" before each tab.
    let mut start = TITLE.chars().count() + 1;
    for collection in Collection::ALL {
        let end = start + tab_label(collection).chars().count();
        if (start..end).contains(&usize::from(column)) {
            return Some(collection);
        }
        start = end + 1;
    }
    None
}

impl App {
    pub(super) fn update_main(&mut self, action: Action) -> Vec<Effect> {
        let viewport = self.viewport();
        if self.table().filtering() {
            return self.update_filter(action);
        }
        let Action::Command(command) = action else {
            return Vec::new();
        };
        if let Some(effects) = self.table_extras(command) {
            return effects;
        }
        match command {
            Command::SelectTab(tab) => self.tab = tab,
            Command::AuditionsTab => return self.show_schedule(),
            // Actors, Movies, Auditions, round.
            Command::NextTab if self.tab == Collection::Movies => return self.show_schedule(),
            Command::PreviousTab if self.tab == Collection::Actors => {
                return self.show_schedule();
            }
            Command::NextTab | Command::PreviousTab => self.tab = self.tab.other(),
            Command::Move(movement) => self.table_mut().apply_movement(movement, viewport),
            Command::Filter => self.table_mut().set_filtering(true),
            Command::Filters => {
                self.dialog = Some(Dialog::Filters(FilterDialog::new(
                    self.tab,
                    self.table().filters(),
                )));
            }
            Command::Back => {
                let had_filters = !self.table().filters().is_empty();
                if had_filters {
                    self.table_mut().set_filters(Vec::new());
                }
                if self.table_mut().clear_filter() || had_filters {
                    self.set_status(Message::info("Filters cleared"));
                }
            }
            Command::Sort => self.table_mut().cycle_sort(),
            Command::ReverseSort => self.table_mut().reverse_sort(viewport),
            Command::Reload => {
                self.table_mut().reload();
                self.reloading = Some(self.tab);
                self.set_status(Message::info("Reloading…"));
            }
            Command::Open => return self.open_detail(),
            Command::New => return self.open_new(),
            Command::Edit => {
                if let Some(record) = self.table().selected_record() {
                    return self.open_edit(&record);
                }
            }
            Command::Delete => {
                if let Some(record) = self.table().selected_record() {
                    return self.open_delete(&record);
                }
            }
            Command::Cast => {
                if let Some(record) = self.table().selected_record() {
                    return self.open_cast(&record);
                }
            }
            Command::History => {
                if let Some(record) = self.table().selected_record() {
                    return self.open_history(&record);
                }
            }
            Command::Roles => {
                if let Some(record) = self.table().selected_record() {
                    return self.open_roles(&record);
                }
            }
            Command::Export => self.open_export(),
            Command::Logout => self.confirm = Some(Confirm::new(Question::Logout)),
            Command::SwitchUser => self.confirm = Some(Confirm::new(Question::SwitchUser)),
            Command::Help => self.help = Some(0),
            _ => {}
        }
        self.fetch_visible()
    }

    fn update_filter(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::EditText(key) => {
                if !self.edit_filter(key) || self.in_burst {
                    return Vec::new();
                }
            }
            Action::Command(Command::FinishFilter) => self.table_mut().set_filtering(false),
            Action::Command(Command::Back) => {
                let table = self.table_mut();
                table.set_filtering(false);
                table.clear_filter();
            }
            Action::Command(Command::Move(movement)) => {
                let viewport = self.viewport();
                self.table_mut().apply_movement(movement, viewport);
            }
            _ => return Vec::new(),
        }
        self.fetch_visible()
    }

    fn edit_filter(&mut self, key: KeyEvent) -> bool {
        self.table_mut().edit_filter(key)
    }

    /// Requests for the pages on screen that are not loaded yet.
    pub fn fetch_visible(&mut self) -> Vec<Effect> {
        if self.session.is_none() || self.relogin {
            return Vec::new();
        }
        let viewport = self.viewport();
        let collection = self.tab;
        let requests = match collection {
            Collection::Actors => self.actors.wanted_pages(viewport),
            Collection::Movies => self.movies.wanted_pages(viewport),
        };
        requests
            .into_iter()
            .map(|request| Effect::FetchPage {
                collection,
                request,
            })
            .collect()
    }

    /// A page answer; `Some` when it needs effects of its own (a 401).
    pub(super) fn page_arrived(
        &mut self,
        collection: Collection,
        request: &PageRequest,
        result: Result<ListPage<Rows>, ApiError>,
    ) -> Option<Vec<Effect>> {
        match result {
            Ok(answer) => {
                let applied = match collection {
                    Collection::Actors => apply(&mut self.actors, request, answer),
                    Collection::Movies => apply(&mut self.movies, request, answer),
                };
                // The selection may have followed its record to another row.
                let viewport = self.viewport();
                self.table_mut_of(collection).keep_visible(viewport);
                if applied && self.reloading == Some(collection) {
                    self.reloading = None;
                    let count = count_label(self.table_of(collection));
                    self.set_status(Message::success(format!(
                        "Reloaded: {count} {}",
                        collection.path()
                    )));
                }
                if applied && self.pending_jump.is_some() {
                    return Some(self.jump_found(collection));
                }
                None
            }
            Err(error) => {
                let text = error.describe();
                match collection {
                    Collection::Actors => self.actors.apply_error(request, text),
                    Collection::Movies => self.movies.apply_error(request, text),
                }
                if self.reloading == Some(collection) {
                    self.reloading = None;
                }
                self.explain(&error, &format!("see {}", collection.path()))
            }
        }
    }

    fn open_new(&mut self) -> Vec<Effect> {
        let noun = self.tab.noun();
        if !self.permitted(Need::Create, &format!("add {noun}s")) {
            return Vec::new();
        }
        self.dialog = Some(Dialog::Form(match self.tab {
            Collection::Actors => Form::new_actor(),
            Collection::Movies => Form::new_movie(),
        }));
        Vec::new()
    }

    /// `e`: the edit dialog for a record (from the table or a detail view).
    pub(super) fn open_edit(&mut self, record: &Record) -> Vec<Effect> {
        let collection = record.collection();
        if !self.permitted(Need::Edit, &format!("edit {}s", collection.noun())) {
            return Vec::new();
        }
        self.dialog = Some(Dialog::Form(Form::edit_record(record)));
        // Its current version (ETag) for If-Match, fetched while the user types.
        vec![Effect::FetchRow {
            collection,
            id: record.id(),
        }]
    }

    /// `d`: asks first, saying how many cast entries go with it.
    pub(super) fn open_delete(&mut self, record: &Record) -> Vec<Effect> {
        let collection = record.collection();
        if !self.permitted(Need::Delete, &format!("delete {}s", collection.noun())) {
            return Vec::new();
        }
        let id = record.id();
        self.confirm = Some(Confirm::new(Question::Delete {
            collection,
            id,
            label: record.label().to_owned(),
            etag: None,
            cast_entries: None,
        }));
        // The version being deleted (for If-Match) and its cast entries.
        vec![
            Effect::FetchRow { collection, id },
            Effect::FetchRelated { collection, id },
        ]
    }

    /// `c`: a movie's cast (to change it), an actor's movies.
    pub(super) fn open_cast(&mut self, record: &Record) -> Vec<Effect> {
        let id = record.id();
        let collection = record.collection();
        self.dialog = Some(match record {
            Record::Movie(movie) => Dialog::Cast(CastView::new(
                movie.id,
                movie.title.clone(),
                self.can(Permission::PatchMovies),
            )),
            Record::Actor(actor) => {
                Dialog::Filmography(FilmographyView::new(actor.id, actor.name.clone()))
            }
        });
        vec![Effect::FetchRelated { collection, id }]
    }

    /// After a change: the table asks again, keeping its selection on `id`.
    pub(super) fn invalidate(&mut self, collection: Collection, follow: Option<i64>) {
        let table = self.table_mut_of(collection);
        table.reload();
        match follow {
            Some(id) => table.follow(id),
            None => table.forget_selected_id(),
        }
    }
}

fn apply<R: TableRow>(table: &mut Table<R>, request: &PageRequest, answer: ListPage<Rows>) -> bool {
    match Table::<R>::page_of(answer) {
        Some(answer) => {
            let current = request.generation == table.generation;
            table.apply_page(request, answer);
            current
        }
        None => false,
    }
}

/// How many rows a table has, as its title and messages say it: `64`,
/// `100 000`, or `10 000+` ("more than 10 000") when the server stopped
/// counting (its total, then a lower bound, is one past where it stopped).
pub fn count_label(table: &dyn TableOps) -> String {
    count_text(table.total().unwrap_or(0), table.total_exact())
}

/// A count as [`count_label`] says it.
pub fn count_text(total: usize, exact: bool) -> String {
    if exact {
        group_digits(total)
    } else {
        format!("{}+", group_digits(total.saturating_sub(1)))
    }
}

/// `1234567` as `1 234 567` from five digits up (`1234` stays as it is).
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    if digits.len() < 5 {
        return digits;
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

//! The limits of the values the API accepts: text lengths, ages, page
//! sizes. The parsers ([`crate::domain`], [`crate::api`]) enforce them and
//! the OpenAPI schemas ([`crate::openapi`]) state them, both from here.

pub const NAME_MAX: usize = 200;
pub const GENDER_MAX: usize = 50;
pub const TITLE_MAX: usize = 200;
pub const CHARACTER_MAX: usize = 200;
pub const AGE_MIN: i32 = 0;
pub const AGE_MAX: i32 = 150;

pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;

/// The default and the largest `per_page` of a list.
pub const DEFAULT_PER_PAGE: u32 = 10;
pub const MAX_PER_PAGE: u32 = 1000;
/// The longest `q` a list accepts (400 beyond).
pub const SEARCH_MAX: usize = 200;

/// A role's character name, its breakdown and its wanted gender.
pub const ROLE_NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2000;
pub const ROLE_GENDER_MAX: usize = 50;
/// A candidate's or an audition's note.
pub const NOTE_MAX: usize = 2000;
/// An audition's location.
pub const LOCATION_MAX: usize = 200;
/// The longest audition, in seconds (12 h).
pub const AUDITION_MAX_SECONDS: i64 = 12 * 3600;

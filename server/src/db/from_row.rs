//! `from_row!`: reading a struct from a row's columns of the same names.

/// A struct whose fields are read from a row's columns of the same names,
/// on either backend: what sqlx's `#[derive(FromRow)]` writes, without its
/// proc-macro crate (which compiles a second copy of sqlx and both drivers
/// into every cold build; see `db/migrations.rs`).
macro_rules! from_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl<'r, R: ::sqlx::Row> ::sqlx::FromRow<'r, R> for $name
        where
            &'r str: ::sqlx::ColumnIndex<R>,
            $($ty: ::sqlx::Decode<'r, R::Database> + ::sqlx::Type<R::Database>,)*
        {
            fn from_row(row: &'r R) -> ::sqlx::Result<Self> {
                Ok(Self {
                    $($field: ::sqlx::Row::try_get(row, stringify!($field))?),*
                })
            }
        }
    };
}
pub(crate) use from_row;

//! The migrations of both stores, embedded in the binary from
//! `migrations/{postgres,sqlite}/` by name. Listed here rather than found by
//! sqlx's `migrate!` macro: that macro makes every build compile a second,
//! host copy of sqlx with both database drivers and SQLite's C source, about
//! a minute of a cold build on two cores (issue 27). A test holds each list
//! to its directory, so a new migration file cannot be forgotten.

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// One migration from its file name (`0003_cast`) and text, as `migrate!`
/// makes it: the version before the first `_`, the rest with spaces as the
/// description, and `-- no-transaction` on the first line honoured. The
/// checksum is the same, so databases migrated before keep validating.
fn migration(name: &'static str, sql: &'static str) -> Migration {
    let (version, description) = name.split_once('_').unwrap_or((name, ""));
    let version = version
        .parse()
        .unwrap_or_else(|_| panic!("migration {name} does not start with a number"));
    Migration::new(
        version,
        Cow::Owned(description.replace('_', " ")),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        sql.starts_with("-- no-transaction"),
    )
}

/// Embeds the named files of one store's migration folder.
macro_rules! embed {
    ($store:literal: $($name:literal),* $(,)?) => {
        vec![$(migration(
            $name,
            include_str!(concat!("../../../migrations/", $store, "/", $name, ".sql")),
        )),*]
    };
}

/// Both stores' migrations, named once: each migration has a file of the
/// same name in both folders (the test below checks each folder's list).
macro_rules! both {
    ($($name:literal),* $(,)?) => {
        /// The PostgreSQL store's migrations.
        pub fn postgres() -> Migrator {
            Migrator::with_migrations(embed!("postgres": $($name),*))
        }

        /// The SQLite store's migrations.
        pub fn sqlite() -> Migrator {
            Migrator::with_migrations(embed!("sqlite": $($name),*))
        }
    };
}

both![
    "0001_actors_and_movies",
    "0002_users_and_signing_keys",
    "0003_cast",
    "0004_counts_and_search",
    "0005_revocation_and_username_keys",
    "0006_list_paging",
    "0007_gender_sort",
    "0008_changes",
    "0009_casting",
    "0010_audition_counts",
    "0011_versions_on_direct_writes",
    "0013_undo",
    "0014_name_keys",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(store: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(store);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("the migrations folder")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter_map(|name| name.strip_suffix(".sql").map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    fn embedded(migrator: &Migrator) -> Vec<String> {
        migrator
            .iter()
            .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
            .collect()
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        assert_eq!(embedded(&postgres()), folder("postgres"));
        assert_eq!(embedded(&sqlite()), folder("sqlite"));
    }

    #[test]
    fn versions_and_descriptions_are_those_migrate_gave() {
        let migrator = sqlite();
        let first = &migrator.migrations[0];
        assert_eq!(
            (first.version, &*first.description),
            (1, "actors and movies")
        );
        assert!(!first.no_tx);
    }
}

//! A role's reads and writes (`role_queries!`): the role, a movie's roles,
//! an actor's candidacies, and creating, changing and
//! deleting a role, with the locks the candidates' writes take too.

/// Expands, in a backend's `queries` module (see [`casting_store!`]), the
/// role queries over its connection type.
///
/// [`casting_store!`]: crate::db::casting::casting_store
macro_rules! role_queries {
    ($conn:ty) => {
        use casting_shared::casting::{ActorRole, NewRole, Role, RoleChanges};
        use $crate::db::casting::Refusal;
        use $crate::db::casting::rows::{
            ActorRoleRow, LockedRole, ROLE_COLUMNS, RoleRow, stage_counts,
        };
        use $crate::db::{Outcome, Versioned};

        async fn exists(c: &mut $conn, table: &str, id: i64) -> sqlx::Result<bool> {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *c)
                .await
        }

        /// The movie, locked against deletion (and, with `LOCK_UPDATE`,
        /// against a concurrent booking in it).
        async fn lock_movie(c: &mut $conn, id: i64, lock: &str) -> sqlx::Result<bool> {
            let sql = format!("SELECT id FROM movies WHERE id = $1{lock}");
            let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(found.is_some())
        }

        async fn lock_actor(c: &mut $conn, id: i64) -> sqlx::Result<bool> {
            let sql = format!("SELECT id FROM actors WHERE id = $1{LOCK_SHARE}");
            let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(found.is_some())
        }

        async fn lock_role(c: &mut $conn, id: i64) -> sqlx::Result<Option<LockedRole>> {
            let sql =
                format!("SELECT movie_id, actor_id, version FROM roles WHERE id = $1{LOCK_UPDATE}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await
        }

        pub(crate) async fn role(c: &mut $conn, id: i64) -> sqlx::Result<Option<Versioned<Role>>> {
            let sql = format!(
                "SELECT {ROLE_COLUMNS} FROM roles r LEFT JOIN actors a ON a.id = r.actor_id{} \
                 WHERE r.id = $1",
                stage_counts("$1")
            );
            let row: Option<RoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(row.map(|row| Versioned {
                version: row.version(),
                value: row.into_role(),
            }))
        }

        /// A movie's roles in creation order; `None` when there is no such movie.
        pub(crate) async fn movie_roles(
            c: &mut $conn,
            movie_id: i64,
        ) -> sqlx::Result<Option<Vec<Role>>> {
            if !exists(c, "movies", movie_id).await? {
                return Ok(None);
            }
            let sql = format!(
                "SELECT {ROLE_COLUMNS} FROM roles r LEFT JOIN actors a ON a.id = r.actor_id{} \
                 WHERE r.movie_id = $1 ORDER BY r.id",
                stage_counts("SELECT id FROM roles WHERE movie_id = $1")
            );
            let rows: Vec<RoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(movie_id)
                .fetch_all(&mut *c)
                .await?;
            Ok(Some(rows.into_iter().map(RoleRow::into_role).collect()))
        }

        /// Every role the actor is a candidate for, by the movie's release
        /// date, then the movie, then the role; `None` when there is no such actor.
        pub(crate) async fn actor_roles(
            c: &mut $conn,
            actor_id: i64,
        ) -> sqlx::Result<Option<Vec<ActorRole>>> {
            if !exists(c, "actors", actor_id).await? {
                return Ok(None);
            }
            let sql = format!(
                "SELECT {ROLE_COLUMNS}, m.title AS movie_title, \
                        m.release_date AS movie_release_date, c.stage \
                 FROM candidates c \
                 JOIN roles r ON r.id = c.role_id \
                 JOIN movies m ON m.id = r.movie_id \
                 LEFT JOIN actors a ON a.id = r.actor_id{} \
                 WHERE c.actor_id = $1 \
                 ORDER BY m.release_date, m.id, r.id",
                stage_counts("SELECT role_id FROM candidates WHERE actor_id = $1")
            );
            let rows: Vec<ActorRoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(actor_id)
                .fetch_all(&mut *c)
                .await?;
            rows.into_iter()
                .map(ActorRoleRow::into_actor_role)
                .collect::<sqlx::Result<_>>()
                .map(Some)
        }

        pub(crate) async fn create_role(
            c: &mut $conn,
            movie_id: i64,
            new: &NewRole,
        ) -> sqlx::Result<Option<Versioned<Role>>> {
            if !lock_movie(c, movie_id, LOCK_SHARE).await? {
                return Ok(None);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO roles (movie_id, name, description, age_min, age_max, gender) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(movie_id)
            .bind(&new.name)
            .bind(&new.description)
            .bind(new.age_min)
            .bind(new.age_max)
            .bind(&new.gender)
            .fetch_one(&mut *c)
            .await?;
            role(c, id).await
        }

        pub(crate) async fn update_role(
            c: &mut $conn,
            id: i64,
            changes: &RoleChanges,
            expected_versions: Option<&[i64]>,
        ) -> sqlx::Result<Outcome<Casting<Versioned<Role>>>> {
            let Some(locked) = lock_role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            if expected_versions.is_some_and(|v| !v.contains(&locked.version())) {
                return Ok(Outcome::Changed);
            }
            let Some(current) = role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            let fields = match changes.apply(&current.value) {
                Ok(fields) => fields,
                Err(errors) => return Ok(Outcome::Done(Err(Refusal::Invalid(errors)))),
            };
            sqlx::query(
                "UPDATE roles SET name = $2, description = $3, age_min = $4, age_max = $5, \
                 gender = $6, version = version + 1 WHERE id = $1",
            )
            .bind(id)
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.age_min)
            .bind(fields.age_max)
            .bind(&fields.gender)
            .execute(&mut *c)
            .await?;
            Ok(match role(c, id).await? {
                Some(role) => Outcome::Done(Ok(role)),
                None => Outcome::NotFound,
            })
        }

        pub(crate) async fn delete_role(
            c: &mut $conn,
            id: i64,
            expected_versions: Option<&[i64]>,
        ) -> sqlx::Result<Outcome<()>> {
            let Some(locked) = lock_role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            if expected_versions.is_some_and(|v| !v.contains(&locked.version())) {
                return Ok(Outcome::Changed);
            }
            sqlx::query("DELETE FROM roles WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            Ok(Outcome::Done(()))
        }
    };
}
pub(crate) use role_queries;

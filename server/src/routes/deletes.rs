//! The `DELETE` of a versioned row outside the resources `resource.rs`
//! describes (roles, auditions): one macro writes its handler and its
//! OpenAPI entry; each route keeps its own texts.

/// Writes `async fn $name`, serving `DELETE $path` for the rows the store's
/// `$delete(id, expected_versions, author)` deletes: `If-Match` honoured,
/// the caller needing the requirement `$permission` (`$scope` in the
/// document). The texts are the entry's: the path id's, and the answers'
/// for 200 (deleted), 404 (missing) and 412 (changed). The caller's module
/// imports what the expansion names (`Authorized`, `IfMatch`, `ResourceId`,
/// `State`, `AppState`, `Json`, `Deleted`, `ErrorBody`, `Result`).
macro_rules! delete_route {
    (
        $(#[doc = $doc:tt])*
        async fn $name:ident = DELETE $path:tt, tag $tag:tt, id $id:tt,
            needs $permission:ident $scope:tt, store $delete:ident,
            answers($deleted:tt, $missing:tt, $changed:tt);
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            delete, path = $path, tag = $tag,
            params(("id" = i64, Path, minimum = 1, description = $id), IfMatch),
            responses(
                (status = 200, description = $deleted, body = Deleted),
                (status = 400, description = "An If-Match of another form", body = ErrorBody),
                (status = 404, description = $missing, body = ErrorBody),
                (status = 412, description = $changed, body = ErrorBody),
            ),
            security(("bearer" = [$scope]))
        )]
        async fn $name(
            who: Authorized<$permission>,
            State(state): State<AppState>,
            ResourceId(id): ResourceId,
            if_match: IfMatch,
        ) -> Result<Json<Deleted>> {
            let author = who.caller.author();
            let outcome = state.store.$delete(id, if_match.versions(), &author).await?;
            $crate::routes::resource::deleted(outcome, id)
        }
    };
}
pub(crate) use delete_route;

//! How the API's structs are declared: each field once, with the function
//! of `crate::openapi` that describes it. A field `name: Type => schema`
//! gets `schema(schema_with = crate::openapi::schema)` in the OpenAPI
//! document (`=> schema(required = true)` adds settings); a field without
//! `=>` is described by its type. Attributes before a field stay on it.

/// A struct of the API whose fields are described as above.
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident: $ty:ty $(=> $with:ident $(($($more:tt)*))?)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[$field_meta])*
                $(#[cfg_attr(
                    feature = "openapi",
                    schema(schema_with = crate::openapi::$with $(, $($more)*)?)
                )])?
                pub $field: $ty,
            )*
        }
    };
}
pub(crate) use record;

/// A request body as its parser reads it: its schema refuses unknown fields,
/// as the parser does. `(at least one field)` after the name: a body of
/// changes, whose schema asks for one property at least.
macro_rules! request_body {
    ($(#[$meta:meta])* pub struct $name:ident (at least one field) { $($fields:tt)* }) => {
        crate::declare::record! {
            #[cfg_attr(
                feature = "openapi",
                derive(utoipa::ToSchema),
                serde(deny_unknown_fields),
                schema(min_properties = 1)
            )]
            $(#[$meta])*
            pub struct $name { $($fields)* }
        }
    };
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        crate::declare::record! {
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(deny_unknown_fields))]
            $(#[$meta])*
            pub struct $name { $($fields)* }
        }
    };
}
pub(crate) use request_body;

/// The body of a list (`GET /actors`, `/movies`, `/auditions`): `success`,
/// the page's items, and where the page stands among them all (the docs of
/// `total` and `total_exact` given by each list).
macro_rules! list_body {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $items:ident: $item:ty,
            $(#[$total:meta])* total,
            $(#[$exact:meta])* total_exact,
        }
    ) => {
        crate::declare::record! {
            $(#[$meta])*
            #[derive(Debug, Clone, Serialize, Deserialize)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            pub struct $name {
                success: bool,
                $items: Vec<$item>,
                $(#[$total])*
                #[cfg_attr(feature = "openapi", schema(minimum = 0))]
                total: i64,
                $(#[$exact])*
                total_exact: bool,
                /// The page number; `null` for a page asked for with `after`.
                page: Option<u32> => page_answer,
                per_page: u32 => per_page_answer,
                /// The `after` cursor of the next page; `null` on the last page.
                next: Option<String>,
            }
        }
    };
}
pub(crate) use list_body;

/// A struct whose first fields are a role's own, as the API and the change
/// log alike give them; what follows differs (the API's role has its booked
/// actor and counts, the log's the actor's id).
macro_rules! with_role_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($rest:tt)* }) => {
        crate::declare::record! {
            $(#[$meta])*
            pub struct $name {
                id: i64 => id,
                movie_id: i64 => id,
                /// The character; names may repeat within a movie.
                name: Option<String> => stored_role_name(required = true),
                description: Option<String> => stored_description(required = true),
                age_min: Option<i32> => age_bound(required = true),
                age_max: Option<i32> => age_bound(required = true),
                gender: Option<String> => stored_role_gender(required = true),
                $($rest)*
            }
        }
    };
}
pub(crate) use with_role_fields;

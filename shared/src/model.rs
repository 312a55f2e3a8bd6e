//! The resources as the API returns them.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::stored_name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::stored_age))]
    pub age: i32,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::stored_gender))]
    pub gender: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Movie {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::stored_title))]
    pub title: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::stored_release_date)
    )]
    pub release_date: Date,
}

/// Dates travel as `YYYY-MM-DD`.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::domain::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::domain::parse_release_date(&text).map_err(D::Error::custom)
    }
}

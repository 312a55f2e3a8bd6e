//! CSV export: every row matching a list's filters and sort, fetched page
//! by page from the API (not only the rows the table has loaded), written
//! with the `csv` crate. Used by the UI's export dialog and by
//! `casting-tui export`.

use std::io::Write;

use crate::api::{ApiClient, ListParams};
use crate::collection::Collection;
use crate::record::Rows;

/// Rows asked per request (the API's largest page).
pub const EXPORT_PAGE: u32 = 1000;

/// Writes the header and every matching row; the number of rows written.
pub async fn export<W: Write>(
    api: &ApiClient,
    token: &str,
    collection: Collection,
    params: &ListParams,
    out: W,
) -> Result<usize, String> {
    let mut writer = csv::Writer::from_writer(out);
    let header: &[&str] = match collection {
        Collection::Actors => &["id", "name", "age", "gender"],
        Collection::Movies => &["id", "title", "release_date"],
    };
    writer.write_record(header).map_err(|e| e.to_string())?;
    let mut written = 0;
    let mut params = ListParams {
        page: 1,
        after: None,
        per_page: EXPORT_PAGE,
        ..params.clone()
    };
    loop {
        // Each page after the cursor of the one before: the last page costs
        // what the first does, however long the list.
        let page = api
            .page(token, collection, &params)
            .await
            .map_err(|e| e.describe())?;
        match page.rows {
            Rows::Actors(actors) => {
                for a in &actors {
                    writer
                        .write_record([&a.id.to_string(), &a.name, &a.age.to_string(), &a.gender])
                        .map_err(|e| e.to_string())?;
                }
                written += actors.len();
            }
            Rows::Movies(movies) => {
                for m in &movies {
                    let date = casting_shared::domain::format_date(m.release_date);
                    writer
                        .write_record([&m.id.to_string(), &m.title, &date])
                        .map_err(|e| e.to_string())?;
                }
                written += movies.len();
            }
        }
        match page.next {
            Some(next) => params.after = Some(next),
            None => break,
        }
    }
    writer.flush().map_err(|e| e.to_string())?;
    Ok(written)
}

/// Why an export to a file did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// The file is there and overwriting it was not asked for.
    Exists,
    Failed(String),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Exists => f.write_str("the file already exists"),
            ExportError::Failed(why) => f.write_str(why),
        }
    }
}

/// Exports to a file, written only once every page is in: a failed export
/// leaves no half-written file. A missing directory fails before anything
/// is fetched, and an existing file is kept unless `overwrite`.
pub async fn export_to_file(
    api: &ApiClient,
    token: &str,
    collection: Collection,
    params: &ListParams,
    path: &str,
    overwrite: bool,
) -> Result<usize, ExportError> {
    let target = std::path::Path::new(path);
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(ExportError::Failed(format!(
            "{}: no such directory",
            parent.display()
        )));
    }
    if !overwrite && target.exists() {
        return Err(ExportError::Exists);
    }
    let mut buffer = Vec::new();
    let rows = export(api, token, collection, params, &mut buffer)
        .await
        .map_err(ExportError::Failed)?;
    std::fs::write(path, buffer).map_err(|e| ExportError::Failed(format!("{path}: {e}")))?;
    Ok(rows)
}

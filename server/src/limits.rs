//! How large a request's head may be: the API answers past these with its
//! own errors (414, 431), and says the limit in the error's detail.

/// Longest request target (path and query) the API reads: 414 beyond.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most request header fields, and their total size: 431 beyond.
pub const MAX_HEADERS: usize = 100;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

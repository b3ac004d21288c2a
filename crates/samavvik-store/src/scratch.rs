//! Throw-away PostgreSQL databases for benchmarks and smoke tests: created
//! empty next to an admin connection, dropped (forcibly) when done.

use sqlx::{Connection, PgConnection};

use crate::{Result, StoreError};

/// Creates an empty database named `<prefix>_<random hex>` on the server
/// behind `admin_url` and returns its URL.
///
/// # Errors
///
/// [`StoreError::Corrupt`] when `prefix` has anything but lowercase ASCII
/// letters and `_` (it becomes part of an unquoted SQL name);
/// [`StoreError::Database`] when the admin connection fails or the server
/// refuses to create the database (the admin user lacks `CREATEDB`).
pub async fn create_postgres(admin_url: &str, prefix: &str) -> Result<String> {
    if !prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(StoreError::Corrupt(format!("database prefix {prefix:?}")));
    }
    let mut conn = PgConnection::connect(admin_url).await?;
    let name = format!("{prefix}_{:016x}", random_u64());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(with_database(admin_url, &name))
}

/// Drops the database `url` names, closing any connection still open to it.
///
/// # Errors
///
/// [`StoreError::UnsupportedUrl`] when `url` does not end in a plain
/// database name (letters, digits and `_`); [`StoreError::Database`] when
/// the admin connection fails or the server refuses the drop.
pub async fn drop_postgres(admin_url: &str, url: &str) -> Result<()> {
    let name = url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .ok_or(StoreError::UnsupportedUrl)?;
    let mut conn = PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// `admin_url` with its database path replaced by `name` (query kept).
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// Enough randomness to keep concurrent runs apart, without a `rand` dependency.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database_path() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b_1"),
            "postgres://postgres@127.0.0.1:5432/b_1"
        );
        assert_eq!(
            with_database("postgres://u@h?sslmode=disable", "b_1"),
            "postgres://u@h/b_1?sslmode=disable"
        );
    }
}

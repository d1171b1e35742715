//! Listing pages: [`Store::list_page`] counts and pages any listing, by
//! offset or after a row. Sort orders are data, so one description yields
//! both the ORDER BY clause and the keyset condition that resumes a listing
//! after a given row.
//!
//! Every order ends in unique columns (creation time and id), so it is
//! total and a position in it is exact. Missing values sort last whatever
//! the direction, as `(expr IS NULL)` ahead of the column. Resuming after
//! a row compares with that row's key values, never with a row count, so a
//! row inserted (or removed) elsewhere in the listing does not shift what
//! the next page returns.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Sql, Store, StoreError};

/// One column of a sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// A fixed SQL expression over the listed table's alias.
    pub expr: &'static str,
    /// Whether the column may be NULL (then NULLs come last).
    pub nullable: bool,
    pub descending: bool,
    /// Bound as an integer rather than text when resuming.
    pub integer: bool,
}

impl SortKey {
    pub const fn asc(expr: &'static str) -> Self {
        SortKey {
            expr,
            nullable: false,
            descending: false,
            integer: false,
        }
    }

    pub const fn nullable(self) -> Self {
        SortKey {
            nullable: true,
            ..self
        }
    }

    pub const fn integer(self) -> Self {
        SortKey {
            integer: true,
            ..self
        }
    }

    /// This key in the given direction.
    pub const fn toward(self, descending: bool) -> Self {
        SortKey { descending, ..self }
    }
}

/// Where a page of a listing starts.
#[derive(Debug, Clone, Copy)]
pub enum PageStart<'a> {
    /// Skip this many rows (index paging).
    Offset(i64),
    /// After the row whose sort key values these are; `None` for the first
    /// page of a keyset listing.
    After(Option<&'a [Option<String>]>),
}

/// One page of a listing.
#[derive(Debug)]
pub struct Listing<T> {
    pub rows: Vec<T>,
    /// Rows matching the listing's filter, on every page.
    pub total: i64,
    /// For a keyset page followed by more rows: the last row's sort key
    /// values, where the next page starts.
    pub next: Option<Vec<Option<String>>>,
}

impl<T> Listing<T> {
    pub(crate) fn empty(total: i64) -> Self {
        Listing {
            rows: Vec::new(),
            total,
            next: None,
        }
    }
}

impl<T: for<'r> sqlx::FromRow<'r, AnyRow>> Listing<T> {
    /// A page from fetched rows. For keyset pages (`keys` given) the query
    /// asked for one row more than `limit`; its presence means there is a
    /// next page, which starts after the last row kept.
    pub(crate) fn from_rows(
        mut rows: Vec<AnyRow>,
        total: i64,
        limit: i64,
        keys: Option<&[SortKey]>,
    ) -> Result<Self, StoreError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = match (keys, rows.last()) {
            (Some(keys), Some(last)) if more => Some(key_values(last, keys)?),
            _ => None,
        };
        let rows = rows
            .iter()
            .map(T::from_row)
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Listing { rows, total, next })
    }
}

impl Store {
    /// One page of a listing and how many rows match in all. `source`
    /// appends the listing's ` FROM … WHERE …` (it is called twice: for the
    /// count and for the page); `columns` is its `SELECT` list.
    pub(crate) async fn list_page<T, F>(
        &self,
        columns: &'static str,
        source: F,
        keys: &[SortKey],
        start: PageStart<'_>,
        limit: i64,
    ) -> Result<Listing<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
        F: Fn(&mut Sql) -> Result<(), StoreError>,
    {
        let mut count = Sql::new("SELECT COUNT(*)");
        source(&mut count)?;
        let (text, args) = count.finish();
        let (total,): (i64,) = sqlx::query_as_with(text, args)
            .fetch_one(&self.pool)
            .await?;
        if limit == 0 {
            return Ok(Listing::empty(total));
        }
        let mut page = Sql::new(columns);
        let keyset = matches!(start, PageStart::After(_));
        if keyset {
            push_key_columns(&mut page, keys)?;
        }
        source(&mut page)?;
        match start {
            PageStart::Offset(offset) if offset >= total => return Ok(Listing::empty(total)),
            PageStart::Offset(offset) => {
                push_order_by(&mut page, keys);
                page.push(" LIMIT ")
                    .bind(limit)
                    .push(" OFFSET ")
                    .bind(offset);
            }
            PageStart::After(position) => {
                if let Some(values) = position {
                    push_after(&mut page, keys, values)?;
                }
                push_order_by(&mut page, keys);
                // One more row than asked says whether a next page exists.
                page.push(" LIMIT ").bind(limit + 1);
            }
        }
        let (text, args) = page.finish();
        let rows = sqlx::query_with(text, args).fetch_all(&self.pool).await?;
        Listing::from_rows(rows, total, limit, keyset.then_some(keys))
    }
}

/// Aliases of the sort key columns a keyset page selects.
const KEY_ALIASES: [&str; 4] = [
    " AS sort_key_0",
    " AS sort_key_1",
    " AS sort_key_2",
    " AS sort_key_3",
];
const KEY_NAMES: [&str; 4] = ["sort_key_0", "sort_key_1", "sort_key_2", "sort_key_3"];

/// Appends ` ORDER BY …` for `keys`.
pub(crate) fn push_order_by(sql: &mut Sql, keys: &[SortKey]) {
    sql.push(" ORDER BY ");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        if key.nullable {
            sql.push("(").push(key.expr).push(" IS NULL), ");
        }
        sql.push(key.expr);
        if key.descending {
            sql.push(" DESC");
        }
    }
}

/// Appends the sort key columns, as text, to a select list (after at
/// least one other column).
pub(crate) fn push_key_columns(sql: &mut Sql, keys: &[SortKey]) -> Result<(), StoreError> {
    if keys.len() > KEY_ALIASES.len() {
        return Err(StoreError::Corrupt("sort order too long".to_owned()));
    }
    for (key, alias) in keys.iter().zip(KEY_ALIASES) {
        sql.push(", CAST(")
            .push(key.expr)
            .push(" AS TEXT)")
            .push(alias);
    }
    Ok(())
}

/// Reads the sort key values a keyset page selected from one of its rows.
pub(crate) fn key_values(
    row: &AnyRow,
    keys: &[SortKey],
) -> Result<Vec<Option<String>>, StoreError> {
    keys.iter()
        .zip(KEY_NAMES)
        .map(|(_, name)| {
            row.try_get::<Option<String>, _>(name)
                .map_err(StoreError::from)
        })
        .collect()
}

/// Appends ` AND <the row comes after `values` in `keys` order>`.
pub(crate) fn push_after(
    sql: &mut Sql,
    keys: &[SortKey],
    values: &[Option<String>],
) -> Result<(), StoreError> {
    if keys.is_empty() || keys.len() != values.len() {
        return Err(StoreError::InvalidCursor);
    }
    sql.push(" AND ");
    push_after_from(sql, keys, values)
}

fn push_after_from(
    sql: &mut Sql,
    keys: &[SortKey],
    values: &[Option<String>],
) -> Result<(), StoreError> {
    let (key, rest_keys) = keys.split_first().ok_or(StoreError::InvalidCursor)?;
    let (value, rest_values) = values.split_first().ok_or(StoreError::InvalidCursor)?;
    let beyond = if key.descending { " < " } else { " > " };
    match value {
        // In the trailing group of missing values: only later rows of it.
        None if key.nullable => {
            if rest_keys.is_empty() {
                // Unique columns are never NULL; nothing can follow.
                sql.push("1 = 0");
                return Ok(());
            }
            sql.push("(").push(key.expr).push(" IS NULL AND ");
            push_after_from(sql, rest_keys, rest_values)?;
            sql.push(")");
        }
        None => return Err(StoreError::InvalidCursor),
        Some(value) => {
            sql.push("(");
            if key.nullable {
                // Missing values sort after every present one.
                sql.push(key.expr).push(" IS NULL OR ");
            }
            sql.push(key.expr).push(beyond);
            bind_value(sql, key, value)?;
            if !rest_keys.is_empty() {
                sql.push(" OR (").push(key.expr).push(" = ");
                bind_value(sql, key, value)?;
                sql.push(" AND ");
                push_after_from(sql, rest_keys, rest_values)?;
                sql.push(")");
            }
            sql.push(")");
        }
    }
    Ok(())
}

fn bind_value(sql: &mut Sql, key: &SortKey, value: &str) -> Result<(), StoreError> {
    if key.integer {
        let number: i64 = value.parse().map_err(|_| StoreError::InvalidCursor)?;
        sql.bind(number);
    } else {
        sql.bind(value.to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(keys: &[SortKey], values: &[Option<&str>]) -> String {
        let values: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_owned)).collect();
        let mut sql = Sql::new("x");
        push_after(&mut sql, keys, &values).unwrap();
        sql.finish().0.0
    }

    #[test]
    fn resuming_compares_each_key_in_turn() {
        let keys = [
            SortKey::asc("e.user_name_key"),
            SortKey::asc("e.created_at"),
            SortKey::asc("e.id"),
        ];
        assert_eq!(
            text(&keys, &[Some("a"), Some("t"), Some("i")]),
            "x AND (e.user_name_key > $1 OR (e.user_name_key = $2 AND \
             (e.created_at > $3 OR (e.created_at = $4 AND (e.id > $5)))))"
        );
    }

    #[test]
    fn missing_values_come_last_in_both_directions() {
        let keys = [
            SortKey::asc("e.external_id").nullable().toward(true),
            SortKey::asc("e.id"),
        ];
        assert_eq!(
            text(&keys, &[Some("a"), Some("i")]),
            "x AND (e.external_id IS NULL OR e.external_id < $1 OR \
             (e.external_id = $2 AND (e.id > $3)))"
        );
        assert_eq!(
            text(&keys, &[None, Some("i")]),
            "x AND (e.external_id IS NULL AND (e.id > $1))"
        );
    }

    #[test]
    fn malformed_positions_are_refused() {
        let keys = [SortKey::asc("e.active").integer(), SortKey::asc("e.id")];
        let mut sql = Sql::new("x");
        let bad = [Some("yes".to_owned()), Some("i".to_owned())];
        assert!(push_after(&mut sql, &keys, &bad).is_err());
        let short = [Some("1".to_owned())];
        assert!(push_after(&mut sql, &keys, &short).is_err());
        let null_in_required = [None, Some("i".to_owned())];
        assert!(push_after(&mut sql, &keys, &null_in_required).is_err());
    }
}

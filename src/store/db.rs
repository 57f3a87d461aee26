//! The two backends as values: a pool, a write transaction or a connection is one of
//! [`Either`]'s two variants, and [`dispatch!`] runs the same source on whichever it holds.
//!
//! The body given to `dispatch!` is compiled twice, once with SQLite's types and once with
//! PostgreSQL's, so a query written once runs on both without naming either backend and
//! without the trait bounds a function generic over `sqlx::Database` needs for every bound
//! value. Where the SQL itself differs, the method matches on the variants by hand.

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{Postgres, Sqlite, Transaction};

/// One value per backend.
pub(crate) enum Either<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// The pool reads and the workers' writes go through.
pub(crate) type Pool = Either<SqlitePool, PgPool>;
/// A write transaction (see [`begin_write`]).
pub(crate) type Tx = Either<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>;
/// A connection borrowed from a transaction, for helpers shared by several writes.
pub(crate) type Conn<'a> = Either<&'a mut SqliteConnection, &'a mut PgConnection>;

/// `dispatch!(value, |x| body)`: evaluates `body` with `x` bound to the backend's own
/// value inside an [`Either`] (a pool, a transaction or a connection).
macro_rules! dispatch {
    ($on:expr, |$x:ident| $body:expr) => {
        match $on {
            $crate::store::db::Either::Sqlite($x) => $body,
            $crate::store::db::Either::Postgres($x) => $body,
        }
    };
}
pub(crate) use dispatch;

/// Opens a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so
/// its busy timeout applies instead of a deadlock error when a worker's write meets the
/// group-commit writer.
pub(crate) async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    Ok(match pool {
        Either::Sqlite(p) => Either::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
        Either::Postgres(p) => Either::Postgres(p.begin().await?),
    })
}

impl Tx {
    /// The transaction's connection, for `dispatch!` and the shared write helpers.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Either::Sqlite(t) => Either::Sqlite(&mut **t),
            Either::Postgres(t) => Either::Postgres(&mut **t),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        dispatch!(self, |t| t.commit().await)
    }
}

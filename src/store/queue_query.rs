//! The queue's filtered report lists and their per-category and per-status counts, built
//! with `sqlx::QueryBuilder` because which filters apply depends on the request. Stamped
//! out per backend as a `mod report_query` that the impl in `queue_impl.rs` calls (see
//! there for why a macro); the fixed SQL pieces live in `sql_queue.rs`.

/// `report_query_fns!(Database)`; expanded by `queue_impl!`.
macro_rules! report_query_fns {
    ($db:ty) => {
        mod report_query {
            use $crate::store::queue::ReportQuery;
            use $crate::store::sql_queue as qsql;

            /// Appends the filters of `q` (all of them, or all but category and status).
            pub(super) fn filters(
                b: &mut sqlx::QueryBuilder<'static, $db>,
                q: &ReportQuery,
                with_category_status: bool,
            ) {
                fn any_of(b: &mut sqlx::QueryBuilder<'static, $db>, col: &str, v: &[String]) {
                    b.push(format!(" AND {col} IN ("));
                    let mut list = b.separated(", ");
                    for item in v {
                        list.push_bind(item.clone());
                    }
                    list.push_unseparated(")");
                }
                if let Some(regions) = &q.regions {
                    if regions.is_empty() {
                        b.push(" AND 1 = 0");
                    } else {
                        any_of(b, "r.region", regions);
                    }
                }
                if let Some(groups) = &q.groups {
                    if groups.is_empty() {
                        b.push(" AND 1 = 0");
                    } else {
                        any_of(b, "r.group_ref", groups);
                    }
                }
                if with_category_status && !q.categories.is_empty() {
                    // "Seguimiento" is also every report a citizen has asked about since
                    // an operator last opened it: follow-ups open no report of their own.
                    let follow_ups = q.categories.iter().any(|c| c == "follow_up");
                    b.push(" AND (1 = 1");
                    any_of(b, "r.category", &q.categories);
                    if follow_ups {
                        b.push(" OR r.follow_ups_unseen > 0");
                    }
                    b.push(")");
                }
                if with_category_status && !q.statuses.is_empty() {
                    any_of(b, "r.status", &q.statuses);
                }
                if let Some(since) = q.since {
                    b.push(" AND r.created_at >= ").push_bind(since);
                }
                if let Some(until) = q.until {
                    b.push(" AND r.created_at < ").push_bind(until);
                }
                if let Some(folio) = &q.folio {
                    b.push(" AND r.folio = ").push_bind(folio.clone());
                }
                if let Some(suffix) = &q.folio_suffix {
                    b.push(" AND r.folio LIKE ").push_bind(format!("%{suffix}"));
                }
                if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    // LIKE wildcards typed by the operator are literal characters; the
                    // pattern is folded like the column (`sql_queue::fold_text`).
                    let escaped = qsql::fold_text(text)
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    let pattern = format!("%{escaped}%");
                    b.push(" AND (")
                        .push(qsql::folded(
                            "COALESCE(m.body, '') || ' ' || COALESCE(m.note, '')",
                        ))
                        .push(" LIKE ")
                        .push_bind(pattern.clone())
                        .push(" ESCAPE '\\' OR LOWER(r.folio) LIKE ")
                        .push_bind(pattern)
                        .push(" ESCAPE '\\'");
                    if !q.text_groups.is_empty() {
                        b.push(" OR (1 = 1");
                        any_of(b, "r.group_ref", &q.text_groups);
                        b.push(")");
                    }
                    b.push(")");
                }
            }

            pub(super) fn list(q: &ReportQuery) -> sqlx::QueryBuilder<'static, $db> {
                let mut b = sqlx::QueryBuilder::new(qsql::QUEUE_SELECT);
                filters(&mut b, q, true);
                match q.after_id.filter(|_| q.chronological) {
                    Some(after) => {
                        // The anchor's own stored values, so no timestamp goes through an
                        // encoding round trip; ties on created_at (a delivery's messages
                        // share it) are broken by id, as in the ORDER BY.
                        b.push(qsql::AFTER_REPORT).push_bind(after).push(")");
                        b.push(qsql::CHRONOLOGICAL_ORDER);
                        b.push(" LIMIT ").push_bind(q.limit.clamp(1, 5000));
                    }
                    None => {
                        b.push(if q.chronological {
                            qsql::CHRONOLOGICAL_ORDER
                        } else {
                            qsql::QUEUE_ORDER
                        });
                        b.push(" LIMIT ").push_bind(q.limit.clamp(1, 5000));
                        b.push(" OFFSET ").push_bind(q.offset.max(0));
                    }
                }
                b
            }

            pub(super) fn counts(q: &ReportQuery) -> sqlx::QueryBuilder<'static, $db> {
                let mut b = sqlx::QueryBuilder::new(qsql::COUNT_SELECT);
                filters(&mut b, q, false);
                b.push(" GROUP BY r.category, r.status ORDER BY r.category, r.status");
                b
            }
        }
    };
}

pub(crate) use report_query_fns;

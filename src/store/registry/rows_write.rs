//! The SQL that writes registry rows once a change has validated (`change.rs` decides what
//! to write; this runs it inside the change's transaction).

use super::super::db::{dispatch, Conn};
use super::{RegistryCoordinatorRow, RegistryGroupRow, RegistryMemberRow, RegistrySnapshot};

/// A row to write once the change validated.
pub(super) enum Write {
    Group(RegistryGroupRow),
    NewMember(RegistryMemberRow),
    Member(RegistryMemberRow),
    /// A member and their group (the last member leaving deactivates it).
    MemberAndGroup(RegistryMemberRow, RegistryGroupRow),
    Coordinator(RegistryCoordinatorRow),
    DeleteCoordinator(String),
    GroupMembers(Vec<String>),
    Everything,
}

const UPSERT_GROUP: &str = "\
INSERT INTO registry_groups
    (id, name, kind, region, municipality, colonias, cloud_group_id, active, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET name = $2, kind = $3, region = $4, municipality = $5,
    colonias = $6, cloud_group_id = $7, active = $8, position = $9";
const INSERT_MEMBER: &str = "\
INSERT INTO registry_members (group_id, name, phone, bsuid, role, active)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
const UPDATE_MEMBER: &str = "\
UPDATE registry_members SET group_id = $2, name = $3, phone = $4, bsuid = $5, role = $6,
    active = $7 WHERE id = $1";
const UPSERT_COORDINATOR: &str = "\
INSERT INTO registry_coordinators
    (id, region, name, phone, bsuid, roles, shifts, position, active)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET region = $2, name = $3, phone = $4, bsuid = $5, roles = $6,
    shifts = $7, position = $8, active = $9";
const DELETE_COORDINATOR: &str = "DELETE FROM registry_coordinators WHERE id = $1";
const DELETE_GROUP_MEMBERS: &str = "DELETE FROM registry_members WHERE group_id = $1";
const DELETE_ALL: [&str; 3] = [
    "DELETE FROM registry_members",
    "DELETE FROM registry_groups",
    "DELETE FROM registry_coordinators",
];

/// Writes what `apply` changed; returns the id of an inserted member.
pub(super) async fn store_rows(
    mut conn: Conn<'_>,
    rows: &RegistrySnapshot,
    write: &Write,
) -> Result<Option<i64>, sqlx::Error> {
    match write {
        Write::Group(g) => {
            upsert_group(&mut conn, g).await?;
            // A new group's members are the only rows without an id yet.
            for m in rows.members.iter().filter(|m| m.id == 0) {
                insert_member(&mut conn, m).await?;
            }
            Ok(None)
        }
        Write::NewMember(m) => Ok(Some(insert_member(&mut conn, m).await?)),
        Write::Member(m) => {
            update_member(&mut conn, m).await?;
            Ok(None)
        }
        Write::MemberAndGroup(m, g) => {
            update_member(&mut conn, m).await?;
            upsert_group(&mut conn, g).await?;
            Ok(None)
        }
        Write::Coordinator(r) => {
            upsert_coordinator(&mut conn, r).await?;
            Ok(None)
        }
        Write::DeleteCoordinator(id) => {
            dispatch!(&mut conn, |c| sqlx::query(DELETE_COORDINATOR)
                .bind(id)
                .execute(&mut **c)
                .await
                .map(drop))?;
            Ok(None)
        }
        Write::GroupMembers(groups) => {
            for g in groups {
                dispatch!(&mut conn, |c| sqlx::query(DELETE_GROUP_MEMBERS)
                    .bind(g)
                    .execute(&mut **c)
                    .await
                    .map(drop))?;
            }
            for m in rows.members.iter().filter(|m| m.id == 0) {
                insert_member(&mut conn, m).await?;
            }
            Ok(None)
        }
        Write::Everything => {
            for sql in DELETE_ALL {
                dispatch!(&mut conn, |c| sqlx::query(sql)
                    .execute(&mut **c)
                    .await
                    .map(drop))?;
            }
            for g in &rows.groups {
                upsert_group(&mut conn, g).await?;
            }
            for m in &rows.members {
                insert_member(&mut conn, m).await?;
            }
            for r in &rows.coordinators {
                upsert_coordinator(&mut conn, r).await?;
            }
            Ok(None)
        }
    }
}

async fn upsert_group(conn: &mut Conn<'_>, g: &RegistryGroupRow) -> Result<(), sqlx::Error> {
    dispatch!(conn, |c| sqlx::query(UPSERT_GROUP)
        .bind(&g.id)
        .bind(&g.name)
        .bind(&g.kind)
        .bind(&g.region)
        .bind(&g.municipality)
        .bind(&g.colonias)
        .bind(&g.cloud_group_id)
        .bind(g.active)
        .bind(g.position)
        .execute(&mut **c)
        .await
        .map(drop))
}

async fn update_member(conn: &mut Conn<'_>, m: &RegistryMemberRow) -> Result<(), sqlx::Error> {
    dispatch!(conn, |c| sqlx::query(UPDATE_MEMBER)
        .bind(m.id)
        .bind(&m.group_id)
        .bind(&m.name)
        .bind(&m.phone)
        .bind(&m.bsuid)
        .bind(&m.role)
        .bind(m.active)
        .execute(&mut **c)
        .await
        .map(drop))
}

async fn insert_member(conn: &mut Conn<'_>, m: &RegistryMemberRow) -> Result<i64, sqlx::Error> {
    dispatch!(conn, |c| sqlx::query_scalar(INSERT_MEMBER)
        .bind(&m.group_id)
        .bind(&m.name)
        .bind(&m.phone)
        .bind(&m.bsuid)
        .bind(&m.role)
        .bind(m.active)
        .fetch_one(&mut **c)
        .await)
}

async fn upsert_coordinator(
    conn: &mut Conn<'_>,
    r: &RegistryCoordinatorRow,
) -> Result<(), sqlx::Error> {
    dispatch!(conn, |c| sqlx::query(UPSERT_COORDINATOR)
        .bind(&r.id)
        .bind(&r.region)
        .bind(&r.name)
        .bind(&r.phone)
        .bind(&r.bsuid)
        .bind(&r.roles)
        .bind(&r.shifts)
        .bind(r.position)
        .bind(r.active)
        .execute(&mut **c)
        .await
        .map(drop))
}

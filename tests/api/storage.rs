use std::collections::BTreeSet;

use diesel::prelude::*;
use gridassist::db::schema::*;

use crate::helpers::spawn_app;

fn versions(dir: &str) -> BTreeSet<String> {
    let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
}

/// Every column schema.rs declares exists in the migrated database: preparing a select of
/// them all fails otherwise.
#[tokio::test]
async fn schema_matches_the_migrated_database() {
    let app = spawn_app().await;
    app.app_state
        .db
        .run(|conn| -> Result<(), gridassist::db::DbError> {
            courts::table
                .select(courts::all_columns)
                .limit(0)
                .load::<(i64, String, String, chrono::NaiveDateTime)>(conn)?;
            townships::table.select(townships::all_columns).limit(0).load::<(
                i64,
                String,
                String,
                i64,
                chrono::NaiveDateTime,
            )>(conn)?;
            grids::table.select(grids::all_columns).limit(0).load::<(
                i64,
                String,
                String,
                i64,
                String,
                chrono::NaiveDateTime,
                chrono::NaiveDateTime,
            )>(conn)?;
            users::table
                .select(users::all_columns)
                .limit(0)
                .load::<gridassist::repo::users::User>(conn)?;
            worker_profiles::table
                .select(worker_profiles::all_columns)
                .limit(0)
                .load::<gridassist::repo::workers::WorkerProfile>(conn)?;
            worker_grids::table
                .select(worker_grids::all_columns)
                .limit(0)
                .load::<(i64, i64, bool)>(conn)?;
            worker_certifications::table
                .select(worker_certifications::all_columns)
                .limit(0)
                .load::<gridassist::repo::workers::Certification>(conn)?;
            refresh_tokens::table
                .select(refresh_tokens::all_columns)
                .limit(0)
                .load::<gridassist::repo::refresh_tokens::RefreshToken>(conn)?;
            audit_events::table
                .select(audit_events::all_columns)
                .limit(0)
                .load::<gridassist::repo::audit::AuditEvent>(conn)?;
            cases::table
                .select(cases::all_columns)
                .limit(0)
                .load::<gridassist::repo::cases::Case>(conn)?;
            case_access_codes::table
                .select(case_access_codes::all_columns)
                .limit(0)
                .load::<gridassist::repo::access_codes::AccessCode>(conn)?;
            outbox::table
                .select(outbox::all_columns)
                .limit(0)
                .load::<gridassist::repo::outbox::Message>(conn)?;
            dishonest_entries::table
                .select(dishonest_entries::all_columns)
                .limit(0)
                .load::<gridassist::repo::dishonest::Entry>(conn)?;
            dishonest_entry_events::table
                .select(dishonest_entry_events::all_columns)
                .limit(0)
                .load::<gridassist::repo::dishonest::EntryEvent>(conn)?;
            partners::table
                .select(partners::all_columns)
                .limit(0)
                .load::<gridassist::repo::partners::Partner>(conn)?;
            partner_keys::table
                .select(partner_keys::all_columns)
                .limit(0)
                .load::<gridassist::repo::partners::PartnerKey>(conn)?;
            partner_key_usage::table
                .select(partner_key_usage::all_columns)
                .limit(0)
                .load::<(i64, chrono::NaiveDateTime, chrono::NaiveDate, i64)>(conn)?;
            partner_subscriptions::table
                .select(partner_subscriptions::all_columns)
                .limit(0)
                .load::<gridassist::repo::partners::Subscription>(conn)?;
            Ok(())
        })
        .await
        .expect("schema.rs matches the database");
}

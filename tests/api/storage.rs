use std::collections::BTreeSet;

use diesel::prelude::*;

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

/// A column as `src/db/schema.rs` declares it: name, diesel type (`BigInt`, `Text`, …) and
/// whether it is nullable.
type Column = (String, String, bool);

/// Every table `schema.rs` declares, with its columns, read from the file itself (what diesel
/// compiles against), so nothing is listed twice.
fn declared_tables() -> std::collections::BTreeMap<String, Vec<Column>> {
    let text = include_str!("../../src/db/schema.rs");
    let mut tables = std::collections::BTreeMap::new();
    let mut current: Option<(String, Vec<Column>)> = None;
    for line in text.lines().map(str::trim) {
        if let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with('{')) {
            current = Some((name.trim().to_owned(), Vec::new()));
        } else if line == "}" {
            if let Some((name, columns)) = current.take() {
                tables.insert(name, columns);
            }
        } else if let (Some((_, columns)), Some((column, ty))) = (current.as_mut(), line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            let column = column.trim().trim_start_matches("r#").to_owned();
            columns.push((column, ty.to_owned(), nullable));
        }
    }
    tables
}

/// The diesel type a catalogue type maps to, on either engine.
fn diesel_type(catalogue: &str) -> &'static str {
    match catalogue.to_ascii_lowercase().as_str() {
        "bigint" | "bigserial" | "int8" => "BigInt",
        "integer" | "int" | "int4" | "serial" => "Integer",
        "text" | "character varying" | "varchar" => "Text",
        "double precision" | "double" | "real" | "float8" => "Double",
        "boolean" | "bool" => "Bool",
        "timestamp" | "timestamp without time zone" => "Timestamp",
        "date" => "Date",
        _ => "unknown",
    }
}

#[derive(QueryableByName)]
struct CatalogueColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

/// Every table and column of the migrated database, as its catalogue describes them (diesel's
/// own bookkeeping table left out).
fn catalogue(conn: &mut gridassist::db::DbConn) -> QueryResult<Vec<CatalogueColumn>> {
    use gridassist::db::DbConn;
    match conn {
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                    c.data_type::text AS data_type, c.is_nullable = 'YES' AS nullable \
             FROM information_schema.columns c JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
               AND c.table_name <> '__diesel_schema_migrations'",
        )
        .load(c),
        // A rowid primary key (`INTEGER PRIMARY KEY`) is a 64-bit integer, and reports
        // notnull = 0 though it can never be null.
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, \
                    CASE WHEN p.pk = 1 AND upper(p.type) = 'INTEGER' THEN 'BIGINT' ELSE p.type END AS data_type, \
                    (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
               AND m.name <> '__diesel_schema_migrations'",
        )
        .load(c),
    }
}

/// `schema.rs` and the migrated database agree on every table and every column — name, type and
/// nullability — in both directions, on whichever engine the suite runs against (CI runs both):
/// a migration that forgets a column on one engine, or a schema.rs left behind, fails here.
#[tokio::test]
async fn schema_matches_the_migrated_database() {
    let app = spawn_app().await;
    let found = app
        .app_state
        .db
        .run(|conn| catalogue(conn).map_err(gridassist::db::DbError::from))
        .await
        .expect("read the catalogue");
    let declared = declared_tables();
    assert!(
        declared.len() >= 30,
        "schema.rs parsed to {} tables",
        declared.len()
    );
    let mut problems = Vec::new();
    for (table, columns) in &declared {
        for (column, ty, nullable) in columns {
            match found
                .iter()
                .find(|c| &c.table_name == table && &c.column_name == column)
            {
                None => problems.push(format!("{table}.{column}: in schema.rs, not in the database")),
                Some(c) => {
                    if diesel_type(&c.data_type) != ty {
                        problems.push(format!(
                            "{table}.{column}: schema.rs says {ty}, the database {}",
                            c.data_type
                        ));
                    }
                    if c.nullable != *nullable {
                        problems.push(format!(
                            "{table}.{column}: schema.rs says nullable={nullable}, the database {}",
                            c.nullable
                        ));
                    }
                }
            }
        }
    }
    for c in &found {
        let known = declared
            .get(&c.table_name)
            .is_some_and(|cols| cols.iter().any(|(name, _, _)| *name == c.column_name));
        if !known {
            problems.push(format!(
                "{}.{}: in the database, not in schema.rs",
                c.table_name, c.column_name
            ));
        }
    }
    assert!(problems.is_empty(), "schema drift:\n{}", problems.join("\n"));
}

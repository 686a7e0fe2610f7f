//! Diesel table definitions, written by hand to the subset of types that SQLite and PostgreSQL
//! share (`BigInt` ids, `Text`, `Bool`, `Integer`, `Timestamp`, `Date`). The integration test
//! `schema_matches_both_backends` checks these against the migrated databases.

diesel::table! {
    courts (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    townships (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        court_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grids (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        township_id -> BigInt,
        geometry -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        court_id -> Nullable<BigInt>,
        township_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    worker_profiles (user_id) {
        user_id -> BigInt,
        capacity -> Integer,
        availability -> Text,
        on_leave_until -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    worker_grids (worker_id, grid_id) {
        worker_id -> BigInt,
        grid_id -> BigInt,
        is_primary -> Bool,
    }
}

diesel::table! {
    worker_certifications (worker_id, task_kind) {
        worker_id -> BigInt,
        task_kind -> Text,
        certified_on -> Date,
        expires_on -> Nullable<Date>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(townships -> courts (court_id));
diesel::joinable!(grids -> townships (township_id));
diesel::joinable!(worker_grids -> grids (grid_id));
diesel::joinable!(worker_profiles -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    courts,
    townships,
    grids,
    users,
    worker_profiles,
    worker_grids,
    worker_certifications,
    refresh_tokens,
    audit_events,
);

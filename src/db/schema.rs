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
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        purpose -> Nullable<Text>,
        fields -> Nullable<Text>,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        court_id -> BigInt,
        case_number -> Text,
        officer_id -> BigInt,
        amount_owed_fen -> BigInt,
        status -> Text,
        filed_on -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    parties (id) {
        id -> BigInt,
        case_id -> BigInt,
        position -> Integer,
        role -> Text,
        kind -> Text,
        name -> Text,
        id_number -> Nullable<Text>,
        phones -> Text,
        addresses -> Text,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        case_id -> BigInt,
        court_id -> BigInt,
        party_id -> Nullable<BigInt>,
        kind -> Text,
        status -> Text,
        priority -> Text,
        instructions -> Text,
        target_address -> Nullable<Text>,
        target_lat -> Nullable<Double>,
        target_lon -> Nullable<Double>,
        target_source -> Nullable<Text>,
        grid_id -> Nullable<BigInt>,
        township_id -> Nullable<BigInt>,
        assignee_id -> Nullable<BigInt>,
        queue -> Nullable<Text>,
        queue_reason -> Nullable<Text>,
        due_at -> Timestamp,
        overdue -> Bool,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        decline_count -> Integer,
        version -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    task_events (id) {
        id -> BigInt,
        task_id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        assignee_id -> Nullable<BigInt>,
        reason_code -> Nullable<Text>,
        note -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    recusals (worker_id, case_id) {
        worker_id -> BigInt,
        case_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    check_ins (id) {
        id -> BigInt,
        task_id -> BigInt,
        worker_id -> BigInt,
        client_id -> Text,
        lat -> Double,
        lon -> Double,
        crs_given -> Text,
        accuracy_m -> Double,
        captured_at -> Timestamp,
        received_at -> Timestamp,
        distance_m -> Nullable<Double>,
        flags -> Text,
        request_digest -> Text,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        task_id -> BigInt,
        uploader_id -> BigInt,
        kind -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        captured_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
        client_id -> Nullable<Text>,
    }
}

diesel::joinable!(townships -> courts (court_id));
diesel::joinable!(parties -> cases (case_id));
diesel::joinable!(task_events -> tasks (task_id));
diesel::joinable!(grids -> townships (township_id));
diesel::joinable!(worker_grids -> grids (grid_id));
diesel::joinable!(worker_profiles -> users (user_id));
diesel::joinable!(sync_feed -> tasks (task_id));
diesel::joinable!(submissions -> tasks (task_id));
diesel::joinable!(case_access_codes -> cases (case_id));
diesel::joinable!(dishonest_entries -> courts (court_id));
diesel::joinable!(dishonest_entry_events -> dishonest_entries (entry_id));
diesel::joinable!(partner_keys -> partners (partner_id));
diesel::joinable!(partner_subscriptions -> partner_keys (key_id));
diesel::joinable!(partner_key_usage -> partner_keys (key_id));

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
    cases,
    parties,
    tasks,
    task_events,
    recusals,
    check_ins,
    evidence,
    submissions,
    task_outcomes,
    sync_feed,
    idempotency_keys,
    outbox,
    scoring_schemes,
    score_lines,
    period_snapshots,
    score_appeals,
    training_modules,
    training_completions,
    check_in_disputes,
    case_access_codes,
    dishonest_entries,
    dishonest_entry_events,
    partners,
    partner_keys,
    partner_key_usage,
    partner_subscriptions,
);

diesel::table! {
    submissions (id) {
        id -> BigInt,
        task_id -> BigInt,
        worker_id -> BigInt,
        client_id -> Text,
        kind -> Text,
        result -> Text,
        note -> Nullable<Text>,
        request_digest -> Text,
        submitted_at -> Timestamp,
        decision -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        rating -> Nullable<Integer>,
        return_reasons -> Nullable<Text>,
        review_comment -> Nullable<Text>,
    }
}

diesel::table! {
    task_outcomes (id) {
        id -> BigInt,
        task_id -> BigInt,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        assets_frozen_fen -> BigInt,
        assets_seized_fen -> BigInt,
        amount_recovered_fen -> BigInt,
        settlement_performed -> Bool,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    sync_feed (seq) {
        seq -> BigInt,
        worker_id -> BigInt,
        task_id -> BigInt,
        change -> Text,
        reason -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> BigInt,
        idem_key -> Text,
        request_digest -> Text,
        status_code -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        message_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        subscription_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    scoring_schemes (version) {
        version -> BigInt,
        body -> Text,
        effective_from -> Timestamp,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    score_lines (id) {
        id -> BigInt,
        worker_id -> BigInt,
        township_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        code -> Text,
        points -> BigInt,
        task_id -> Nullable<BigInt>,
        source -> Text,
        scheme_version -> BigInt,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    period_snapshots (period, township_id) {
        period -> Text,
        township_id -> BigInt,
        scheme_version -> BigInt,
        body -> Text,
        closed_by -> Nullable<BigInt>,
        closed_at -> Timestamp,
    }
}

diesel::table! {
    score_appeals (id) {
        id -> BigInt,
        line_id -> BigInt,
        worker_id -> BigInt,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        correction_line_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    training_modules (id) {
        id -> BigInt,
        title -> Text,
        task_kinds -> Text,
        reasons -> Text,
        validity_days -> Integer,
        pass_score -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    training_completions (id) {
        id -> BigInt,
        module_id -> BigInt,
        worker_id -> BigInt,
        completed_on -> Date,
        quiz_score -> Integer,
        passed -> Bool,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    check_in_disputes (check_in_id) {
        check_in_id -> BigInt,
        decided_by -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_access_codes (id) {
        id -> BigInt,
        case_id -> BigInt,
        code_hash -> Text,
        issued_by -> BigInt,
        issued_at -> Timestamp,
        revoked_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dishonest_entries (id) {
        id -> BigInt,
        court_id -> BigInt,
        name -> Text,
        kind -> Text,
        id_number -> Text,
        case_number -> Text,
        case_id -> Nullable<BigInt>,
        reason -> Text,
        note -> Nullable<Text>,
        listed_on -> Date,
        status -> Text,
        removed_on -> Nullable<Date>,
        removal_reason -> Nullable<Text>,
        removal_note -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dishonest_entry_events (id) {
        id -> BigInt,
        entry_id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    partners (id) {
        id -> BigInt,
        name -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_keys (id) {
        id -> BigInt,
        partner_id -> BigInt,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        label -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<BigInt>,
        identities_per_minute -> Nullable<BigInt>,
        identities_per_day -> Nullable<BigInt>,
    }
}

diesel::table! {
    partner_key_usage (key_id) {
        key_id -> BigInt,
        minute_full_at -> Timestamp,
        counted_on -> Date,
        day_identities -> BigInt,
    }
}

diesel::table! {
    partner_subscriptions (id) {
        id -> BigInt,
        partner_id -> BigInt,
        key_id -> BigInt,
        url -> Text,
        secret -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

// The tables of migrations/, in Diesel's terms.

diesel::table! {
    taxpayers (id) {
        id -> Integer,
        username -> Text,
        gstin -> Text,
        legal_name -> Text,
        trade_name -> Nullable<Text>,
        registration_date -> Date,
        constitution -> Text,
        taxpayer_type -> Text,
        state_name -> Text,
        gstin_status -> Text,
        mobile -> Nullable<Text>,
        email -> Nullable<Text>,
        password_hash -> Text,
        last_login_at -> Nullable<Timestamp>,
        previous_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_access (taxpayer_id) {
        taxpayer_id -> Integer,
        enabled -> Bool,
        duration_hours -> Nullable<Integer>,
        expires_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_access_changes (id) {
        id -> Integer,
        taxpayer_id -> Integer,
        changed_at -> Timestamp,
        enabled -> Bool,
        duration_hours -> Nullable<Integer>,
        expires_at -> Nullable<Timestamp>,
        client_ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        sessions_ended -> Integer,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure_at -> Timestamp,
        pending -> Integer,
        pending_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    security_events (id) {
        id -> Integer,
        occurred_at -> Timestamp,
        kind -> Text,
        taxpayer_id -> Nullable<Integer>,
        client_ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        detail -> Nullable<Text>,
        demo_time -> Nullable<Timestamp>,
    }
}

diesel::table! {
    gsp_clients (id) {
        id -> Integer,
        client_id -> Text,
        secret_hash -> Text,
        name -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        encrypted -> Bool,
    }
}

diesel::table! {
    gsp_keys (id) {
        id -> Integer,
        private_key_pem -> Text,
        certificate_pem -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    otp_requests (id) {
        id -> Integer,
        taxpayer_id -> Integer,
        gsp_client_id -> Integer,
        otp_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        wrong_tries -> Integer,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    gsp_sessions (id) {
        id -> Integer,
        taxpayer_id -> Integer,
        gsp_client_id -> Integer,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        sek -> Nullable<Text>,
        app_key_hash -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Integer,
        taxpayer_id -> Integer,
        sent_at -> Timestamp,
        body -> Text,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Text,
        taxpayer_id -> Nullable<Integer>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_calls (id) {
        id -> Integer,
        called_at -> Timestamp,
        client_name -> Text,
        username -> Nullable<Text>,
        action -> Text,
        result_code -> Text,
    }
}

diesel::table! {
    app_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    demo_taxpayers (taxpayer_id) {
        taxpayer_id -> Integer,
        kind -> Text,
    }
}

diesel::table! {
    trainees (taxpayer_id) {
        taxpayer_id -> Integer,
        sheet_password -> Nullable<Text>,
        sheet_credential -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trainee_steps (taxpayer_id, step) {
        taxpayer_id -> Integer,
        step -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    login_tickets (ticket_hash) {
        ticket_hash -> Text,
        taxpayer_id -> Integer,
        expires_at -> Timestamp,
        trainer_binding -> Text,
    }
}

diesel::table! {
    used_captchas (nonce) {
        nonce -> Text,
        used_at -> Timestamp,
    }
}

diesel::joinable!(api_access -> taxpayers (taxpayer_id));
diesel::joinable!(demo_taxpayers -> taxpayers (taxpayer_id));
diesel::joinable!(api_access_changes -> taxpayers (taxpayer_id));
diesel::joinable!(security_events -> taxpayers (taxpayer_id));
diesel::table! {
    login_rate (address) {
        address -> Text,
        window_start -> Timestamp,
        attempts -> Integer,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::joinable!(otp_requests -> taxpayers (taxpayer_id));
diesel::joinable!(otp_requests -> gsp_clients (gsp_client_id));
diesel::joinable!(gsp_sessions -> taxpayers (taxpayer_id));
diesel::joinable!(gsp_sessions -> gsp_clients (gsp_client_id));
diesel::joinable!(messages -> taxpayers (taxpayer_id));
diesel::joinable!(sessions -> taxpayers (taxpayer_id));
diesel::joinable!(trainees -> taxpayers (taxpayer_id));
diesel::joinable!(trainee_steps -> taxpayers (taxpayer_id));
diesel::joinable!(login_tickets -> taxpayers (taxpayer_id));

diesel::allow_tables_to_appear_in_same_query!(
    taxpayers,
    api_access,
    api_access_changes,
    login_throttle,
    security_events,
    sessions,
    app_settings,
    api_calls,
    gsp_clients,
    gsp_keys,
    otp_requests,
    gsp_sessions,
    messages,
    demo_taxpayers,
    used_captchas,
    trainees,
    trainee_steps,
    login_tickets,
);

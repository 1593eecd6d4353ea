//! The output tables of accounts and the audit trail — users, API tokens, audit events —
//! declared once here (the rows are made by the server crate from the store's records, which
//! this crate does not read): `opsdeck user list`, `opsdeck token list`, `opsdeck audit show`
//! and the dashboard's admin and audit pages write them.

use crate::views::table::{col, Column, Kind};

pub static USER_COLUMNS: [Column; 6] = [
    col("email", Kind::Text, "the user's id"),
    col(
        "role",
        Kind::Text,
        "admin, executive, account-manager, client-viewer or auditor",
    ),
    col(
        "clients",
        Kind::Text,
        "the clients assigned (space-separated)",
    ),
    col(
        "password",
        Kind::Flag,
        "whether the user can log in with a password",
    ),
    col(
        "disabled",
        Kind::Flag,
        "disabled users cannot log in or use tokens",
    ),
    col("created_at", Kind::Timestamp, "when the user was added"),
];

pub static TOKEN_COLUMNS: [Column; 6] = [
    col("id", Kind::Text, "the token's public id"),
    col("email", Kind::Text, "whose token"),
    col("name", Kind::Text, "what it is for"),
    col("created_at", Kind::Timestamp, "when it was made"),
    col(
        "expires_at",
        Kind::Timestamp,
        "when it stops working (empty: never)",
    ),
    col("revoked_at", Kind::Timestamp, "when it was revoked"),
];

pub static AUDIT_COLUMNS: [Column; 9] = [
    col("seq", Kind::Count, "position in the chain, from 1"),
    col("at", Kind::Timestamp, "when"),
    col(
        "actor",
        Kind::Text,
        "who: a user's e-mail, or os:NAME for the CLI",
    ),
    col("action", Kind::Text, "what"),
    col("object", Kind::Text, "acted on"),
    col("client", Kind::Text, "the client concerned"),
    col("request_id", Kind::Text, "the server request"),
    col(
        "payload_digest",
        Kind::Text,
        "SHA-256 of what the write was given",
    ),
    col("hash", Kind::Text, "this event's chain hash"),
];

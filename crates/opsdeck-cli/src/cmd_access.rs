//! `opsdeck user`, `opsdeck token` and `opsdeck audit`: who may log in to `opsdeck serve`,
//! their API tokens, and the hash-chained audit trail. The first admin is made here — the
//! server has no default password.

use crate::context::{Context, GlobalArgs};
use crate::errors::Usage;
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::Role;
use opsdeck_engine::views::table::{col, Kind, Table, Value};
use opsdeck_server::audit::{all_events, record, Entry};
use opsdeck_server::auth;
use opsdeck_store::{TokenRecord, UserRecord};
use std::io::BufRead as _;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. Account managers and client viewers need --client (a client viewer exactly
    /// one); admin, executive and auditor see every client.
    Add {
        email: String,
        #[arg(long)]
        role: Role,
        /// A client the user may read (repeat for several).
        #[arg(long = "client")]
        clients: Vec<String>,
        /// Read the password from the first line of standard input (without it the user
        /// logs in with API tokens only).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every user with role, clients and state.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Disable a user: their sessions end and their tokens stop working at once.
    Disable { email: String },
    /// Enable a disabled user again.
    Enable { email: String },
    /// Change a user's role and clients (their sessions end).
    SetRole {
        email: String,
        #[arg(long)]
        role: Role,
        #[arg(long = "client")]
        clients: Vec<String>,
    },
    /// Set a user's password from the first line of standard input (their sessions end).
    SetPassword { email: String },
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; the token alone is printed on standard output, once
    /// (only its hash is stored).
    Create {
        email: String,
        #[arg(long, default_value = "api")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// Revoke a token by its id (`opsdeck token list`).
    Revoke { id: String },
    /// Every token (never the secret).
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain; names the first event that was edited, deleted or moved.
    Verify,
    /// The events, in order.
    Show {
        /// Events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn normalised_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(Usage(format!("{email:?} is not an e-mail address")).into());
    }
    Ok(e)
}

/// Check the clients a role is given against the organisation.
fn checked_clients(ctx: &Context, role: Role, clients: &[String]) -> Result<Vec<String>> {
    if role.sees_every_client() {
        if !clients.is_empty() {
            return Err(Usage(format!("role {role} sees every client; give no --client")).into());
        }
        return Ok(Vec::new());
    }
    if clients.is_empty() {
        return Err(Usage(format!(
            "role {role} reads only the clients assigned: give at least one --client"
        ))
        .into());
    }
    if role == Role::ClientViewer && clients.len() > 1 {
        return Err(Usage(
            "a client-viewer reads one client: give exactly one --client (or add one user per client)".into(),
        )
        .into());
    }
    let org = ctx.org()?;
    let mut out: Vec<String> = Vec::new();
    for c in clients {
        org.require("client", c)
            .map_err(opsdeck_engine::EngineError::from)?;
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.chars().count() < 12 {
        return Err(Usage("the password is shorter than 12 characters".into()).into());
    }
    Ok(pw)
}

fn hashed(pw: &str) -> Result<String> {
    auth::hash_password(pw).map_err(anyhow::Error::msg)
}

fn now() -> String {
    auth::rfc3339(chrono::Utc::now())
}

fn existing_user(ctx: &Context, email: &str) -> Result<UserRecord> {
    let email = normalised_email(email)?;
    ctx.rt
        .block_on(ctx.store.user(&email))?
        .ok_or_else(|| Usage(format!("no user {email:?} (see `opsdeck user list`)")).into())
}

fn audit(ctx: &Context, action: &str, object: &str, payload: &[u8]) -> Result<()> {
    ctx.rt.block_on(record(
        &ctx.store,
        Entry::new(&ctx.actor, action, object).payload(payload),
    ))?;
    Ok(())
}

/// Save `u`, end their sessions, and record `action`.
fn save(ctx: &Context, u: &UserRecord, action: &str, what: &str) -> Result<()> {
    ctx.rt.block_on(ctx.store.save_user(u))?;
    let ended = ctx.rt.block_on(ctx.store.end_sessions_of(&u.email))?;
    audit(ctx, action, &u.email, what.as_bytes())?;
    outln!("user {}: {what}; {ended} session(s) ended", u.email);
    Ok(())
}

pub fn run_user(g: &GlobalArgs, c: UserCommand) -> Result<ExitCode> {
    let ctx = match c {
        UserCommand::List { .. } => Context::open_read(g)?,
        _ => Context::open(g)?,
    };
    match c {
        UserCommand::Add {
            email,
            role,
            clients,
            password_stdin,
        } => {
            let email = normalised_email(&email)?;
            let clients = checked_clients(&ctx, role, &clients)?;
            let password_hash = if password_stdin {
                Some(hashed(&password_from_stdin()?)?)
            } else {
                None
            };
            let u = UserRecord {
                email: email.clone(),
                role: role.as_str().to_string(),
                clients: clients.clone(),
                password_hash,
                disabled: false,
                created_at: now(),
            };
            ctx.rt
                .block_on(ctx.store.add_user(&u))
                .map_err(|e| match e {
                    opsdeck_store::StoreError::Refused { .. } => {
                        anyhow::Error::from(Usage(format!("user {email:?} already exists")))
                    }
                    other => other.into(),
                })?;
            let what = format!("role {role}, clients [{}]", clients.join(", "));
            audit(&ctx, "user.add", &email, what.as_bytes())?;
            outln!("user {email} added: {what}");
        }
        UserCommand::List { format } => {
            let users = ctx.rt.block_on(ctx.store.list_users())?;
            let t = Table::new(
                vec![
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
                ],
                users
                    .into_iter()
                    .map(|u| {
                        vec![
                            Value::Text(u.email),
                            Value::Text(u.role),
                            Value::Text(u.clients.join(" ")),
                            Value::Flag(Some(u.password_hash.is_some())),
                            Value::Flag(Some(u.disabled)),
                            Value::Text(u.created_at),
                        ]
                    })
                    .collect(),
            );
            output::write(&mut std::io::stdout().lock(), format, &t)?;
        }
        UserCommand::Disable { email } => {
            let mut u = existing_user(&ctx, &email)?;
            u.disabled = true;
            save(&ctx, &u, "user.disable", "disabled")?;
        }
        UserCommand::Enable { email } => {
            let mut u = existing_user(&ctx, &email)?;
            u.disabled = false;
            save(&ctx, &u, "user.enable", "enabled")?;
        }
        UserCommand::SetRole {
            email,
            role,
            clients,
        } => {
            let mut u = existing_user(&ctx, &email)?;
            u.clients = checked_clients(&ctx, role, &clients)?;
            u.role = role.as_str().to_string();
            let what = format!("role {role}, clients [{}]", u.clients.join(", "));
            save(&ctx, &u, "user.set-role", &what)?;
        }
        UserCommand::SetPassword { email } => {
            let mut u = existing_user(&ctx, &email)?;
            u.password_hash = Some(hashed(&password_from_stdin()?)?);
            save(&ctx, &u, "user.set-password", "password set")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_token(g: &GlobalArgs, c: TokenCommand) -> Result<ExitCode> {
    let ctx = match c {
        TokenCommand::List { .. } => Context::open_read(g)?,
        _ => Context::open(g)?,
    };
    match c {
        TokenCommand::Create {
            email,
            name,
            expires_days,
        } => {
            let u = existing_user(&ctx, &email)?;
            let (id, token) = auth::new_token();
            let created = chrono::Utc::now();
            let expires_at =
                expires_days.map(|d| auth::rfc3339(created + chrono::Duration::days(i64::from(d))));
            ctx.rt.block_on(ctx.store.add_token(&TokenRecord {
                id: id.clone(),
                email: u.email.clone(),
                name: name.clone(),
                token_hash: auth::secret_hash(&token),
                created_at: auth::rfc3339(created),
                expires_at: expires_at.clone(),
                revoked_at: None,
            }))?;
            audit(
                &ctx,
                "token.create",
                &id,
                format!("{} {name}", u.email).as_bytes(),
            )?;
            outln!("{token}");
            note!(
                "token {id} ({name}) for {}{}: shown once, store it now",
                u.email,
                expires_at.map_or(String::new(), |e| format!(", expires {e}"))
            );
        }
        TokenCommand::Revoke { id } => {
            if !ctx.rt.block_on(ctx.store.revoke_token(&id, &now()))? {
                return Err(
                    Usage(format!("no active token {id:?} (see `opsdeck token list`)")).into(),
                );
            }
            audit(&ctx, "token.revoke", &id, b"")?;
            outln!("token {id} revoked");
        }
        TokenCommand::List { format } => {
            let tokens = ctx.rt.block_on(ctx.store.list_tokens())?;
            let t = Table::new(
                vec![
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
                ],
                tokens
                    .into_iter()
                    .map(|t| {
                        let opt = |v: Option<String>| Value::Text(v.unwrap_or_default());
                        vec![
                            Value::Text(t.id),
                            Value::Text(t.email),
                            Value::Text(t.name),
                            Value::Text(t.created_at),
                            opt(t.expires_at),
                            opt(t.revoked_at),
                        ]
                    })
                    .collect(),
            );
            output::write(&mut std::io::stdout().lock(), format, &t)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_audit(g: &GlobalArgs, c: AuditCommand) -> Result<ExitCode> {
    let ctx = Context::open_read(g)?;
    match c {
        AuditCommand::Verify => {
            let events = ctx.rt.block_on(all_events(&ctx.store))?;
            match opsdeck_core::audit::verify(&events) {
                Ok(n) => {
                    outln!(
                        "audit trail intact: {n} event(s); head {}",
                        events.last().map_or("(none)", |e| e.hash.as_str())
                    );
                    note!("keep the head hash somewhere else: a later verify that shows the same head proves nothing was cut from the end");
                }
                Err(b) => {
                    anyhow::bail!("audit trail broken at {b}");
                }
            }
        }
        AuditCommand::Show {
            after,
            limit,
            format,
        } => {
            let events = ctx.rt.block_on(ctx.store.audit_events(after, limit))?;
            let t = Table::new(
                vec![
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
                ],
                events
                    .into_iter()
                    .map(|e| {
                        let opt = |v: Option<String>| Value::Text(v.unwrap_or_default());
                        vec![
                            Value::Int(e.seq),
                            Value::Text(e.event.at),
                            Value::Text(e.event.actor),
                            Value::Text(e.event.action),
                            Value::Text(e.event.object),
                            opt(e.event.client),
                            opt(e.event.request_id),
                            Value::Text(e.event.payload_digest),
                            Value::Text(e.hash),
                        ]
                    })
                    .collect(),
            );
            output::write(&mut std::io::stdout().lock(), format, &t)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

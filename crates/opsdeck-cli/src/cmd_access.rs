//! `opsdeck user`, `opsdeck token` and `opsdeck audit`: who may log in to `opsdeck serve`,
//! their API tokens, and the hash-chained audit trail. The first admin is made here — the
//! server has no default password.

use crate::context::{Context, GlobalArgs};
use crate::errors::Usage;
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use opsdeck_core::{Org, Role};
use opsdeck_server::accounts::{
    add_user, change_user, create_token, describe, revoke_token, AccountError, Actor, Change,
};
use opsdeck_server::audit::all_events;
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

/// The account error as the CLI ends with it: a usage error when the request is wrong.
/// `list` names the command that lists what exists (for an id that names nothing).
fn usage(list: &'static str) -> impl Fn(AccountError) -> anyhow::Error {
    move |e| match e {
        AccountError::Invalid(m) => Usage(m).into(),
        AccountError::NotFound(m) => Usage(format!("{m} (see `{list}`)")).into(),
        AccountError::Store(s) => s.into(),
    }
}

fn actor(ctx: &Context) -> Actor {
    Actor {
        name: ctx.actor.clone(),
        request_id: None,
    }
}

fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Every client's organisation (a user's clients are checked against it).
fn org(ctx: &Context) -> Result<Org> {
    Ok(Org::from_raw(&ctx.raw_org()?).unwrap_or_default())
}

/// Apply a change to a user and say what it did.
fn change(ctx: &Context, email: &str, c: Change) -> Result<()> {
    let (u, ended) = ctx
        .rt
        .block_on(change_user(&ctx.store, &org(ctx)?, &actor(ctx), email, c))
        .map_err(usage("opsdeck user list"))?;
    let what = if u.disabled { "disabled" } else { "active" };
    outln!(
        "user {}: {}, {what}; {ended} session(s) ended",
        u.email,
        describe(&u)
    );
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
            let password = password_stdin.then(password_from_stdin).transpose()?;
            let u = ctx
                .rt
                .block_on(add_user(
                    &ctx.store,
                    &org(&ctx)?,
                    &actor(&ctx),
                    &email,
                    role,
                    &clients,
                    password.as_deref(),
                ))
                .map_err(usage("opsdeck user list"))?;
            outln!("user {} added: {}", u.email, describe(&u));
        }
        UserCommand::List { format } => {
            let users = ctx.rt.block_on(ctx.store.list_users())?;
            let t = opsdeck_server::accounts::users_table(users);
            output::write(&mut std::io::stdout().lock(), format, &t)?;
        }
        UserCommand::Disable { email } => change(&ctx, &email, Change::Disable)?,
        UserCommand::Enable { email } => change(&ctx, &email, Change::Enable)?,
        UserCommand::SetRole {
            email,
            role,
            clients,
        } => change(&ctx, &email, Change::SetRole { role, clients })?,
        UserCommand::SetPassword { email } => {
            change(&ctx, &email, Change::SetPassword(password_from_stdin()?))?
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
            let (t, token) = ctx
                .rt
                .block_on(create_token(
                    &ctx.store,
                    &actor(&ctx),
                    &email,
                    &name,
                    expires_days,
                ))
                .map_err(usage("opsdeck user list"))?;
            outln!("{token}");
            note!(
                "token {} ({}) for {}{}: shown once, store it now",
                t.id,
                t.name,
                t.email,
                t.expires_at
                    .map_or(String::new(), |e| format!(", expires {e}"))
            );
        }
        TokenCommand::Revoke { id } => {
            ctx.rt
                .block_on(revoke_token(&ctx.store, &actor(&ctx), &id))
                .map_err(usage("opsdeck token list"))?;
            outln!("token {id} revoked");
        }
        TokenCommand::List { format } => {
            let tokens = ctx.rt.block_on(ctx.store.list_tokens())?;
            let t = opsdeck_server::accounts::tokens_table(tokens);
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
            let t = opsdeck_server::audit::audit_table(events);
            output::write(&mut std::io::stdout().lock(), format, &t)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

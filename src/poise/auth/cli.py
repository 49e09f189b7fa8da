"""``poise users`` and ``poise tokens``."""

from __future__ import annotations

from typing import Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session, out

users_app = typer.Typer(help="Manage the people who sign in.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the JSON API.", no_args_is_help=True)


@users_app.command("add")
def add_user(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    name: Annotated[str, typer.Option(help="Full name shown to colleagues.")],
    role: Annotated[str, typer.Option(help="agent, lead or admin.")] = "agent",
    password: Annotated[
        str | None,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,  # typed unseen: a typo would lock out the first admin
            help="At least 8 characters (asked twice when not given).",
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(help="Team name, in any letter case (made if no team has that name)."),
    ] = None,
) -> None:
    """Add a user."""
    from poise.auth import actions  # each command imports the database's side: help is instant

    with open_session(load_settings()) as session:
        team_id = actions.team_by_name(session, team, create=True).id if team else None
        user = actions.create_user(
            session,
            actor=None,
            email=email,
            name=name,
            role=role,
            password=password or "",
            team_id=team_id,
        )
        out.print(f"Added {user.name} <{user.email}> as {user.role}.", highlight=False)


@users_app.command("list")
def list_users() -> None:
    """List users with role and team."""
    from poise.auth import queries

    with open_session(load_settings()) as session:
        listing = queries.list_users(session, actor=None, page_size=100_000)
        if not listing.items:  # it printed nothing, which read as a command that did not run
            console.print("No users yet: add one with `poise users add`.", markup=False)
        for user in listing.items:
            team = user.team.name if user.team else "-"
            out.print(f"{user.email}\t{user.role}\t{team}\t{user.name}", highlight=False)


@users_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(help="Sign-in email of the user.")],
) -> None:
    """Set a user's password again, asked twice and hidden. Every session signed in with the
    old one ends, as when they change it on their account page; API tokens keep working."""
    from sqlalchemy import select

    from poise.auth import actions
    from poise.auth.models import User

    with open_session(load_settings()) as session:
        user = session.scalar(select(User).where(User.email == actions.normal_email(email)))
        if user is None:  # said before a password is asked for nothing
            fail(f"no user with email {email!r}: `poise users list` shows who there is")
        password = typer.prompt(
            f"New password for {user.email}", hide_input=True, confirmation_prompt=True
        )
        actions.set_password(session, user=user, password=password)
        out.print(
            f"Password set for {user.name} <{user.email}>. Their sessions signed in with the old "
            "one have ended; their API tokens still work.",
            highlight=False,
        )


@tokens_app.command("create")
def create_token(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "command line",
    expires_in_days: Annotated[
        int | None,
        typer.Option(help="Days the token works: 30, 90 (the default) or 365."),
    ] = None,
    never_expires: Annotated[
        bool, typer.Option("--never-expires", help="The token works until it is revoked.")
    ] = False,
) -> None:
    """Create an API token and print it (it is shown only once). It stops working after 90
    days unless told otherwise."""
    from poise.auth import actions, queries

    if never_expires and expires_in_days is not None:
        fail("give --expires-in-days or --never-expires, not both")
    days: int | None = expires_in_days
    if days is None and not never_expires:
        days = actions.DEFAULT_TOKEN_DAYS
    with open_session(load_settings()) as session:
        user = queries.user_by_email(session, email)
        typer.echo(
            actions.create_api_token(
                session, actor=None, user=user, name=name, expires_in_days=days
            )
        )

"""How ``--help`` shows the commands' options."""

from __future__ import annotations

from typing import Any

import click
from typer.core import TyperArgument, TyperGroup, TyperOption


class PoiseGroup(TyperGroup):
    """The ``poise`` root group. An option whose default is None means "not given": a setting
    or a computed value then applies, which the option's help names, so ``--help`` shows no
    ``[default: None]`` for it. Done once here, over every command below the root, so a new
    command needs nothing of its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hide_none_defaults(self)


def hide_none_defaults(command: click.Command) -> None:
    """Show no default for the parameters of ``command`` and its subcommands that default to
    None; a real default (``--workers`` 1) is still shown."""
    for param in command.params:
        if isinstance(param, TyperOption | TyperArgument) and param.default is None:
            param.show_default = False
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            hide_none_defaults(subcommand)

"""The README documents every command, option and environment variable people can use."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from faqkb.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"faqkb {name}" in README


@pytest.mark.parametrize("name, option", [
    (name, option) for name, command in commands() for param in command.params
    for option in param.opts if option.startswith("--")])
def test_every_option_is_in_the_readme(name: str, option: str) -> None:
    assert option in README, f"faqkb {name} {option} is not documented"


@pytest.mark.parametrize("variable", sorted({
    env for _, command in commands() for param in command.params
    if isinstance(param, click.Option) and isinstance(env := param.envvar, str)}
    | {"FAQKB_CACHE_DIR", "FAQKB_KB_DIR", "FAQKB_INDEX_DIR"}))
def test_every_environment_variable_is_in_the_readme(variable: str) -> None:
    assert variable in README


def test_the_readme_has_a_run_and_a_test_command() -> None:
    blocks = re.findall(r"<!-- (run|test)-command -->\n```sh\n(.+?)\n```", README)
    assert [kind for kind, _ in blocks] == ["run", "test"]
    assert all(command.startswith("python3 -m venv .venv") for _, command in blocks)


def test_every_picture_the_readme_shows_is_in_the_repository_and_small() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures
    root = Path(__file__).resolve().parent.parent
    for picture in pictures:
        path = root / picture
        assert path.is_file(), picture
        assert path.stat().st_size < 300 * 1024, picture

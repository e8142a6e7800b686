"""deploy/: the compose file and the Dockerfile run faqkb commands that exist, and the
HAProxy configuration is valid with the addresses compose gives it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from conftest import ROOT
from faqkb.cli import cli

DEPLOY = ROOT / "deploy"


def faqkb_commands() -> list[list[str]]:
    yaml = pytest.importorskip("yaml")  # PyYAML comes with the dask extra
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    commands = [service["command"] for service in compose["services"].values()
                if "command" in service]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    commands += [eval(found)  # noqa: S307 - a JSON-style list of strings in our own file
                 for found in re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)]
    return [command for command in commands if command[0] == "faqkb"]


def test_every_faqkb_command_of_deploy_is_one_the_cli_accepts() -> None:
    commands = faqkb_commands()
    assert {command[1] for command in commands} == {"build", "serve"}
    for command in commands:
        with cli.make_context("faqkb", command[1:2]) as group:
            name, found, _ = cli.resolve_command(group, command[1:2])
            assert found is not None and name is not None
            with found.make_context(name, command[2:], parent=group):
                pass


def test_a_misspelt_option_would_be_caught() -> None:
    found = cli.get_command(click.Context(cli), "serve")
    assert found is not None
    with pytest.raises(click.NoSuchOption):
        found.make_context("serve", ["--read-onyl"])


@pytest.mark.skipif(not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()),
                    reason="no haproxy (apt-get install haproxy)")
def test_the_haproxy_configuration_is_valid_with_the_addresses_compose_gives_it() -> None:
    env = {**os.environ, "FAQKB_LISTEN": "0.0.0.0:8080", "FAQKB_REPLICA_1": "127.0.0.11:8000",
           "FAQKB_REPLICA_2": "127.0.0.12:8000", "FAQKB_REPLICA_3": "127.0.0.13:8000"}
    checked = subprocess.run([shutil.which("haproxy") or "/usr/sbin/haproxy", "-c", "-f",
                              str(DEPLOY / "haproxy.cfg")], env=env, capture_output=True,
                             text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr

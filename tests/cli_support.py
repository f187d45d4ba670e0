"""Running the command line in-process from tests (import as `cli_support`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flagdesk.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of one `flagdesk ...` call."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """The parsed JSON of a `flagdesk ... --json` call that must succeed."""
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)

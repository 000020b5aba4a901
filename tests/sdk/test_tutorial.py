"""The tutorial shows real code: every code block is a file of the example distribution (which the
other tests build, install, test and run), real output, or a command the daemon has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from daemon.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "daemon" / "connectors" / "TUTORIAL.md"
EXAMPLE = ROOT / "tests" / "sdk" / "example_dist"
BLOCK = re.compile(r"(?:<!-- (?P<marker>[^>]*?) -->\n)?```(?P<language>\w*)\n(?P<body>.*?)\n```", re.DOTALL)


def blocks(kind: str) -> list[tuple[str, str]]:
    """(marker argument, body) of every code block whose marker is ``kind`` (``file: x`` has argument x)."""
    found = []
    for match in BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8")):
        marker = match["marker"] or ("shell" if match["language"] == "sh" else "")
        name, _, argument = marker.partition(":")
        if name == kind:
            found.append((argument.strip(), match["body"]))
    return found


def test_every_code_block_is_marked_as_a_file_output_layout_or_shell_commands() -> None:
    kinds = [(m["marker"] or ("shell" if m["language"] == "sh" else "?")).partition(":")[0]
             for m in BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8"))]
    assert kinds and set(kinds) <= {"file", "output", "layout", "shell"}, kinds


@pytest.mark.parametrize(("path", "body"), blocks("file"), ids=[path for path, _ in blocks("file")])
def test_a_file_block_is_exactly_that_file_of_the_example_distribution(path: str, body: str) -> None:
    assert body == (EXAMPLE / path).read_text(encoding="utf-8").rstrip("\n"), f"the tutorial's {path} differs from the file"


def test_the_tutorial_shows_every_source_file_of_the_example_connectors() -> None:
    shown = {path for path, _ in blocks("file")}
    sources = {str(p.relative_to(EXAMPLE)) for p in EXAMPLE.glob("**/*.py") if p.name != "__init__.py"}
    assert sources <= shown


def test_the_layout_lists_files_that_exist() -> None:
    [(_, layout)] = blocks("layout")
    names = re.findall(r"[\w.]+\.(?:py|toml|yaml|typed)\b", layout)
    assert names and all(any(EXAMPLE.rglob(name)) for name in names), names


def test_shell_blocks_use_only_commands_the_daemon_has() -> None:
    used = {shlex.split(line)[1] for _, body in blocks("shell") for line in body.splitlines()
            if line.startswith("integration-daemon ")}
    assert used and used <= set(cli.commands), used - set(cli.commands)

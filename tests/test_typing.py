"""Type checking as a test: mypy (with the project's config in pyproject.toml) finds no error.

The daemon ships ``py.typed``; connector authors type-check their code against its
annotations, so the tutorial's example connectors are checked here too, in strict mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "sdk" / "example_dist"


def mypy(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_mypy_finds_no_type_error_in_the_daemon_package() -> None:
    done = mypy(cwd=ROOT)  # packages and options from [tool.mypy]
    assert done.returncode == 0, f"mypy exited {done.returncode}:\n{done.stdout}{done.stderr}"


def test_the_tutorial_s_example_connectors_type_check_strictly_against_the_daemon_s_annotations() -> None:
    # MYPYPATH: an editable install hides the package from mypy behind an import hook
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    done = mypy("--strict", "--follow-imports=silent", "--explicit-package-bases", "--cache-dir", os.devnull,
                "example_connectors", "tests", cwd=EXAMPLE, env=env)
    assert done.returncode == 0, f"mypy exited {done.returncode}:\n{done.stdout}{done.stderr}"

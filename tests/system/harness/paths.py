"""Where the repository, the build and the test tools are."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def build_dir():
    """$LOAXA_BUILD (default "build"), relative to the repository root."""
    build = Path(os.environ.get("LOAXA_BUILD", "build"))
    return build if build.is_absolute() else REPO_ROOT / build


def loaxad_bin():
    return build_dir() / "loaxad"


def loaxactl_bin():
    return build_dir() / "loaxactl"


def tool_path(name):
    """A test tool built from tests/tools/NAME.c by `make` into BUILD/tests/tools/."""
    return build_dir() / "tests" / "tools" / name

"""Options shared by every test package."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--console-screenshots",
        default=None,
        metavar="DIR",
        help="Write the compliance console's screenshots here (the README's pictures).",
    )

"""Options shared by every test package."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# The test command explores the same examples on every run, so a landing check cannot fail by
# chance; SHOPSTREAM_HYPOTHESIS=explore draws new ones (and more of them) to hunt for cases.
settings.register_profile("repeatable", derandomize=True, max_examples=200)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("SHOPSTREAM_HYPOTHESIS", "repeatable"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--console-screenshots",
        default=None,
        metavar="DIR",
        help="Write the compliance console's screenshots here (the README's pictures).",
    )

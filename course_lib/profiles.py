"""The one table of run sizes: every notebook's sample counts, epochs and batch sizes per profile.

A notebook never writes ``if profile == ...``: it asks ``config.sizes("NN_slug")`` and uses the
numbers it gets. To make a notebook faster or bigger, change its rows here and nowhere else.

Profiles
--------
smoke    CI: seconds per notebook, proves the code runs and the numbers are sane.
lecture  a student's laptop CPU (2 cores): a few minutes per notebook, results worth discussing.
full     the real experiment (a long CPU run or a GPU): the numbers compared with the papers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

PROFILE_NAMES: tuple[str, ...] = ("smoke", "lecture", "full")


class Sizes(Mapping):
    """Read-only mapping with attribute access (``s.epochs``) and helpful errors for typos."""

    def __init__(self, notebook: str, profile: str, values: Mapping[str, Any]):
        self._notebook = notebook
        self._profile = profile
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(
                f"{self._notebook!r} has no size {key!r} in profile {self._profile!r}; "
                f"known: {', '.join(sorted(self._values))}"
            ) from None

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as err:
            raise AttributeError(str(err)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def profile(self) -> str:
        return self._profile

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Sizes[{self._notebook} @ {self._profile}]({items})"


# notebook -> profile -> values. Every profile of a notebook names the same keys (a test checks it).
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "01_data_loading": {
        "smoke": {"examples_per_class": 4, "stats_sample": 2_000},
        "lecture": {"examples_per_class": 8, "stats_sample": 20_000},
        "full": {"examples_per_class": 10, "stats_sample": 70_000},
    },
}


def sizes_for(notebook: str, profile: str) -> Sizes:
    """Look up one notebook's sizes; unknown notebooks get a list of the known ones."""
    if notebook not in SIZES:
        raise KeyError(f"No sizes for notebook {notebook!r}; known: {', '.join(sorted(SIZES))}")
    table = SIZES[notebook]
    if profile not in table:
        raise KeyError(f"Notebook {notebook!r} has no {profile!r} profile; it has {', '.join(table)}")
    return Sizes(notebook, profile, table[profile])

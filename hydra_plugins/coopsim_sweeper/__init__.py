"""coopsim's Hydra plugin: the checked sweeper (``hydra/sweeper: checked``).

Hydra takes sweepers only from its ``hydra_plugins`` namespace; what the
sweeper does is :func:`coopsim.io.launch.checked_sweep`.
"""

from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

from coopsim.io.launch import checked_sweep


class CheckedSweeper(BasicSweeper):  # type: ignore[misc]
    """Hydra's basic sweeper: every point checked before any runs; every failed run named at the end."""

    def sweep(self, arguments: list[str]) -> Any:
        return checked_sweep(self, arguments)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Every point was checked before the sweep began."""

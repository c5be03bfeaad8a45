"""Markdown tables for the generated documents (parameter table, calibration fit, replay)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


def cell(x: Any, number: Callable[[float], str] = lambda v: f"{v:,.4g}") -> str:
    """A table cell: floats through ``number``, everything else as text, pipes escaped."""
    if isinstance(x, float):
        text = "–" if x != x else number(x)
    else:
        text = str(x)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(df: pd.DataFrame, number: Callable[[float], str] = lambda v: f"{v:,.4g}") -> str:
    """``df`` as a GitHub-flavoured Markdown table (no index)."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(x, number) for x in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])

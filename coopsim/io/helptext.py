"""Help for a terminal: the commands' docstrings (reStructuredText, for the API
documentation) shown as plain text by ``--help``.

>>> plain("``coopsim-study tiers`` compares, see :mod:`coopsim.analysis.decomposition`. Example::")
'coopsim-study tiers compares, see coopsim.analysis.decomposition. Example:'
>>> plain(":func:`~coopsim.run.simulate` and :class:`RunConfig`")
'simulate and RunConfig'
"""

from __future__ import annotations

import argparse
import inspect
import re

_ROLE = re.compile(r":[a-z]+:`(~?)([^`<]*?)(?:\s*<[^>]*>)?`")
_LITERAL = re.compile(r"``([^`]+)``")


def plain(text: str) -> str:
    """``text`` without reStructuredText markup: literals and roles as their text (``~a.b`` as ``b``), a
    paragraph's closing ``::`` as ``:``."""
    text = _ROLE.sub(lambda m: m.group(2).strip().rsplit(".", 1)[-1] if m.group(1) else m.group(2).strip(), text)
    text = _LITERAL.sub(r"\1", text)
    text = re.sub(r"(?<=\S)::(?=\s|$)", ":", text)
    return re.sub(r"(?m)^(\s*)::\s*$\n?", "", text)


class PlainHelp(argparse.RawDescriptionHelpFormatter):
    """An argparse formatter that keeps the description's paragraphs and examples as written (a function's
    docstring without its indent), without markup."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return super()._fill_text(plain(inspect.cleandoc(text)), width, indent)

    def _expand_help(self, action: argparse.Action) -> str:
        return plain(super()._expand_help(action))

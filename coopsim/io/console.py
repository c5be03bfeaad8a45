"""The console scripts' one way of saying no: a bad argument or config ends with
one line naming it (exit 2), never a traceback; and the log's lines on a terminal
that a sweep's progress bar shares."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from coopsim.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def console_script(prog: str) -> Callable[[F], F]:
    """Wrap a console script's ``main``: a :class:`ConfigError` (a bad override, a
    config that would not run), a missing file or directory, or a bad value
    prints ``<prog>: error: <message>`` and exits 2."""
    def wrap(main: F) -> F:
        @functools.wraps(main)
        def run(argv: Sequence[str] | None = None) -> Any:
            try:
                return main(argv)
            except (ConfigError, FileNotFoundError, NotADirectoryError, ValueError) as err:
                print(f"{prog}: error: {err}", file=sys.stderr)
                sys.exit(2)
        return run  # type: ignore[return-value]
    return wrap


class TerminalLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The log to a stream; on a terminal each line first clears the line it starts on, where a sweep's
    progress bar may stand (``coopsim.io.launch.SweepProgress`` draws it again below)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        isatty = getattr(self.stream, "isatty", None)
        return "\r\x1b[K" + text if isatty is not None and isatty() else text

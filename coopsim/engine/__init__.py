"""The engine: the economy's SimPy processes (:mod:`~coopsim.engine.economy`),
the month's calendar (:mod:`~coopsim.engine.calendar`), the recorder that
observes a run and writes its tables (:mod:`~coopsim.engine.recorder`), and the
named random streams of a run (:mod:`~coopsim.engine.streams`).

The engine puts the rules in time order; it holds no rule of its own.
"""

from coopsim.engine.calendar import MONTH, TICKS, Phase
from coopsim.engine.economy import Economy
from coopsim.engine.recorder import Recorder, RunTables
from coopsim.engine.streams import Streams

__all__ = ["MONTH", "TICKS", "Economy", "Phase", "Recorder", "RunTables", "Streams"]

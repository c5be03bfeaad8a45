"""Named random streams from one root seed (common random numbers).

Each concern draws from its own stream, spawned from the run's root seed by a
fixed key, so the world, the households, the prices and the migration draws
are the same under every tier: tier differences are then not noise.

>>> a, b = Streams(7), Streams(7)
>>> float(a["prices"].random()) == float(b["prices"].random())
True
"""

from __future__ import annotations

import hashlib

import numpy as np

#: Stream names. Adding a name never changes the numbers of existing streams,
#: because each stream's seed is derived from the root seed and its own name.
STREAM_NAMES = ("world", "households", "prices", "migration", "destinations", "membership", "institutions", "shocks",
                "spread", "crops", "health")


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


class Streams:
    """A dictionary-like set of independent ``numpy.random.Generator`` streams.

    Parameters
    ----------
    seed
        The run's root seed (from the config, never from a job number).
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self._streams = {
            name: np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _name_key(name)])))
            for name in STREAM_NAMES
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        try:
            return self._streams[name]
        except KeyError:
            raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_NAMES)}") from None

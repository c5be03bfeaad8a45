"""The region as a seeded networkx graph: county -> township -> village.

Administrative edges (``kind="admin"``) run from each county to its townships
and from each township to its villages. Lateral ``kind="neighbour"`` edges
join each village to its nearest villages, across township borders too; later
mechanisms use them (peer influence on joining, migration chains,
strong-villages-lead-weak pairing).

Households are attached to villages by a contiguous row range (``hh_start``,
``hh_stop`` on each village node): their state lives in numpy columns ordered
by village (see :mod:`coopsim.households`), not as graph nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from coopsim.config import RegionConfig
from coopsim.money import allocate


@dataclass(frozen=True)
class World:
    """The region: graph plus index arrays for fast lookups.

    Attributes
    ----------
    graph
        Nodes ``"county:<c>"``, ``"township:<t>"``, ``"village:<v>"``.
    village_township, township_county
        Parent index of each village / township.
    village_households
        Number of households in each village.
    village_starts
        First household row of each village (households sorted by village).
    neighbours
        For each village, the sorted ids of its neighbour villages.
    """

    graph: nx.Graph
    village_township: np.ndarray
    township_county: np.ndarray
    village_households: np.ndarray
    village_starts: np.ndarray
    neighbours: tuple[np.ndarray, ...]

    @property
    def n_villages(self) -> int:
        return len(self.village_township)

    @property
    def n_townships(self) -> int:
        return len(self.township_county)

    @property
    def n_counties(self) -> int:
        return int(self.township_county.max()) + 1

    @property
    def n_households(self) -> int:
        return int(self.village_households.sum())

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` (one row per village) over each village's neighbours (0 if none)."""
        src = np.repeat(np.arange(self.n_villages), [len(nb) for nb in self.neighbours])
        dst = np.concatenate(self.neighbours) if self.n_villages else np.zeros(0, dtype=np.int32)
        total = np.zeros_like(values, dtype=np.float64)
        np.add.at(total, src, values[dst])
        degree = np.bincount(src, minlength=self.n_villages).reshape((-1,) + (1,) * (values.ndim - 1))
        return total / np.maximum(degree, 1)

    def households_of(self, v: int) -> slice:
        """Rows of village ``v``'s households."""
        start = int(self.village_starts[v])
        return slice(start, start + int(self.village_households[v]))

    @property
    def household_village(self) -> np.ndarray:
        """Village id of each household row."""
        return np.repeat(np.arange(self.n_villages, dtype=np.int32), self.village_households)


def _fill_blanks(total: int, given: tuple[int, ...], weights: np.ndarray) -> np.ndarray:
    """Each township's count: as the region's table gives it, or (0: a blank; no table: every township) a share
    of what the others leave of ``total``, in proportion to ``weights``."""
    out = np.asarray(given, dtype=np.int64) if given else np.zeros(len(weights), dtype=np.int64)
    blanks = out == 0
    if blanks.any():
        out[blanks] = allocate(total - int(out.sum()), np.asarray(weights, dtype=np.float64)[blanks])
    return out


def _nearest_neighbours(xy: np.ndarray, k: int, chunk: int = 512) -> list[np.ndarray]:
    """Each point's neighbours: its ``k`` nearest points and the points it is
    among the ``k`` nearest of (sorted ids)."""
    n = len(xy)
    k = min(k, n - 1)
    if k <= 0:
        return [np.zeros(0, dtype=np.int32) for _ in range(n)]
    nearest = np.empty((n, k), dtype=np.int64)
    for lo in range(0, n, chunk):
        block = xy[lo : lo + chunk]
        d2 = ((block[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        d2[np.arange(len(block)), np.arange(lo, lo + len(block))] = np.inf
        nearest[lo : lo + len(block)] = np.argpartition(d2, k - 1, axis=1)[:, :k]  # random positions: no ties
    src = np.repeat(np.arange(n), k)
    pairs = np.unique(np.concatenate([np.stack([src, nearest.ravel()], 1), np.stack([nearest.ravel(), src], 1)]),
                      axis=0)  # both directions, sorted by (point, neighbour)
    bounds = np.searchsorted(pairs[:, 0], np.arange(n + 1))
    return [pairs[bounds[i] : bounds[i + 1], 1].astype(np.int32) for i in range(n)]


def _graph(region: RegionConfig, township_county: np.ndarray, village_township: np.ndarray,
           village_households: np.ndarray, village_starts: np.ndarray, xy: np.ndarray,
           ties: list[np.ndarray]) -> nx.Graph:
    """The networkx graph: county -> township -> village admin edges and neighbour ties."""
    n_town = len(township_county)
    g = nx.Graph(name=region.name)
    for c in range(region.counties):
        name = region.county_names[c] if region.county_names else f"county {c}"
        g.add_node(f"county:{c}", kind="county", index=c, name=name)
    for t in range(n_town):
        named = {"code": region.township_codes[t], "name": region.township_names[t]} if region.township_codes else {}
        g.add_node(f"township:{t}", kind="township", index=t, county=int(township_county[t]), **named)
        g.add_edge(f"county:{township_county[t]}", f"township:{t}", kind="admin")
    for v in range(region.villages):
        start = int(village_starts[v])
        g.add_node(
            f"village:{v}", kind="village", index=v, township=int(village_township[v]),
            x=float(xy[v, 0]), y=float(xy[v, 1]),
            hh_start=start, hh_stop=start + int(village_households[v]),
        )
        g.add_edge(f"township:{village_township[v]}", f"village:{v}", kind="admin")
    g.add_edges_from((f"village:{v}", f"village:{u}", {"kind": "neighbour"})
                     for v in range(region.villages) for u in ties[v].tolist() if u > v)
    return g


def build_world(region: RegionConfig, rng: np.random.Generator) -> World:
    """Build the region graph from its config and the ``world`` random stream.

    Townships sit on a grid of unit cells; each village is placed uniformly in
    its township's cell, and neighbour ties join the nearest villages.
    Village sizes are lognormal (``village_size_sigma``) with at least ten
    households each, summing exactly to ``region.households`` — or, for a
    region read from a table of townships with their households, to each
    township's. A table's villages per township replace the even spread.
    """
    n_town = sum(region.townships)
    township_county = np.repeat(np.arange(region.counties, dtype=np.int32), region.townships)
    villages_per_town = _fill_blanks(region.villages, region.township_villages, np.ones(n_town))
    village_township = np.repeat(np.arange(n_town, dtype=np.int32), villages_per_town)

    size_weights = rng.lognormal(0.0, region.village_size_sigma, region.villages)
    if region.township_households:  # each township's households over its own villages, by size
        per_town = _fill_blanks(region.households, region.township_households, villages_per_town)
        village_households = np.zeros(region.villages, dtype=np.int64)
        first = np.concatenate(([0], np.cumsum(villages_per_town)))
        for t, total in enumerate(per_town):
            rows = slice(int(first[t]), int(first[t + 1]))
            village_households[rows] = 10 + allocate(int(total) - 10 * (rows.stop - rows.start), size_weights[rows])
    else:
        spare = region.households - 10 * region.villages
        village_households = 10 + allocate(spare, size_weights)
    village_starts = np.concatenate(([0], np.cumsum(village_households)[:-1])).astype(np.int64)

    side = int(np.ceil(np.sqrt(n_town)))
    cell = np.stack([village_township % side, village_township // side], axis=1).astype(np.float64)
    xy = cell + rng.random((region.villages, 2))
    ties = _nearest_neighbours(xy, region.neighbours_per_village)

    g = _graph(region, township_county, village_township, village_households, village_starts, xy, ties)
    neighbours = tuple(ties)
    return World(g, village_township, township_county, village_households, village_starts, neighbours)

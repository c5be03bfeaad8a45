"""The region graph and the household columns."""

from __future__ import annotations

import networkx as nx
import numpy as np

from coopsim.households import AWAY, HOME, MAX_WORKERS, NO_WORKER, generate_households
from coopsim.world import build_world
from tests.conftest import run_config


def test_tiny_region_structure() -> None:
    cfg = run_config("region=tiny")
    w = build_world(cfg.region, np.random.default_rng(0))
    kinds = nx.get_node_attributes(w.graph, "kind")
    assert sorted(kinds.values()).count("county") == 1
    assert sorted(kinds.values()).count("township") == 2
    assert sorted(kinds.values()).count("village") == 6
    assert w.n_households == 600 and (w.village_households >= 10).all()
    admin = nx.Graph([(a, b) for a, b, k in w.graph.edges(data="kind") if k == "admin"])
    assert nx.is_tree(admin)  # county -> townships -> villages
    for v in range(6):
        node = w.graph.nodes[f"village:{v}"]
        assert node["hh_stop"] - node["hh_start"] == w.village_households[v]
        assert w.graph.has_edge(f"township:{node['township']}", f"village:{v}")
        assert len(w.neighbours[v]) >= 1
    # households are contiguous by village and cover every row once
    assert np.array_equal(np.diff(w.household_village) >= 0, np.ones(599, dtype=bool))


def test_world_is_seeded() -> None:
    cfg = run_config("region=county")
    a = build_world(cfg.region, np.random.default_rng(5))
    b = build_world(cfg.region, np.random.default_rng(5))
    c = build_world(cfg.region, np.random.default_rng(6))
    assert sorted(a.graph.edges) == sorted(b.graph.edges)
    assert np.array_equal(a.village_households, b.village_households)
    assert not np.array_equal(a.village_households, c.village_households)
    assert a.n_villages == 350 and a.n_townships == 30 and a.n_households == 100_000


def test_household_columns_follow_the_config() -> None:
    cfg = run_config("region=county")
    w = build_world(cfg.region, np.random.default_rng(1))
    hh = generate_households(w, cfg.households, cfg.labour, np.random.default_rng(2))
    assert abs(hh.members.mean() - cfg.households.members_mean) < 0.05
    assert hh.registered_poor.mean() == round(cfg.households.registered_poor_share * hh.n) / hh.n
    assert (np.bincount(hh.village[hh.secretary], minlength=w.n_villages) == 1).all()
    assert (np.bincount(hh.village[hh.cadre], minlength=w.n_villages) == cfg.households.cadres_per_village).all()
    assert not (hh.cadre & hh.registered_poor).any()
    slots = (hh.worker_status != NO_WORKER).sum(axis=1)
    assert np.array_equal(slots, hh.working_age) and hh.working_age.max() <= MAX_WORKERS
    away = (hh.worker_status == AWAY).sum() / ((hh.worker_status == AWAY) | (hh.worker_status == HOME)).sum()
    assert abs(away - cfg.labour.initial_away_share) < 0.01


def test_bijie_region_has_the_real_townships_per_county() -> None:
    """configs/region/bijie.yaml, read from the shipped list of township codes (configs/region/bijie_townships.csv)."""
    import csv
    from collections import Counter
    from pathlib import Path

    with (Path(__file__).resolve().parent.parent / "configs" / "region" / "bijie_townships.csv").open(encoding="utf-8") as f:
        per_county = Counter(row["county_code"] for row in csv.DictReader(f))
    region = run_config("region=bijie").region
    codes = [name.split()[-1] for name in region.county_names]
    assert sum(per_county.values()) == 279 and region.counties == 8
    assert [per_county[c] for c in codes] == list(region.townships)
    assert region.villages == 3700 and region.households == 1_300_000
    w = build_world(region, np.random.default_rng(0))
    assert w.n_townships == 279 and w.n_villages == 3700 and w.n_households == 1_300_000
    assert np.bincount(w.township_county).tolist() == list(region.townships)


def test_worker_counts_follow_the_slots() -> None:
    from coopsim.households import FESTIVAL, any_slot, count_slots, sum_slots

    hh = generate_households(build_world(run_config("region=tiny").region, np.random.default_rng(1)),
                             run_config().households, run_config().labour, np.random.default_rng(2))
    hh.worker_status[:5] = [[HOME, AWAY, FESTIVAL, NO_WORKER]] * 5
    hh.count_workers(slice(0, 5))
    for code, counts in ((HOME, hh.home_workers), (AWAY, hh.away_workers), (FESTIVAL, hh.festival_workers)):
        assert np.array_equal(counts, (hh.worker_status == code).sum(axis=1))
        assert np.array_equal(count_slots(hh.worker_status == code), (hh.worker_status == code).sum(axis=1))
    assert np.array_equal(hh.at_home(), hh.home_workers + hh.festival_workers)
    assert np.array_equal(any_slot(hh.worker_status == AWAY), (hh.worker_status == AWAY).any(axis=1))
    x = np.random.default_rng(3).random((50, MAX_WORKERS))
    assert np.array_equal(sum_slots(x), x.sum(axis=1))  # same order of additions, same floats

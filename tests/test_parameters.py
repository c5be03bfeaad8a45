"""The ODD parameter table: every config parameter in it, with unit and source, and up to date."""

from __future__ import annotations

import pytest

from coopsim import parameters
from coopsim.parameters import Annotation, ParameterTableError, check_annotations, pattern_of


def test_every_config_parameter_has_a_unit_source_and_meaning_row() -> None:
    notes = parameters.load_annotations()
    check_annotations(parameters.all_keys(), notes)  # raises, naming the keys, if one is missing or stale
    for key, note in notes.items():
        assert note.source, f"{key}: no source in docs/parameters.csv"
        assert note.meaning, f"{key}: no meaning in docs/parameters.csv"


def test_a_new_config_key_without_a_row_fails_naming_it() -> None:
    notes = parameters.load_annotations()
    keys = parameters.all_keys() | {"labour.new_mechanism_rate"}
    with pytest.raises(ParameterTableError, match=r"missing from parameters.csv: labour.new_mechanism_rate"):
        check_annotations(keys, notes)
    stale = {**notes, "market.retired_key": Annotation("yuan", "E", "gone")}
    with pytest.raises(ParameterTableError, match=r"match no config parameter: market.retired_key"):
        check_annotations(parameters.all_keys(), stale)


def test_names_are_generalised_in_keys() -> None:
    assert pattern_of("market.commodities.tea.harvest_weights") == "market.commodities.*.harvest_weights"
    assert pattern_of("scenario.shocks.crisis_services.job_loss") == "scenario.shocks.*.job_loss"
    assert pattern_of("households.own_farm_mix.pigs") == "households.own_farm_mix.*"
    assert pattern_of("labour.leave_probability") == "labour.leave_probability"


def test_odd_md_holds_the_current_table() -> None:
    text = parameters.ODD.read_text(encoding="utf-8")
    generated = parameters.render()
    assert parameters.replace_generated(text, generated) == text, \
        "docs/ODD.md's parameter table is out of date: run python -m coopsim.parameters"
    # the values shown are the configs' (spot checks against the composed config)
    assert "| `labour.migrant_wage_growth` | 0.06 |" in generated
    assert "| `tier.cooperative.distribution.guaranteed_dividend_yuan` | – | 800 | 800 | 800 |" in generated

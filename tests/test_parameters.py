"""The parameter vocabulary and the generated parts of the model description
(the calendar and the parameter table in docs/ODD.md)."""

from __future__ import annotations

import pytest

from coopsim.config import compose_dict
from coopsim.config.parameters import Parameter, UnknownParameter, parameter, pattern_of, ranges, vocabulary
from coopsim.studies import odd, parameter_table
from coopsim.studies.calibration import PARAMETERS
from coopsim.studies.parameter_table import ParameterTableError, check_vocabulary, leaves
from coopsim.studies.sensitivity import DEFAULT_PARAMS


def test_every_config_parameter_has_a_unit_source_and_meaning_row() -> None:
    notes = vocabulary()
    check_vocabulary(parameter_table.all_keys(), notes)  # raises, naming the keys, if one is missing or stale
    for key, note in notes.items():
        assert note.source, f"{key}: no source in parameters.csv"
        assert note.meaning, f"{key}: no meaning in parameters.csv"
        assert (note.low is None) == (note.high is None), f"{key}: a range needs both ends"
        if note.low is not None:
            assert note.low < note.high, key


def test_a_new_config_key_without_a_row_fails_naming_it() -> None:
    notes = vocabulary()
    keys = parameter_table.all_keys() | {"labour.new_mechanism_rate"}
    with pytest.raises(ParameterTableError, match=r"missing from parameters.csv: labour.new_mechanism_rate"):
        check_vocabulary(keys, notes)
    stale = {**notes, "market.retired_key": Parameter("market.retired_key", "yuan", None, None, "E", "gone")}
    with pytest.raises(ParameterTableError, match=r"match no config parameter: market.retired_key"):
        check_vocabulary(parameter_table.all_keys(), stale)


def test_names_are_generalised_in_keys() -> None:
    assert pattern_of("market.commodities.tea.harvest_weights") == "market.commodities.*.harvest_weights"
    assert pattern_of("scenario.shocks.crisis_services.job_loss") == "scenario.shocks.*.job_loss"
    assert pattern_of("households.own_farm_mix.pigs") == "households.own_farm_mix.*"
    assert pattern_of("labour.leave_probability") == "labour.leave_probability"
    assert parameter("market.commodities.tea.price_volatility").key == "market.commodities.*.price_volatility"


def test_one_range_table_for_the_calibration_and_the_sensitivity_analysis() -> None:
    # the two studies take their ranges from the vocabulary: a key both use has one range
    shared = set(PARAMETERS) & set(DEFAULT_PARAMS)
    assert "labour.leave_probability" in shared
    for key in shared:
        assert PARAMETERS[key] == DEFAULT_PARAMS[key] == parameter(key).range
    # every range holds both the estimate and the calibrated value of its key
    estimates, calibrated = leaves(compose_dict(["calibration=none"])), leaves(compose_dict([]))
    for key, (low, high) in ranges(k for k, p in vocabulary().items() if p.low is not None).items():
        for values in (estimates, calibrated):
            if key in values:
                assert low <= values[key] <= high, (key, values[key])
    with pytest.raises(UnknownParameter, match="'labour.initial_away_share' has no range"):
        ranges(["labour.initial_away_share"])
    with pytest.raises(UnknownParameter, match="'labour.nothing' is not in parameters.csv"):
        parameter("labour.nothing")


def test_odd_md_holds_the_current_calendar_and_parameter_table() -> None:
    text = odd.ODD.read_text(encoding="utf-8")
    assert odd.regenerate(text) == text, "docs/ODD.md is out of date: run python -m coopsim.studies.odd"
    generated = parameter_table.render()
    # the values shown are the configs' (spot checks against the composed config), with their ranges
    assert "| `labour.initial_away_share` | 0.65 |" in generated
    assert "| `tier.cooperative.distribution.guaranteed_dividend_yuan` | – | 800 | 800 | 800 |" in generated
    fitted = compose_dict([])["labour"]["leave_probability"]  # the calibration's value, not the estimate
    assert f"| `labour.leave_probability` | {fitted:g} | probability/month | 0.04–0.3 |" in generated
    assert "| 30 | production (v1) |" in text

"""Markov and Shapley attribution checked against values solved by hand.

The worked example (three aggregated paths, values in brackets):

    A > B   1 conversion  0 nulls  (value 10)
    B       0 conversions 1 null   (value 0)
    A       1 conversion  1 null   (value 5)

Markov transitions (weights): start->A 1+2 = 3, start->B 1, A->B 1, A->conv 1, A->null 1,
B->conv 1, B->null 1. Transition matrix (rows sum to 1):

    start: A 3/4, B 1/4
    A:     B 1/3, conv 1/3, null 1/3
    B:     conv 1/2, null 1/2

    x_B = 1/2;  x_A = 1/3 + 1/3 * 1/2 = 1/2;  P = 3/4 * 1/2 + 1/4 * 1/2 = 1/2
    without A (start->A goes to null): P = 1/4 * 1/2 = 1/8  -> removal effect 1 - (1/8)/(1/2) = 3/4
    without B (A->B goes to null): x_A = 1/3, P = 3/4 * 1/3 = 1/4 -> removal effect 1 - 1/2 = 1/2
    shares A = 0.75 / 1.25 = 0.6, B = 0.4; 2 conversions -> A 1.2, B 0.8; value 15 -> A 9, B 6.

Shapley rates: v({A,B}) = 1/1 = 1, v({B}) = 0/1 = 0, v({A}) = 1/2, v({}) = 0.
    Set {A}: phi_A = v({A}) = 1/2 -> normalised A = 1.
    Set {A,B}: phi_A = 1/2 (v(A) - 0) + 1/2 (v(AB) - v(B)) = 1/2 * 1/2 + 1/2 * 1 = 3/4
               phi_B = 1/2 (v(B) - 0) + 1/2 (v(AB) - v(A)) = 0 + 1/2 * 1/2 = 1/4 (sum 1)
    Credits: A = 1 * 1 + 1 * 3/4 = 1.75, B = 1 * 1/4 = 0.25; shares 0.875 / 0.125.
    Values: A = 5 * 1 + 10 * 3/4 = 12.5, B = 10 * 1/4 = 2.5.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from orchestration import cli
from orchestration.attribution import (
    PathAggregate,
    PathFileError,
    markov_attribution,
    read_path_file,
    shapley_attribution,
    shapley_values_for_set,
)
from orchestration.bench.attribution import random_paths, time_attribution

EXAMPLE = [
    PathAggregate(("A", "B"), 1, 10, 0),
    PathAggregate(("B",), 0, 0, 1),
    PathAggregate(("A",), 1, 5, 1),
]


def test_markov_hand_solved_example():
    result = markov_attribution(EXAMPLE)
    assert result.conversion_probability == pytest.approx(0.5, abs=1e-9)
    assert result.probability_without["A"] == pytest.approx(1 / 8, abs=1e-9)
    assert result.probability_without["B"] == pytest.approx(1 / 4, abs=1e-9)
    a, b = result.channels["A"], result.channels["B"]
    assert a.removal_effect == pytest.approx(0.75, abs=1e-9)
    assert b.removal_effect == pytest.approx(0.5, abs=1e-9)
    assert (a.share, b.share) == (pytest.approx(0.6, abs=1e-9), pytest.approx(0.4, abs=1e-9))
    assert a.conversions == pytest.approx(1.2, abs=1e-9)
    assert b.conversions == pytest.approx(0.8, abs=1e-9)
    assert (a.value, b.value) == (pytest.approx(9, abs=1e-9), pytest.approx(6, abs=1e-9))
    assert result.total_conversions == 2 and result.total_value == 15


def test_shapley_hand_solved_example():
    rates = {frozenset("AB"): 1.0, frozenset("B"): 0.0, frozenset("A"): 0.5}
    values = shapley_values_for_set({"A", "B"}, rates)
    assert values == {"A": pytest.approx(0.75, abs=1e-9), "B": pytest.approx(0.25, abs=1e-9)}
    assert shapley_values_for_set({"A"}, rates) == {"A": pytest.approx(1.0, abs=1e-9)}
    result = shapley_attribution(EXAMPLE)
    a, b = result.channels["A"], result.channels["B"]
    assert (a.conversions, b.conversions) == (pytest.approx(1.75), pytest.approx(0.25))
    assert (a.share, b.share) == (pytest.approx(0.875), pytest.approx(0.125))
    assert (a.value, b.value) == (pytest.approx(12.5), pytest.approx(2.5))


def test_shapley_negative_values_are_clipped():
    # v(A) = 1, v(B) = 0, v(AB) = 0.2: phi_A = (1 + 0.2)/2 = 0.6, phi_B = (0 - 0.8)/2 = -0.4 -> 0.
    rates = {frozenset("A"): 1.0, frozenset("B"): 0.0, frozenset("AB"): 0.2}
    assert shapley_values_for_set("AB", rates) == {"A": 1.0, "B": 0.0}


@pytest.mark.parametrize("model", [markov_attribution, shapley_attribution])
def test_invariants(model):
    paths = random_paths(400, 6, seed=7)
    result = model(paths)
    total = sum(p.conversions for p in paths)
    value = sum(p.value for p in paths)
    assert sum(c.share for c in result.channels.values()) == pytest.approx(1, abs=1e-9)
    assert sum(c.conversions for c in result.channels.values()) == pytest.approx(total, abs=1e-6)
    assert sum(c.value for c in result.channels.values()) == pytest.approx(value, abs=1e-6)
    assert all(c.share >= 0 for c in result.channels.values())


def test_channel_only_on_non_converting_paths_gets_nothing():
    paths = [*EXAMPLE, PathAggregate(("Z",), 0, 0, 3), PathAggregate(("A", "Z"), 0, 0, 2)]
    markov = markov_attribution(paths)
    assert markov.channels["Z"].removal_effect == pytest.approx(0, abs=1e-12)
    assert markov.channels["Z"].conversions == pytest.approx(0, abs=1e-12)
    shapley = shapley_attribution(paths)
    assert shapley.channels["Z"].conversions == 0 and shapley.channels["Z"].share == 0


def test_large_sets_group_rare_channels_and_conserve_conversions():
    names = [f"c{i:02d}" for i in range(18)]
    paths = [PathAggregate(tuple(names), 4, 40, 1), PathAggregate(tuple(names[:3]), 1, 10, 3)]
    paths += [PathAggregate((name,), 1, 1, 1) for name in names[:10]]
    result = shapley_attribution(paths)
    assert sum(c.conversions for c in result.channels.values()) == pytest.approx(15)
    assert "Other" not in result.channels


def test_read_path_file(tmp_path: Path):
    file = tmp_path / "paths.csv"
    file.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "A > B;1;10;0\nB;0;0;1\n\nA;1;5.0;1\n"
    )
    assert read_path_file(file) == EXAMPLE


def test_read_path_file_error_names_line_and_column(tmp_path: Path):
    file = tmp_path / "bad.csv"
    file.write_text(
        "path;total_conversions;total_conversion_value;total_null\nA > B;1;10;0\nA;x;5;1\n"
    )
    with pytest.raises(PathFileError, match=r"bad\.csv: line 3, column 3 \(field total_conv"):
        read_path_file(file)
    file.write_text("path;total_conversions;total_conversion_value;total_null\nA >  > B;1;1;0\n")
    with pytest.raises(PathFileError, match=r"line 2, column 1 \(field path\)"):
        read_path_file(file)
    file.write_text("path;total_conversions;total_conversion_value;total_null\nA;1;1\n")
    with pytest.raises(PathFileError, match=r"line 2: expected 4"):
        read_path_file(file)


def test_cli_attribution(tmp_path: Path):
    file = tmp_path / "paths.csv"
    file.write_text(
        "path;total_conversions;total_conversion_value;total_null\nA > B;1;10;0\nB;0;0;1\nA;1;5;1\n"
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["attribution", "--paths", str(file)]) == 0
    text = out.getvalue()
    assert "P(conversion) = 0.500000" in text
    assert "markov (2.00 conversions)" in text and "shapley (2.00 conversions)" in text
    assert "0.6000" in text and "0.8750" in text
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["attribution", "--paths", str(file), "--model", "shapley"]) == 0
    assert "markov" not in out.getvalue()


def test_attribution_timing_reports_both_models():
    timing = time_attribution(paths=2_000, channels=5, seed=3)
    assert timing.paths == 2_000 and 0 < timing.distinct_paths <= 2_000
    assert timing.markov_seconds > 0 and timing.shapley_seconds > 0

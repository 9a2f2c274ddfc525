"""Attribution through the public marts: invariants on the shared sample, planted effects on a
larger one.

The generator plants each channel's lift on the first purchase (`planted_truths().channels`):
P(convert | channel set S) = 1 - (1 - base) * prod(1 - lift_c). Display's lift is exactly 0;
Email 0.12 > Paid Search 0.08 > Referral 0.07 > Organic Search = Paid Social 0.05 > Organic
Social 0.03. Credit shares mix effect and volume (a channel in many journeys collects credit even
without effect), so the ranking is checked on credit per journey reached
(mart_attribution_channel_summary). Noise: at 20,000 customers a channel reaches 2,500-9,000
journeys, so a per-journey rate of ~0.15 has a standard error of ~0.005 - 0.007; lifts 0.03 apart
move it by ~0.015 and are told apart, lifts 0.01-0.02 apart are not, so only pairs of channels
whose planted lifts differ by at least 0.03 must be in planted order.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from conftest import Built, build_sample

from orchestration.generator import planted_truths

MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)
DISTINGUISHABLE_LIFT_GAP = 0.03


@pytest.fixture(scope="module")
def effects_sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("effects"), customers=20_000, days=60, seed=11)


def _planted_lifts() -> dict[str, float]:
    return dict(planted_truths().channels.lifts)


def _summary(built: Built, column: str, model: str) -> dict[str, float]:
    rows = built.query(
        f"select channel, {column} from marts.mart_attribution_channel_summary where model = ?",
        [model],
    )
    return {channel: value for channel, value in rows}


def _ranks(values: list[float]) -> np.ndarray:
    """Ranks 1..n, ties given their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in set(values):
        tied = [i for i, v in enumerate(values) if v == value]
        ranks[tied] = ranks[tied].mean()
    return ranks


def _spearman(a: list[float], b: list[float]) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _misordered_pairs(measure: dict[str, float], lifts: dict[str, float]) -> list[str]:
    wrong = []
    for one, other in combinations(sorted(lifts), 2):
        if abs(lifts[one] - lifts[other]) < DISTINGUISHABLE_LIFT_GAP:
            continue
        stronger, weaker = (one, other) if lifts[one] > lifts[other] else (other, one)
        if measure[stronger] <= measure[weaker]:
            wrong.append(f"{stronger} {measure[stronger]:.4f} <= {weaker} {measure[weaker]:.4f}")
    return wrong


def test_channel_without_effect_gets_markedly_less_data_driven_credit(effects_sample: Built):
    last_touch = _summary(effects_sample, "conversion_share", "last_touch")["Display"]
    markov = _summary(effects_sample, "conversion_share", "markov")["Display"]
    shapley = _summary(effects_sample, "conversion_share", "shapley")["Display"]
    assert _planted_lifts()["Display"] == 0.0
    assert markov < 0.8 * last_touch, (markov, last_touch)
    assert shapley < 0.6 * last_touch, (shapley, last_touch)


@pytest.mark.parametrize(
    ("model", "column"),
    [
        ("markov", "removal_conversions_per_journey"),
        ("shapley", "attributed_conversions_per_journey"),
    ],
)
def test_data_driven_ranking_matches_planted_effects(effects_sample: Built, model, column):
    lifts = _planted_lifts()
    measure = _summary(effects_sample, column, model)
    channels = sorted(lifts)
    assert _misordered_pairs(measure, lifts) == []
    rho = _spearman([measure[c] for c in channels], [lifts[c] for c in channels])
    assert rho >= 0.9, rho
    assert max(channels, key=measure.get) == "Email"
    assert min(channels, key=measure.get) == "Display"


def test_credit_shares_follow_volume_not_effect(effects_sample: Built):
    """The per-journey measure is what separates effect from volume: the channel with the most
    journeys (Organic Search, lift 0.05) gets more last-touch credit than Paid Search (0.08)."""
    shares = _summary(effects_sample, "conversion_share", "last_touch")
    reached = _summary(effects_sample, "journeys_reached", "last_touch")
    assert reached["Organic Search"] > reached["Paid Search"]
    assert shares["Organic Search"] > shares["Paid Search"]


def test_summary_shares_sum_to_one_per_model(built: Built):
    rows = built.query(
        "select model, sum(conversion_share), sum(attributed_conversions) "
        "from marts.mart_attribution_channel_summary group by model"
    )
    conversions = built.query(
        "select count(distinct conversion_id) from intermediate.int_journey__conversion_paths"
    )[0][0]
    assert sorted(model for model, _, _ in rows) == sorted(MODELS)
    for model, share, attributed in rows:
        assert share == pytest.approx(1.0, abs=1e-9), model
        assert attributed == pytest.approx(conversions, abs=1e-6), model


def test_journeys_reached_counts_every_journey_with_the_channel(built: Built):
    """Independent count from the touchpoints: journeys (conversion paths + non-converting
    journeys) with at least one touch of the channel."""
    expected = dict(
        built.query(
            "select channel, count(*) from ("
            " select distinct conversion_id as j, coalesce(channel, 'Direct') as channel, 1 as k"
            " from intermediate.int_journey__conversion_paths"
            " union all"
            " select distinct customer_key, channel, 0"
            " from intermediate.int_journey__non_converting_paths) group by channel"
        )
    )
    assert _summary(built, "journeys_reached", "linear") == expected


def test_channel_attribution_conserves_spend_and_conversions(built: Built):
    spend = built.query("select sum(cost) from staging.stg_spend__daily_costs")[0][0]
    conversions = built.query(
        "select count(distinct conversion_id) from intermediate.int_journey__conversion_paths"
    )[0][0]
    rows = built.query(
        "select model, sum(cost), sum(attributed_conversions), count(distinct campaign) "
        "from marts.mart_channel_attribution group by model"
    )
    assert len(rows) == len(MODELS)
    for model, cost, attributed, campaigns in rows:
        assert cost == pytest.approx(float(spend), abs=0.01), model
        assert attributed == pytest.approx(conversions, abs=1e-6), model
        assert campaigns > 1, model


def test_campaign_rows_match_touchpoint_campaigns(built: Built):
    """Last-touch credit per Paid Search campaign = conversions whose last path touch is a Paid
    Search touch of that campaign, counted from the paths."""
    expected = dict(
        built.query(
            "select lower(trim(campaign)), count(*) from intermediate.int_journey__conversion_paths "
            "where touch_position = touch_count and channel = 'Paid Search' group by 1"
        )
    )
    got = dict(
        built.query(
            "select campaign, sum(attributed_conversions) from marts.mart_channel_attribution "
            "where model = 'last_touch' and channel = 'Paid Search' group by campaign "
            "having sum(attributed_conversions) > 0"
        )
    )
    assert expected and got == pytest.approx(expected)

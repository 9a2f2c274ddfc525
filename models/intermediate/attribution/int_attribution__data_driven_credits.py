"""Markov and Shapley credit per converting channel set (SPEC 7), from aggregated journeys.

The SQL models do the heavy lifting (paths, one row per distinct path); this model solves the
absorbing Markov chain and the Shapley sums on aggregates whose size depends on the number of
channels and distinct paths, not on customers. Output: for each model and converting channel set,
the credit of each channel of the set (summing to 1 per set): the per-conversion credit.
"""

import pyarrow as pa

from orchestration.attribution import markov_attribution, shapley_attribution
from orchestration.attribution.journeys import (
    SET_SEPARATOR,
    converting_channel_sets,
    path_aggregates,
)
from orchestration.frames import model_output


def _markov_set_credit(channel_set: list[str], shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.get(channel, 0.0) for channel in channel_set)
    if total <= 0:  # no channel of the set has an effect: split evenly, lose nothing
        return {channel: 1.0 / len(channel_set) for channel in channel_set}
    return {channel: shares.get(channel, 0.0) / total for channel in channel_set}


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(materialized="table")
    journeys = dbt.ref("int_attribution__journeys")
    paths = path_aggregates(journeys)
    markov = markov_attribution(paths)
    shapley = shapley_attribution(paths)
    shares = {name: channel.share for name, channel in markov.channels.items()}

    rows: dict[str, list] = {"model": [], "channel_set": [], "channel": [], "credit": []}
    for members in converting_channel_sets(journeys):
        credits = {
            "markov": _markov_set_credit(members, shares),
            "shapley": shapley.set_values.get(frozenset(members))
            or {channel: 1.0 / len(members) for channel in members},
        }
        for model_name, per_channel in credits.items():
            for channel in members:
                rows["model"].append(model_name)
                rows["channel_set"].append(SET_SEPARATOR.join(members))
                rows["channel"].append(channel)
                rows["credit"].append(float(per_channel.get(channel, 0.0)))
    return model_output(
        pa.table(
            rows,
            schema=pa.schema(
                [
                    ("model", pa.string()),
                    ("channel_set", pa.string()),
                    ("channel", pa.string()),
                    ("credit", pa.float64()),
                ]
            ),
        ),
        session,
    )

"""Per channel: the Markov chain's removal effect and the model-level Markov and Shapley results.

SPEC 7: removal effect of c = 1 - P(without c) / P; channel share = removal effect / sum of removal
effects; channel conversions = share x total conversions (the chain-level numbers, before the
per-conversion renormalisation fct_attribution uses). Shapley conversions are the sums over
converting channel sets. Same aggregated journeys as int_attribution__data_driven_credits.
"""

import pyarrow as pa

from orchestration.attribution import markov_attribution, shapley_attribution
from orchestration.attribution.journeys import path_aggregates
from orchestration.frames import model_output


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(materialized="table")
    paths = path_aggregates(dbt.ref("int_attribution__journeys"))
    markov = markov_attribution(paths)
    shapley = shapley_attribution(paths)
    channels = sorted(set(markov.channels) | set(shapley.channels))

    def markov_field(channel: str, name: str) -> float | None:
        result = markov.channels.get(channel)
        return None if result is None else float(getattr(result, name))

    def shapley_field(channel: str, name: str) -> float | None:
        result = shapley.channels.get(channel)
        return None if result is None else float(getattr(result, name))

    return model_output(
        pa.table(
            {
                "channel": channels,
                "conversion_probability": [float(markov.conversion_probability)] * len(channels),
                "conversion_probability_without": [
                    float(markov.probability_without[c])
                    if c in markov.probability_without
                    else None
                    for c in channels
                ],
                "markov_removal_effect": [markov_field(c, "removal_effect") for c in channels],
                "markov_share": [markov_field(c, "share") for c in channels],
                "markov_conversions": [markov_field(c, "conversions") for c in channels],
                "markov_value": [markov_field(c, "value") for c in channels],
                "shapley_share": [shapley_field(c, "share") for c in channels],
                "shapley_conversions": [shapley_field(c, "conversions") for c in channels],
                "shapley_value": [shapley_field(c, "value") for c in channels],
            },
            schema=pa.schema(
                [("channel", pa.string())]
                + [
                    (name, pa.float64())
                    for name in (
                        "conversion_probability",
                        "conversion_probability_without",
                        "markov_removal_effect",
                        "markov_share",
                        "markov_conversions",
                        "markov_value",
                        "shapley_share",
                        "shapley_conversions",
                        "shapley_value",
                    )
                ]
            ),
        ),
        session,
    )

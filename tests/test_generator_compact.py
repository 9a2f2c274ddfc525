"""The generator's compact row storage (vec.narrow, Skeleton.compact/widened) loses no value."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.generator.ga4_events import Skeleton
from orchestration.generator.vec import narrow


def test_narrow_keeps_values_that_fit_and_refuses_the_rest() -> None:
    edge = np.array([-(2**15), -1, 0, 2**15 - 1], dtype=np.int64)
    stored = narrow(edge, np.int16)
    assert stored.dtype == np.int16
    assert stored.tolist() == [-32768, -1, 0, 32767]
    with pytest.raises(ValueError, match="do not fit int16"):
        narrow(np.array([0, 2**15], dtype=np.int64), np.int16)
    with pytest.raises(ValueError, match="do not fit int32"):
        narrow(np.array([-(2**31) - 1], dtype=np.int64), np.int32)


def test_compact_then_widened_is_the_same_skeleton() -> None:
    n = 5
    skeleton = Skeleton(
        session=np.array([0, 0, 1, 2**31 - 1, 7], dtype=np.int64),
        name=np.arange(n, dtype=np.int8),
        slot=np.zeros(n, dtype=np.int8),
        ts=np.array([2**40, 1, 2, 3, 2**62], dtype=np.int64),
        page=np.array([-1, 0, 3, 2**15 - 1, 9], dtype=np.int64),
        landing=np.array([True, False, True, False, False]),
        engagement_ms=np.array([0, 38_000, 2**31 - 1, 5, 0], dtype=np.int64),
        has_user_id=np.array([False, True, False, True, True]),
    )
    compact = skeleton.compact()
    assert (compact.session.dtype, compact.page.dtype, compact.engagement_ms.dtype) == (
        np.int32,
        np.int16,
        np.int32,
    )
    back = compact.take(slice(1, 4)).widened()
    for field in Skeleton.__dataclass_fields__:
        original = getattr(skeleton, field)[1:4]
        assert getattr(back, field).dtype == original.dtype, field
        assert getattr(back, field).tolist() == original.tolist(), field
    with pytest.raises(ValueError):
        Skeleton(**{**skeleton.__dict__, "page": np.full(n, 2**15, dtype=np.int64)}).compact()

"""Nested GA4 columns as Arrow list/struct arrays built from flat numpy arrays: event_params (each
param scattered to its position in its event's list, no per-event Python), items, ecommerce and
the empty user_properties."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.generator import catalog
from orchestration.generator import ga4_events as ev
from orchestration.generator.ga4_lookups import Lookups, World
from orchestration.generator.orders import DISCOUNT_CODES
from orchestration.generator.truths import Experiment

PROMOTION_ID = "homepage_banner"  # the banner of the planted experiment (select_promotion)
PROMOTION_NAME = "Homepage banner"


def take(values: pa.Array, index: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return values.take(pa.array(index, pa.int64(), mask=None if mask is None else ~mask))


_PARAM_VALUE_FIELDS = ("string_value", "int_value", "float_value", "double_value")


def params(
    w: World,
    lk: Lookups,
    k: ev.Skeleton,
    sess: np.ndarray,
    name: np.ndarray,
    location: pa.Array,
    title: pa.Array,
    referrer: pa.Array,
    referrer_mask: np.ndarray,
    engaged: np.ndarray,
    campaign_evt: np.ndarray,
    is_ecom: np.ndarray,
    currency: pa.Array,
    value: np.ndarray,
    purchase_rows: np.ndarray,
    o: np.ndarray,
    variant: np.ndarray | None = None,
) -> pa.Array:
    n = len(k)
    b, t, orders = w.behaviour, w.traffic, w.orders
    everywhere = np.ones(n, dtype=bool)
    order_names = lk.order_names
    codes = pa.array(list(DISCOUNT_CODES), pa.string())
    payment = pa.array(["Credit Card", "PayPal", "Klarna"])
    has_code = purchase_rows & (orders.code[o] > 0)
    login_like = (name == ev.LOGIN) | (name == ev.SIGN_UP)
    ecom_payment = name == ev.ADD_PAYMENT_INFO
    # (key, mask, kind, values over the masked events)
    specs: list[tuple[str, np.ndarray, str, object]] = [
        ("ga_session_id", everywhere, "i", b.ga_session_id[sess]),
        ("ga_session_number", everywhere, "i", b.session_number[sess]),
        ("page_location", everywhere, "s", location),
        ("page_title", everywhere, "s", title),
        ("page_referrer", referrer_mask, "s", referrer),
        ("entrances", (name == ev.PAGE_VIEW) & k.landing, "i", 1),
        ("engaged_session_event", engaged, "i", 1),
        ("session_engaged", engaged, "s", "1"),
        ("engagement_time_msec", name == ev.USER_ENGAGEMENT, "i", k.engagement_ms),
        ("source", campaign_evt, "s", take(t.source, sess)),
        ("medium", campaign_evt, "s", take(t.medium, sess)),
        ("campaign", campaign_evt, "s", take(t.campaign, sess)),
        (
            "term",
            campaign_evt & pc.is_valid(t.term).to_numpy(zero_copy_only=False)[sess],
            "s",
            take(t.term, sess),
        ),
        (
            "content",
            campaign_evt & pc.is_valid(t.content).to_numpy(zero_copy_only=False)[sess],
            "s",
            take(t.content, sess),
        ),
        (
            "gclid",
            campaign_evt & pc.is_valid(t.gclid).to_numpy(zero_copy_only=False)[sess],
            "s",
            take(t.gclid, sess),
        ),
        ("currency", is_ecom, "s", currency),
        ("value", is_ecom, "d", value),
        ("transaction_id", purchase_rows, "s", order_names.take(pa.array(o))),
        ("shipping", purchase_rows, "d", orders.shipping[o] / 100.0),
        ("tax", purchase_rows, "d", orders.taxes[o] / 100.0),
        ("coupon", has_code, "s", codes.take(pa.array(orders.code[o]))),
        ("payment_type", ecom_payment, "s", payment.take(pa.array(orders.payment[o]))),
        ("method", login_like, "s", "email"),
    ]
    if variant is not None:  # appended last: the other params keep their values and positions
        specs += experiment_params(w.truths.experiment, name, variant)
    counts = np.zeros(n, dtype=np.int64)
    for _, mask, _, _ in specs:
        counts += mask
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    filled = offsets[:-1].copy()
    key_code = np.zeros(total, dtype=np.int8)
    int_value = np.zeros(total, dtype=np.int64)
    int_valid = np.zeros(total, dtype=bool)
    dbl_value = np.zeros(total, dtype=np.float64)
    dbl_valid = np.zeros(total, dtype=bool)
    str_chunks: list[pa.Array] = []
    str_positions: list[np.ndarray] = []
    for code, (_, mask, kind, values) in enumerate(specs):
        rows_ = np.flatnonzero(mask)
        pos = filled[rows_]
        filled[rows_] += 1
        key_code[pos] = code
        if kind == "i":
            int_value[pos] = values if np.isscalar(values) else np.asarray(values)[rows_]
            int_valid[pos] = True
        elif kind == "d":
            dbl_value[pos] = np.asarray(values)[rows_]
            dbl_valid[pos] = True
        else:
            if isinstance(values, str):
                chunk = pa.repeat(pa.scalar(values, pa.string()), rows_.size)
            else:
                chunk = values.take(pa.array(rows_))  # type: ignore[union-attr]
            if isinstance(chunk, pa.ChunkedArray):
                chunk = chunk.combine_chunks()
            str_chunks.append(chunk.cast(pa.large_string()))  # may exceed 2 GB in total
            str_positions.append(pos)
    str_pos = np.concatenate(str_positions)
    source = np.full(total, -1, dtype=np.int64)
    source[str_pos] = np.arange(str_pos.size)
    strings = pa.concat_arrays(str_chunks).take(pa.array(source, mask=source < 0))
    keys = pa.DictionaryArray.from_arrays(
        pa.array(key_code), pa.array([spec[0] for spec in specs])
    ).dictionary_decode()
    value_struct = pa.StructArray.from_arrays(
        [
            strings,
            pa.array(int_value, mask=~int_valid),
            pa.nulls(total, pa.float64()),
            pa.array(dbl_value, mask=~dbl_valid),
        ],
        names=list(_PARAM_VALUE_FIELDS),
    )
    entries = pa.StructArray.from_arrays([keys, value_struct], names=["key", "value"])
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), entries)


def experiment_params(
    experiment: Experiment, name: np.ndarray, variant: np.ndarray
) -> list[tuple[str, np.ndarray, str, object]]:
    """Param specs of the planted experiment: its id and variant on every row of an exposed device
    that carries it (variant >= 0), the promotion on its select_promotion conversions."""
    labels = pa.array([experiment.control, experiment.treatment], pa.string())
    click = name == ev.SELECT_PROMOTION
    return [
        ("experiment_id", variant >= 0, "s", experiment.experiment_id),
        ("experiment_variant", variant >= 0, "s", labels.take(pa.array(np.maximum(variant, 0)))),
        ("promotion_id", click, "s", PROMOTION_ID),
        ("promotion_name", click, "s", PROMOTION_NAME),
    ]


def items(
    item_count: np.ndarray,
    product: np.ndarray,
    variant: np.ndarray,
    qty: np.ndarray,
    price: np.ndarray,
    fx: np.ndarray,
    purchase: np.ndarray,
    code: np.ndarray,
) -> pa.Array:
    products = catalog.PRODUCTS
    sku = pa.array([p[0] for p in products])
    names = pa.array([p[2] for p in products])
    brand = pa.array([p[4] for p in products])
    category = pa.array([catalog.PRODUCT_CATEGORIES[p[3]] for p in products])
    variants = pa.array(list(catalog.VARIANTS))
    m = product.size
    revenue = np.round(price * qty, 2)
    codes = pa.array(list(DISCOUNT_CODES))
    with_code = purchase & (code > 0)
    fields = [
        sku.take(pa.array(product)),
        names.take(pa.array(product)),
        brand.take(pa.array(product)),
        variants.take(pa.array(variant)),
        category.take(pa.array(product)),
        pa.array(np.round(price * fx, 2)),
        pa.array(price),
        pa.array(qty.astype(np.int64)),
        pa.array(np.round(revenue * fx, 2), mask=~purchase),
        pa.array(revenue, mask=~purchase),
        codes.take(pa.array(code, mask=~with_code)),
        pa.nulls(m, pa.string()),
        pa.nulls(m, pa.string()),
        pa.nulls(m, pa.string()),
    ]
    names_ = [
        "item_id",
        "item_name",
        "item_brand",
        "item_variant",
        "item_category",
        "price_in_usd",
        "price",
        "quantity",
        "item_revenue_in_usd",
        "item_revenue",
        "coupon",
        "affiliation",
        "item_list_name",
        "promotion_name",
    ]
    offsets = np.zeros(item_count.size + 1, dtype=np.int32)
    np.cumsum(item_count, out=offsets[1:])
    return pa.ListArray.from_arrays(
        pa.array(offsets), pa.StructArray.from_arrays(fields, names=names_)
    )


def ecommerce(
    n: int,
    is_ecom: np.ndarray,
    purchase_rows: np.ndarray,
    o: np.ndarray,
    w: World,
    lk: Lookups,
    item_count: np.ndarray,
    i_qty: np.ndarray,
    item_event: np.ndarray,
    total: np.ndarray,
    usd_total: np.ndarray,
    fx: np.ndarray,
) -> pa.Array:
    orders = w.orders
    qty = np.bincount(item_event, weights=i_qty, minlength=n).astype(np.int64)
    shipping = orders.shipping[o] / 100.0
    tax = orders.taxes[o] / 100.0
    not_purchase = ~purchase_rows
    order_names = lk.order_names
    fields = [
        pa.array(qty),
        pa.array(usd_total, mask=not_purchase),
        pa.array(total, mask=not_purchase),
        pa.nulls(n, pa.float64()),
        pa.nulls(n, pa.float64()),
        pa.array(np.round(shipping * fx, 2), mask=not_purchase),
        pa.array(shipping, mask=not_purchase),
        pa.array(np.round(tax * fx, 2), mask=not_purchase),
        pa.array(tax, mask=not_purchase),
        pa.array(item_count.astype(np.int64)),
        order_names.take(pa.array(o, mask=not_purchase)),
    ]
    names = [
        "total_item_quantity",
        "purchase_revenue_in_usd",
        "purchase_revenue",
        "refund_value_in_usd",
        "refund_value",
        "shipping_value_in_usd",
        "shipping_value",
        "tax_value_in_usd",
        "tax_value",
        "unique_items",
        "transaction_id",
    ]
    return pa.StructArray.from_arrays(fields, names=names, mask=pa.array(~is_ecom))


def empty_user_properties(n: int) -> pa.Array:
    value = pa.struct(
        [
            ("string_value", pa.string()),
            ("int_value", pa.int64()),
            ("float_value", pa.float64()),
            ("double_value", pa.float64()),
            ("set_timestamp_micros", pa.int64()),
        ]
    )
    entry = pa.struct([("key", pa.string()), ("value", value)])
    return pa.ListArray.from_arrays(
        pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], type=entry)
    )

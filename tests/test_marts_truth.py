"""The core marts agree with the generator's planted truth, computed through the public marts."""

from conftest import Built

# Sessions of devices with analytics consent are the ones the warehouse keeps (SPEC 4, consent).
# A shared device has one truth_devices row per person using it: take devices once.
CONSENTED_DEVICES = (
    "(select distinct user_pseudo_id from truth_devices where analytics_consent) as d"
)
TRUTH_SESSIONS_BY_CHANNEL = f"""
    select s.channel, count(*)
    from truth_sessions as s
    inner join {CONSENTED_DEVICES} on s.user_pseudo_id = d.user_pseudo_id
    group by 1
"""


def as_dict(rows: list[tuple]) -> dict:
    return {row[0]: row[1:] if len(row) > 2 else row[1] for row in rows}


def test_sessions_per_channel_match_truth(built: Built) -> None:
    truth = as_dict(built.query(TRUTH_SESSIONS_BY_CHANNEL))
    marts = as_dict(
        built.query("select default_channel_group, count(*) from marts.fct_sessions group by 1")
    )
    assert sum(marts.values()) == sum(truth.values())
    assert marts == truth


def test_every_order_is_in_fct_orders_with_its_revenue(built: Built) -> None:
    truth = built.query(
        "select count(*), sum(gross_value_usd), "
        "sum(case when is_cancelled then 0 else gross_value_usd - refunded_amount * "
        "  (gross_value_usd / total) end) from truth_orders"
    )[0]
    marts = built.query(
        "select count(*), sum(gross_revenue_reporting), sum(net_revenue_reporting) "
        "from marts.fct_orders where order_source = 'shopify'"
    )[0]
    assert marts[0] == truth[0]
    # Reporting amounts are rounded to cents per order: at most half a cent each.
    tolerance = 0.005 * truth[0] + 1e-6
    assert abs(float(marts[1]) - truth[1]) <= tolerance
    assert abs(float(marts[2]) - truth[2]) <= tolerance


def test_orders_and_revenue_per_channel_of_the_buying_session(built: Built) -> None:
    truth = as_dict(
        built.query(
            "select s.channel, count(*), round(sum(o.gross_value_usd), 2) "
            "from truth_orders as o inner join truth_sessions as s on s.order_name = o.order_name "
            f"inner join {CONSENTED_DEVICES} on s.user_pseudo_id = d.user_pseudo_id group by 1"
        )
    )
    marts = as_dict(
        built.query(
            "select s.default_channel_group, count(*), round(sum(o.gross_revenue_reporting), 2) "
            "from marts.fct_orders as o inner join marts.fct_sessions as s "
            "on o.session_key = s.session_key group by 1"
        )
    )
    assert set(marts) == set(truth)
    for channel, (orders, revenue) in truth.items():
        assert marts[channel][0] == orders, channel
        assert abs(float(marts[channel][1]) - revenue) <= 0.005 * orders + 0.01, channel


def test_first_orders_are_the_buyers_first_non_cancelled_orders(built: Built) -> None:
    """One first order per person who bought on the web shop or the marketplace (generic CSV)."""
    marketplace = built.landing / "generic_orders" / "marketplace_orders.csv"
    truth = built.query(
        "select count(*) from ("
        "  select person_id from truth_orders where not is_cancelled"
        "  union"
        "  select p.person_id from truth_persons as p inner join ("
        '    select "Customer Email" as email, "Order Number" from read_csv(?)'
        '    group by all having sum("Qty") > 0'
        "  ) as m on m.email = p.email"
        ")",
        [str(marketplace)],
    )[0][0]
    marts = built.query(
        "select count(*), count(distinct customer_key) from marts.fct_orders where is_first_order"
    )[0]
    assert marts[0] == marts[1]  # one first order per customer
    # Identity can only err by splitting a buyer (extra first orders) or merging two (fewer):
    # both must stay rare on the sample.
    assert abs(marts[0] - truth) <= 0.01 * truth, (marts[0], truth)


def test_no_cancelled_order_is_a_first_order(built: Built) -> None:
    rows = built.query(
        "select count(*) from marts.fct_orders where is_cancelled and "
        "(is_first_order or customer_order_number is not null or net_revenue <> 0)"
    )
    assert rows == [(0,)]

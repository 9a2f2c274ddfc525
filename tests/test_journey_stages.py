"""Journey stages and conversion paths (SPEC 5, 6): invariants and the generator's truth."""

from conftest import Built

STAGES = "marts.mart_customer_journey_stages"
PATHS = "intermediate.int_journey__conversion_paths"
NON_CONVERTING = "intermediate.int_journey__non_converting_paths"
# Defaults of vars path_conversion_kinds and conversion_lookback_days.
PATH_KINDS = "('first_order', 'repeat_order')"
LOOKBACK_DAYS = 30


def test_one_stage_row_per_customer_with_a_touch_or_conversion(built: Built) -> None:
    expected = built.query(
        "select count(*) from ("
        "  select customer_key from marts.fct_touchpoints where not is_duplicate_touch"
        "  union select customer_key from marts.fct_conversions)"
    )[0][0]
    rows, customers = built.query(f"select count(*), count(distinct customer_key) from {STAGES}")[0]
    assert rows == customers == expected


def test_decision_and_retention_are_the_first_and_second_orders(built: Built) -> None:
    mismatches = built.query(
        f"""
        with orders as (
            select
                customer_key,
                min(case when customer_order_number = 1 then ordered_at end) as first_at,
                min(case when customer_order_number = 2 then ordered_at end) as second_at
            from marts.fct_orders
            where not is_cancelled and customer_key is not null
            group by 1
        )
        select count(*)
        from {STAGES} as s
        full outer join orders as o on o.customer_key = s.customer_key
        where s.decision_at is distinct from o.first_at
            or s.retention_at is distinct from o.second_at
        """
    )[0][0]
    assert mismatches == 0
    buyers = built.query(f"select count(*) from {STAGES} where decision_at is not null")[0][0]
    assert buyers == built.query("select count(*) from marts.fct_orders where is_first_order")[0][0]


def test_stage_timestamps_are_ordered(built: Built) -> None:
    rows = built.query(
        f"""
        select count(*) from {STAGES}
        where awareness_at is null
            or awareness_at > consideration_at
            or consideration_at > decision_at
            or decision_at > retention_at
            or (decision_at is not null and consideration_at is null)
            or (retention_at is not null and decision_at is null)
        """
    )
    assert rows == [(0,)]


def test_current_stage_is_the_furthest_stage_reached(built: Built) -> None:
    rows = built.query(
        f"""
        select count(*) from {STAGES}
        where current_stage <> case
            when advocacy_at is not null then 'advocacy'
            when retention_at is not null then 'retention'
            when decision_at is not null then 'decision'
            when consideration_at is not null then 'consideration'
            else 'awareness' end
        """
    )
    assert rows == [(0,)]
    stages = dict(built.query(f"select current_stage, count(*) from {STAGES} group by 1"))
    assert stages.get("decision", 0) > 0 and stages.get("retention", 0) > 0


def test_advocates_are_customers_with_a_promoter_response(built: Built) -> None:
    expected = built.query(
        "select count(distinct i.customer_key) from staging.stg_crm__nps_responses as n "
        "inner join intermediate.int_identity__identifiers as i "
        "on i.identifier_type = 'email' and i.identifier_value = n.email "
        f"inner join {STAGES} as s on s.customer_key = i.customer_key "
        "where n.score >= 9"
    )[0][0]
    actual = built.query(f"select count(*) from {STAGES} where advocacy_at is not null")[0][0]
    assert actual == expected


def test_days_and_touches_before_first_purchase(built: Built) -> None:
    rows = built.query(
        f"""
        with first_touch as (
            select customer_key, min(occurred_at) as first_touch_at
            from marts.fct_touchpoints where not is_duplicate_touch group by 1
        )
        select count(*) from {STAGES} as s
        left join first_touch as f on f.customer_key = s.customer_key
        where (s.decision_at is null and s.touches_before_first_purchase is not null)
            or (s.decision_at is not null and s.touches_before_first_purchase is null)
            or s.days_to_first_purchase < 0
            or (f.first_touch_at <= s.decision_at
                and abs(s.days_to_first_purchase
                    - date_diff('second', f.first_touch_at, s.decision_at) / 86400.0) > 1e-6)
            or (s.days_to_first_purchase is not null and s.touches_before_first_purchase < 1)
        """
    )
    assert rows == [(0,)]


def test_decision_at_matches_the_truth_first_order(built: Built) -> None:
    """Each person's first web-shop order (truth) is the customer's decision, unless an earlier
    marketplace order of the same customer came first."""
    total, equal, later = built.query(
        f"""
        select
            count(*),
            count(*) filter (where s.decision_at = date_trunc('second', t.created_at)),
            count(*) filter (where s.decision_at > date_trunc('second', t.created_at))
        from truth_orders as t
        inner join marts.fct_orders as o
            on o.order_source = 'shopify' and o.order_id = t.order_name
        inner join {STAGES} as s on s.customer_key = o.customer_key
        where t.is_first and not t.is_cancelled
        """
    )[0]
    assert total > 100
    assert later == 0
    assert equal >= 0.95 * total, (equal, total)


def test_median_days_to_first_purchase_close_to_truth(built: Built) -> None:
    """Truth: first consented session -> first order of each buyer; the warehouse also sees
    email and CRM touches, so only a loose agreement is expected."""
    truth = built.query(
        """
        select median(date_diff('second', first_touch, first_order_at) / 86400.0)
        from (
            select p.person_id, p.first_order_at, min(s.session_start) as first_touch
            from truth_persons as p
            inner join truth_sessions as s on s.person_id = p.person_id
            inner join (select distinct user_pseudo_id from truth_devices
                        where analytics_consent) as d on d.user_pseudo_id = s.user_pseudo_id
            where p.first_order_at is not null
            group by 1, 2
        ) where first_touch <= first_order_at
        """
    )[0][0]
    marts = built.query(f"select median(days_to_first_purchase) from {STAGES}")[0][0]
    assert abs(marts - truth) <= 1.0, (marts, truth)


def test_paths_hold_touches_in_the_window_after_the_previous_conversion(built: Built) -> None:
    rows = built.query(
        f"""
        with conversions as (
            select conversion_id,
                lag(converted_at) over (
                    partition by customer_key order by converted_at, conversion_id
                ) as previous_at
            from marts.fct_conversions where conversion_kind in {PATH_KINDS}
        )
        select count(*) from {PATHS} as p
        inner join conversions as c using (conversion_id)
        left join marts.fct_touchpoints as t using (touchpoint_id)
        where p.touchpoint_id is not null and (
            t.is_duplicate_touch
            or t.customer_key <> p.customer_key
            or p.occurred_at > p.converted_at
            or p.occurred_at < p.converted_at - interval {LOOKBACK_DAYS} day
            or p.occurred_at <= c.previous_at
            or p.touch_position not between 1 and p.touch_count
        )
        """
    )
    assert rows == [(0,)]
    # Positions are 1..n without gaps; a conversion without touch has exactly one row.
    rows = built.query(
        f"select count(*) from (select conversion_id, max(touch_count) as n, "
        f"count(*) as r, count(touchpoint_id) as t, max(touch_position) as m from {PATHS} "
        "group by 1) where (n = 0 and r <> 1) or (n > 0 and (t <> n or m <> n or r <> n))"
    )
    assert rows == [(0,)]


def test_every_touch_in_the_window_is_in_a_path(built: Built) -> None:
    """Completeness: no eligible touch is lost (the reverse of the window check)."""
    missing = built.query(
        f"""
        with conversions as (
            select conversion_id, customer_key, converted_at,
                lag(converted_at) over (
                    partition by customer_key order by converted_at, conversion_id
                ) as previous_at
            from marts.fct_conversions where conversion_kind in {PATH_KINDS}
        )
        select count(*) from conversions as c
        inner join marts.fct_touchpoints as t
            on t.customer_key = c.customer_key and not t.is_duplicate_touch
            and t.occurred_at <= c.converted_at
            and t.occurred_at >= c.converted_at - interval {LOOKBACK_DAYS} day
            and (c.previous_at is null or t.occurred_at > c.previous_at)
        left join {PATHS} as p
            on p.conversion_id = c.conversion_id and p.touchpoint_id = t.touchpoint_id
        where p.conversion_id is null
        """
    )[0][0]
    assert missing == 0


def test_non_converting_journeys_follow_the_last_conversion(built: Built) -> None:
    rows = built.query(
        f"""
        with last_conversion as (
            select customer_key, max(converted_at) as last_at
            from marts.fct_conversions where conversion_kind in {PATH_KINDS} group by 1
        ),
        expected as (
            select t.touchpoint_id
            from marts.fct_touchpoints as t
            left join last_conversion as l using (customer_key)
            where not t.is_duplicate_touch and (l.last_at is null or t.occurred_at > l.last_at)
        )
        select
            (select count(*) from expected),
            (select count(*) from {NON_CONVERTING}),
            (select count(*) from expected
                where touchpoint_id not in (select touchpoint_id from {NON_CONVERTING})),
            (select count(*) from {NON_CONVERTING} as n
                inner join {PATHS} as p using (touchpoint_id))
        """
    )[0]
    expected, actual, missing, also_converting = rows
    assert actual == expected and missing == 0
    assert also_converting == 0  # a touch is either in a converting path or after the last one


def test_path_mart_conversions_and_revenue_match_fct_conversions(built: Built) -> None:
    truth = built.query(
        "select count(*), sum(revenue) from marts.fct_conversions "
        f"where conversion_kind in {PATH_KINDS}"
    )[0]
    marts = built.query(
        "select sum(conversions), sum(revenue), sum(journeys) filter (where path_type = "
        "'converting') from marts.mart_conversion_paths"
    )[0]
    assert marts[0] == marts[2] == truth[0]
    assert marts[1] == truth[1]
    journeys = built.query(
        "select sum(journeys) from marts.mart_conversion_paths where path_type = 'non_converting'"
    )[0][0]
    assert (
        journeys == built.query(f"select count(distinct customer_key) from {NON_CONVERTING}")[0][0]
    )


def test_path_strings_and_rates(built: Built) -> None:
    rows = built.query(
        """
        select count(*) from marts.mart_conversion_paths
        where conversion_rate not between 0 and 1
            or (path_type = 'non_converting' and (conversions <> 0 or revenue <> 0))
            or (path_type = 'converting' and conversions <> journeys)
            or (conversion_path <> '(no touchpoints)'
                and len(string_split(replace(conversion_path, '... > ', ''), ' > '))
                    <> path_length)
            or path_length > 10
            or is_truncated <> starts_with(conversion_path, '... > ')
        """
    )
    assert rows == [(0,)]
    # The rate of a path pools its converting and non-converting journeys.
    rows = built.query(
        """
        select count(*) from (
            select conversion_path, max(conversion_rate) as rate,
                sum(conversions) * 1.0 / sum(journeys) as expected
            from marts.mart_conversion_paths group by 1
        ) where abs(rate - expected) > 1e-9
        """
    )
    assert rows == [(0,)]

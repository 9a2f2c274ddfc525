"""The export formats the warehouse accepts: one declaration per source table.

This module is the contract between the sample-export generator (which writes these layouts), the
loaders (which read and validate them into schema ``raw``) and the dbt sources (which read ``raw``).
CSV headers are matched case-insensitively after trimming; columns (GA4: top-level fields) beyond
the declared ones are kept in each raw table's JSON column `_extra` (see drift.py) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.loaders.drift import EXTRA_COLUMN, EXTRA_TYPE

# Value kinds a CSV column can be parsed as. Timestamps are stored as naive UTC TIMESTAMP.
VARCHAR = "varchar"
INTEGER = "integer"
DECIMAL = "decimal"
TIMESTAMP = "timestamp"
DATE = "date"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    kind: str = VARCHAR
    required: bool = False  # the header must be present
    not_null: bool = False  # every row needs a value


@dataclass(frozen=True)
class CsvSource:
    table: str  # raw table name, schema raw
    folder: str  # subfolder of the landing folder
    pattern: str  # glob of the files inside the folder
    columns: tuple[Column, ...]
    description: str = ""
    delimiter: str = ","

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


@dataclass(frozen=True)
class Ga4Source:
    table: str = "ga4_events"
    folder: str = "ga4"
    patterns: tuple[str, ...] = (
        "events_*.json",
        "events_*.json.gz",
        "events_*.parquet",
        "events_intraday_*.json",
        "events_intraday_*.json.gz",
        "events_intraday_*.parquet",
    )
    required: tuple[str, ...] = ("event_date", "event_timestamp", "event_name", "user_pseudo_id")
    columns: dict[str, str] = field(default_factory=dict)


# Metadata every raw table carries, written by the loaders.
RAW_METADATA_COLUMNS = {
    "_source_file": "VARCHAR",  # path relative to the landing folder
    "_source_row": "BIGINT",  # 1-based data row (NDJSON: line) within the file
    "_loaded_at": "TIMESTAMP",  # UTC
    EXTRA_COLUMN: EXTRA_TYPE,  # the row's undeclared columns / fields, {name: value}; or null
}

_PARAM_VALUE = (
    "STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, double_value DOUBLE)"
)

# GA4 BigQuery export schema (the fields this project reads and their neighbours). In the JSON
# extract INT64 values arrive as JSON strings; DuckDB casts them to BIGINT while reading.
GA4_COLUMNS: dict[str, str] = {
    "event_date": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "event_params": f"STRUCT(key VARCHAR, value {_PARAM_VALUE})[]",
    "event_previous_timestamp": "BIGINT",
    "event_value_in_usd": "DOUBLE",
    "event_bundle_sequence_id": "BIGINT",
    "event_server_timestamp_offset": "BIGINT",
    "user_id": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "privacy_info": (
        "STRUCT(analytics_storage VARCHAR, ads_storage VARCHAR, uses_transient_token VARCHAR)"
    ),
    "user_properties": (
        "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
        "float_value DOUBLE, double_value DOUBLE, set_timestamp_micros BIGINT))[]"
    ),
    "user_first_touch_timestamp": "BIGINT",
    "user_ltv": "STRUCT(revenue DOUBLE, currency VARCHAR)",
    "device": (
        "STRUCT(category VARCHAR, mobile_brand_name VARCHAR, mobile_model_name VARCHAR, "
        "operating_system VARCHAR, operating_system_version VARCHAR, language VARCHAR, "
        "is_limited_ad_tracking VARCHAR, "
        "web_info STRUCT(browser VARCHAR, browser_version VARCHAR, hostname VARCHAR))"
    ),
    "geo": (
        "STRUCT(city VARCHAR, country VARCHAR, continent VARCHAR, region VARCHAR, "
        "sub_continent VARCHAR, metro VARCHAR)"
    ),
    "traffic_source": "STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)",
    "stream_id": "VARCHAR",
    "platform": "VARCHAR",
    "collected_traffic_source": (
        "STRUCT(manual_campaign_id VARCHAR, manual_campaign_name VARCHAR, manual_source VARCHAR, "
        "manual_medium VARCHAR, manual_term VARCHAR, manual_content VARCHAR, gclid VARCHAR, "
        "dclid VARCHAR, srsltid VARCHAR)"
    ),
    "is_active_user": "BOOLEAN",
    "ecommerce": (
        "STRUCT(total_item_quantity BIGINT, purchase_revenue_in_usd DOUBLE, "
        "purchase_revenue DOUBLE, refund_value_in_usd DOUBLE, refund_value DOUBLE, "
        "shipping_value_in_usd DOUBLE, shipping_value DOUBLE, tax_value_in_usd DOUBLE, "
        "tax_value DOUBLE, unique_items BIGINT, transaction_id VARCHAR)"
    ),
    "items": (
        "STRUCT(item_id VARCHAR, item_name VARCHAR, item_brand VARCHAR, item_variant VARCHAR, "
        "item_category VARCHAR, price_in_usd DOUBLE, price DOUBLE, quantity BIGINT, "
        "item_revenue_in_usd DOUBLE, item_revenue DOUBLE, coupon VARCHAR, affiliation VARCHAR, "
        "item_list_name VARCHAR, promotion_name VARCHAR)[]"
    ),
}

GA4 = Ga4Source(columns=GA4_COLUMNS)

CRM_CONTACTS = CsvSource(
    table="crm_contacts",
    folder="crm",
    pattern="contacts*.csv",
    description="HubSpot contacts export",
    columns=(
        Column("Record ID", "record_id", INTEGER, required=True, not_null=True),
        Column("First Name", "first_name"),
        Column("Last Name", "last_name"),
        Column("Email", "email", required=True),
        Column("Phone Number", "phone_number"),
        Column("Lifecycle Stage", "lifecycle_stage", required=True),
        Column("Lead Status", "lead_status"),
        Column("Create Date", "create_date", TIMESTAMP, required=True, not_null=True),
        Column("Last Activity Date", "last_activity_date", TIMESTAMP),
        Column("Original Source", "original_source"),
        Column("Original Source Drill-Down 1", "original_source_drill_down_1"),
        Column("Became a Customer Date", "became_a_customer_date", TIMESTAMP),
        Column("Marketing contact status", "marketing_contact_status"),
    ),
)

CRM_DEALS = CsvSource(
    table="crm_deals",
    folder="crm",
    pattern="deals*.csv",
    description="HubSpot deals export; Associated Contact is 'First Last (email)'",
    columns=(
        Column("Record ID", "record_id", INTEGER, required=True, not_null=True),
        Column("Deal Name", "deal_name"),
        Column("Deal Stage", "deal_stage", required=True),
        Column("Amount", "amount", DECIMAL),
        Column("Create Date", "create_date", TIMESTAMP, required=True, not_null=True),
        Column("Close Date", "close_date", TIMESTAMP),
        Column("Associated Contact", "associated_contact"),
    ),
)

CRM_NPS_RESPONSES = CsvSource(
    table="crm_nps_responses",
    folder="crm",
    pattern="nps_responses*.csv",
    description="Survey / NPS responses",
    columns=(
        Column("Email", "email", required=True, not_null=True),
        Column("Submitted At", "submitted_at", TIMESTAMP, required=True, not_null=True),
        Column("Score", "score", INTEGER, required=True, not_null=True),
        Column("Comment", "comment"),
    ),
)

EMAIL_ACTIVITY = CsvSource(
    table="email_activity",
    folder="email",
    pattern="activity*.csv",
    description="Klaviyo/Mailchimp-style recipient activity export",
    columns=(
        Column("Email", "email", required=True, not_null=True),
        Column("Event", "event", required=True, not_null=True),
        Column("Timestamp", "timestamp", TIMESTAMP, required=True, not_null=True),
        Column("Campaign ID", "campaign_id"),
        Column("Campaign Name", "campaign_name"),
        Column("Flow ID", "flow_id"),
        Column("Flow Name", "flow_name"),
        Column("URL", "url"),
        Column("Subscriber ID", "subscriber_id"),
    ),
)

# Shopify orders export: one row per line item; order-level columns only on an order's first row
# (Name is on every row). Only the columns the warehouse reads are declared; others are tolerated.
SHOPIFY_ORDERS = CsvSource(
    table="shopify_orders",
    folder="orders",
    pattern="orders_export*.csv",
    description="Shopify orders export (one row per line item)",
    columns=(
        Column("Name", "name", required=True, not_null=True),
        Column("Email", "email", required=True),
        Column("Financial Status", "financial_status", required=True),
        Column("Paid at", "paid_at", TIMESTAMP),
        Column("Fulfillment Status", "fulfillment_status"),
        Column("Fulfilled at", "fulfilled_at", TIMESTAMP),
        Column("Accepts Marketing", "accepts_marketing", BOOLEAN),
        Column("Currency", "currency", required=True),
        Column("Subtotal", "subtotal", DECIMAL, required=True),
        Column("Shipping", "shipping", DECIMAL),
        Column("Taxes", "taxes", DECIMAL),
        Column("Total", "total", DECIMAL, required=True),
        Column("Discount Code", "discount_code"),
        Column("Discount Amount", "discount_amount", DECIMAL),
        Column("Shipping Method", "shipping_method"),
        Column("Created at", "created_at", TIMESTAMP, required=True),
        Column("Lineitem quantity", "lineitem_quantity", INTEGER, required=True, not_null=True),
        Column("Lineitem name", "lineitem_name", required=True),
        Column("Lineitem price", "lineitem_price", DECIMAL, required=True, not_null=True),
        Column("Lineitem compare at price", "lineitem_compare_at_price", DECIMAL),
        Column("Lineitem sku", "lineitem_sku"),
        Column("Lineitem discount", "lineitem_discount", DECIMAL),
        Column("Billing Country", "billing_country"),
        Column("Shipping Country", "shipping_country"),
        Column("Cancelled at", "cancelled_at", TIMESTAMP),
        Column("Refunded Amount", "refunded_amount", DECIMAL),
        Column("Payment Method", "payment_method"),
        Column("Id", "id", INTEGER),
        Column("Tags", "tags"),
        Column("Source", "source"),
    ),
)

MARKETING_SPEND = CsvSource(
    table="marketing_spend",
    folder="spend",
    pattern="spend*.csv",
    description="Daily marketing cost by date, source, medium, campaign",
    columns=(
        Column("Date", "date", DATE, required=True, not_null=True),
        Column("Source", "source", required=True, not_null=True),
        Column("Medium", "medium", required=True, not_null=True),
        Column("Campaign", "campaign", required=True),
        Column("Cost", "cost", DECIMAL, required=True, not_null=True),
        Column("Currency", "currency"),
        Column("Impressions", "impressions", INTEGER),
        Column("Clicks", "clicks", INTEGER),
    ),
)

# Canonical columns of a generic order-lines CSV from another shop system. The header each one is
# read from comes from the dbt var `generic_order_lines_mapping` (config, not code).
GENERIC_ORDER_LINE_FIELDS: tuple[Column, ...] = (
    Column("order_id", "order_id", required=True, not_null=True),
    Column("customer_id", "customer_id"),
    Column("email", "email"),
    Column("ordered_at", "ordered_at", TIMESTAMP, required=True, not_null=True),
    Column("product", "product", required=True),
    Column("quantity", "quantity", INTEGER, required=True, not_null=True),
    Column("unit_price", "unit_price", DECIMAL, required=True, not_null=True),
    Column("currency", "currency"),
    Column("status", "status"),
)

CSV_SOURCES: tuple[CsvSource, ...] = (
    CRM_CONTACTS,
    CRM_DEALS,
    CRM_NPS_RESPONSES,
    EMAIL_ACTIVITY,
    SHOPIFY_ORDERS,
    MARKETING_SPEND,
)

SQL_TYPES = {
    VARCHAR: "VARCHAR",
    INTEGER: "BIGINT",
    DECIMAL: "DECIMAL(18,4)",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    BOOLEAN: "BOOLEAN",
}


def raw_columns(source: CsvSource | Ga4Source | str) -> dict[str, str]:
    """Column name -> DuckDB type of a raw table, metadata columns last."""
    if isinstance(source, Ga4Source):
        columns = dict(source.columns)
    elif isinstance(source, CsvSource):
        columns = {c.name: SQL_TYPES[c.kind] for c in source.columns}
    elif source == "generic_order_lines":
        columns = {c.name: SQL_TYPES[c.kind] for c in GENERIC_ORDER_LINE_FIELDS}
    else:
        raise ValueError(f"unknown source {source!r}")
    return columns | RAW_METADATA_COLUMNS


def raw_table_ddl(table: str, columns: dict[str, str], schema: str = "raw") -> str:
    body = ",\n  ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {schema}.{table} (\n  {body}\n)"


def all_raw_tables() -> dict[str, dict[str, str]]:
    """Every raw table the loaders own, so dbt sources exist even before a source's first file."""
    tables = {GA4.table: raw_columns(GA4)}
    tables |= {source.table: raw_columns(source) for source in CSV_SOURCES}
    tables["generic_order_lines"] = raw_columns("generic_order_lines")
    return tables

"""Which carrier fields (5page) a site must have before it is marked 投入済.

The carrier screen refuses an application without them, so the back office must not record one as entered.
Always: PPS番号, 申込区分, 契約プラン, 供給地点特定番号, the place of use (郵便番号, 都道府県, 市区町村, 番地)
and its 名義 / 名義カナ; electricity also needs 契約容量. A switch from another supplier (申込区分 1, 5) needs
what its last bill says: お客様番号, 最新の明細料金, 最新の電力使用量, 最新の明細年月, and for electricity
現在の電力会社; a move-in or a move (2, 4, 5) needs 入居日/開業日.
"""

from service.crm.models import Site

ALWAYS = (
    "pps_business_number",
    "application_type",
    "power_plan_name",
    "power_customer_location_number",
    "power_zip_code",
    "power_prefecture",
    "power_city",
    "power_street",
    "power_customer_name",
    "power_customer_name_kana",
)
ELECTRIC = ("contract_capacity",)
SWITCH = ("power_customer_number", "latest_charges", "latest_power_usage", "latest_date")
SWITCH_ELECTRIC = ("power_supplier_type",)
MOVE_IN = ("moving_in_date",)
REQUIRED_GROUPS = {
    "always": ALWAYS,
    "electric": ELECTRIC,
    "switch": SWITCH,
    "switch_electric": SWITCH_ELECTRIC,
    "move_in": MOVE_IN,
}
SWITCH_TYPES = frozenset({"1", "5"})
MOVE_IN_TYPES = frozenset({"2", "4", "5"})


def required_fields(site: Site) -> tuple[str, ...]:
    """The fields the carrier needs for this site's service type and 申込区分."""
    electric = site.service_type == "electric"
    switch = site.application_type in SWITCH_TYPES
    return (
        ALWAYS
        + (ELECTRIC if electric else ())
        + (SWITCH if switch else ())
        + (SWITCH_ELECTRIC if switch and electric else ())
        + (MOVE_IN if site.application_type in MOVE_IN_TYPES else ())
    )


def missing_fields(site: Site) -> list[str]:
    """The required fields still empty, in the order of the carrier screen."""
    return [name for name in required_fields(site) if getattr(site, name) in (None, "")]

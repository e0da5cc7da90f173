"""登记编号: the record's own key in an export, so a roster exported, edited and imported again
updates the same children — those without an ID number (abandoned infants, unregistered births)
included, which nothing else in a row identifies.

A key is the county's 6-digit code and the record's id, `210522-00000123`: readable, kept as text
by spreadsheets (the dash), and saying which county's registry it belongs to, so a roster from
another county's system is refused by row instead of updating whichever child has that id here.
"""

from __future__ import annotations

import re

RECORD_KEY = "record_key"  # the exchange-format field an export adds (docs/registry-io.md)
RECORD_KEY_LABEL = "登记编号"
_KEY = re.compile(r"^(\d{6})-(\d{1,12})$")
KEY_HELP = "格式如 210522-00000123"


def record_key(county: str, child_id: int) -> str:
    return f"{county}-{child_id:08d}"


def parse_key(text: str) -> tuple[str, int] | None:
    """(county code, record id) of a well-formed key, else None."""
    match = _KEY.match(text.strip())
    return (match.group(1), int(match.group(2))) if match else None


def county_code() -> str:
    """The 6-digit code of the county this registry serves (the one county of the region tree)."""
    from shouhu.regions.models import Level, Region  # here: the exchange format reads this module without a database

    code = Region.objects.filter(level=Level.COUNTY).order_by("code").values_list("code", flat=True).first()
    return (code or "")[:6]

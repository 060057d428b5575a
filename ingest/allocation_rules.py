"""The statutory allocation rules of 34 U.S.C. 10446(c): their one home.

stopdash.queries.allocation checks them per award year in Python; the database's
allocation_ledger view checks them per federal award, its SQL generated from these
same rules by ingest.store.db.views_sql. What each rule measures:

* ``categories``: award dollars of subgrants in the rule's allocation categories;
* ``sexual_assault``: the register's sexual-assault dollars;
* ``sa_allocations``: sexual-assault dollars lying in two or more statutory allocations (SA_ALLOCATIONS);
* ``purpose_area``: award dollars of subgrants listing PREVENTION_AREA.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PREVENTION_AREA = 20

VICTIM_SERVICES = ("Victim services", "Culturally specific victim services")
CULTURALLY_SPECIFIC = "Culturally specific victim services"
# The statutory allocations of 10446(c)(4) that sexual-assault dollars must span; culturally specific is part of victim services.
SA_ALLOCATIONS = {
    "Law enforcement": "Law enforcement",
    "Prosecution": "Prosecution",
    "Courts": "Courts",
    "Victim services": "Victim services",
    CULTURALLY_SPECIFIC: "Victim services",
}


@dataclass(frozen=True)
class Rule:
    code: str
    check: str
    kind: str  # "floor" | "cap" | "rule"
    share: Decimal | None
    label: str  # how the requirement reads in a sentence
    measure: str = "categories"  # what the actual dollars are (module docstring)
    categories: tuple[str, ...] = ()  # for measure "categories": the allocation categories that count


RULES = [
    Rule(
        "law_enforcement",
        "Law enforcement: at least 25%",
        "floor",
        Decimal("0.25"),
        "the 25% law-enforcement floor",
        categories=("Law enforcement",),
    ),
    Rule("prosecution", "Prosecution: at least 25%", "floor", Decimal("0.25"), "the 25% prosecution floor", categories=("Prosecution",)),
    Rule("courts", "State and local courts: at least 5%", "floor", Decimal("0.05"), "the 5% courts floor", categories=("Courts",)),
    Rule(
        "victim_services",
        "Victim services: at least 30%",
        "floor",
        Decimal("0.30"),
        "the 30% victim-services floor",
        categories=VICTIM_SERVICES,
    ),
    Rule(
        "culturally_specific",
        "Culturally specific: at least 10% of the 30% victim-services allocation",
        "floor",
        Decimal("0.03"),
        "the culturally specific floor (10% of the 30% victim-services allocation, so 3% of the total)",
        categories=(CULTURALLY_SPECIFIC,),
    ),
    Rule(
        "sexual_assault",
        "Sexual assault: at least 20%",
        "floor",
        Decimal("0.20"),
        "the 20% sexual-assault set-aside",
        measure="sexual_assault",
    ),
    Rule(
        "sexual_assault_allocations",
        "Sexual assault: in two or more allocations",
        "rule",
        None,
        "the two-allocation rule for sexual-assault dollars",
        measure="sa_allocations",
    ),
    Rule(
        "prevention_cap",
        "Prevention and education (purpose area 20): at most 5%",
        "cap",
        Decimal("0.05"),
        "the 5% cap on prevention and education",
        measure="purpose_area",
    ),
]

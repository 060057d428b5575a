"""The controlled vocabularies of the reporting contract, in their canonical spellings.

Every vocabulary value a grantee writes is matched with :func:`word_key`, so
"Health care", "health care (incl. SANE)" and " HEALTH-CARE " are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PAREN_TAIL = re.compile(r"\s*\([^()]*\)\s*$")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def word_key(text: object) -> str:
    """Matching key: lower case, NBSP as space, trailing "(...)" dropped, punctuation as space."""
    return _word_key(str(text))


@lru_cache(maxsize=65536)  # the same headers and words recur in every workbook
def _word_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip().lower()
    s = _PAREN_TAIL.sub("", s)
    return " ".join(_NON_WORD.sub(" ", s).split())


LEVELS = ["Networking", "Cooperation", "Coordination", "Coalition", "Collaboration"]

INDICATORS = {
    "C1": "Shared vision and common values",
    "C2": "Essential partners at the table",
    "C3": "Formalized roles and responsibilities",
    "C4": "Communication and information sharing within confidentiality rules",
    "C5": "Cross-training and capacity building",
    "C6": "Victim-centered, trauma-informed practice across agencies",
    "C7": "Survivor voice in design and evaluation",
    "C8": "Regular evaluation and improvement of the response",
    "C9": "Sustainability: leveraged resources and diversified funding",
    "C10": "Navigating tension points together",
}

STEPS = [
    "Not started",
    "Inventory of existing services",
    "Victim experience survey",
    "Community needs assessment",
    "Writing the protocol",
    "Renewing interagency agreements",
    "Training",
    "Monitoring",
    "Evaluation",
]
ADOPTED_STEP = 5

PRACTICES = {
    "S1": "Survivors are paid for their time and expertise",
    "S2": "A survivor advisory group meets regularly",
    "S3": "Survivors help write or review protocols",
    "S4": "Feedback is gathered confidentially from the people served",
    "S5": "Survivor input changed a policy or practice this period",
    "S6": "Peer support or survivor-led services are offered",
    "S7": "Participation is supported (transport, childcare, confidentiality safeguards)",
    "S8": "Survivors hold leadership or voting roles in the collaborative",
}
PRACTICE_STATUSES = ["In place", "Planned", "Not in place"]

DISCIPLINES = [
    "Law enforcement",
    "Prosecution",
    "Courts",
    "Probation and corrections",
    "Community-based advocacy",
    "System-based advocacy",
    "Culturally specific organization",
    "Tribal government or program",
    "Health care (incl. SANE)",
    "Mental and chemical health",
    "Child protection and social services",
    "Schools",
    "Shelter and housing",
    "Juvenile justice",
    "Public health",
    "Survivor-led organization or survivor representative",
    "Faith community",
    "Business",
    "Other",
]
TRIBAL_DISCIPLINE = "Tribal government or program"
ESSENTIAL_DISCIPLINES = [
    "Law enforcement",
    "Prosecution",
    "Community-based advocacy",
    "Health care (incl. SANE)",
    "Child protection and social services",
    "Courts",
]

# Words grantees use for a discipline; the spec calls these "obvious synonyms".
DISCIPLINE_SYNONYMS = {
    "police": "Law enforcement",
    "police department": "Law enforcement",
    "sheriff": "Law enforcement",
    "sheriffs office": "Law enforcement",
    "sheriff s office": "Law enforcement",
    "law enforcement agency": "Law enforcement",
    "county attorney": "Prosecution",
    "county attorneys office": "Prosecution",
    "county attorney s office": "Prosecution",
    "prosecutor": "Prosecution",
    "city attorney": "Prosecution",
    "court": "Courts",
    "judiciary": "Courts",
    "probation": "Probation and corrections",
    "corrections": "Probation and corrections",
    "advocacy": "Community-based advocacy",
    "advocate": "Community-based advocacy",
    "community advocacy": "Community-based advocacy",
    "system advocacy": "System-based advocacy",
    "victim witness": "System-based advocacy",
    "culturally specific": "Culturally specific organization",
    "tribal": "Tribal government or program",
    "tribe": "Tribal government or program",
    "tribal government": "Tribal government or program",
    "tribal program": "Tribal government or program",
    "sane": "Health care (incl. SANE)",
    "health care": "Health care (incl. SANE)",
    "healthcare": "Health care (incl. SANE)",
    "hospital": "Health care (incl. SANE)",
    "medical": "Health care (incl. SANE)",
    "mental health": "Mental and chemical health",
    "chemical health": "Mental and chemical health",
    "child protection": "Child protection and social services",
    "social services": "Child protection and social services",
    "cps": "Child protection and social services",
    "school": "Schools",
    "education": "Schools",
    "shelter": "Shelter and housing",
    "housing": "Shelter and housing",
    "juvenile": "Juvenile justice",
    "survivor": "Survivor-led organization or survivor representative",
    "survivor led": "Survivor-led organization or survivor representative",
    "survivor representative": "Survivor-led organization or survivor representative",
    "faith": "Faith community",
    "faith based": "Faith community",
    "church": "Faith community",
    "corporate": "Business",
}

FOCUSES = [
    "Sex trafficking and sexual exploitation",
    "Sexual assault",
    "Domestic violence",
    "Dating violence",
    "Stalking",
    "Youth (Safe Harbor)",
    "Other",
]
FOCUS_SYNONYMS = {
    "sex trafficking": "Sex trafficking and sexual exploitation",
    "trafficking": "Sex trafficking and sexual exploitation",
    "sexual exploitation": "Sex trafficking and sexual exploitation",
    "safe harbor": "Youth (Safe Harbor)",
    "youth safe harbor": "Youth (Safe Harbor)",
}

FUNDING_TYPES = [
    "Private foundation",
    "Corporate",
    "Individual donors",
    "Civic or faith-based",
    "Local government",
    "State government",
    "Federal (non-STOP)",
    "Tribal government",
    "Other",
]
PRIVATE_FUNDING_TYPES = FUNDING_TYPES[:4]
FUNDING_TYPE_SYNONYMS = {
    "foundation": "Private foundation",
    "business": "Corporate",
    "individual": "Individual donors",
    "individuals": "Individual donors",
    "donors": "Individual donors",
    "civic": "Civic or faith-based",
    "faith based": "Civic or faith-based",
    "county": "Local government",
    "city": "Local government",
    "state": "State government",
    "federal": "Federal (non-STOP)",
    "tribal": "Tribal government",
}
FUNDING_FORMS = ["Cash", "In-kind"]

TA_STATUSES = ["Open", "In progress", "Resolved"]
VICTIMIZATIONS = ["Sexual assault", "Domestic violence", "Dating violence", "Stalking", "Sex trafficking"]

ALLOCATION_CATEGORIES = [
    "Law enforcement",
    "Prosecution",
    "Courts",
    "Victim services",
    "Culturally specific victim services",
    "Discretionary",
]


def vocabulary_index(canonical: list[str] | dict[str, str], synonyms: dict[str, str] | None = None) -> dict[str, str]:
    """Map every matching key (canonical value, code, name, synonym) to its canonical value."""
    index: dict[str, str] = {}
    if isinstance(canonical, dict):
        for code, name in canonical.items():
            index[word_key(code)] = code
            index[word_key(name)] = code
    else:
        for value in canonical:
            index[word_key(value)] = value
    for word, value in (synonyms or {}).items():
        index.setdefault(word_key(word), value)
    return index

"""Word lists for the synthetic demo portfolio (see :mod:`stopdash.demo.portfolio`).

Every organisation, community and funder built from these words carries a
"(demo)" or "(fictional)" tag, so nobody can mistake demo output for a real
grantee. Place words are flavoured by Minnesota region only to make the demo
feel local; none names a real agency. No list here names a person.
"""

from __future__ import annotations

# Region key = the part of counties.csv's region before " (EDR ...)".
PLACE_WORDS: dict[str, list[str]] = {
    "Arrowhead": ["Northwoods", "Iron Trail", "Boundary Pines", "Cliffside Shore", "Taconite Hills"],
    "Headwaters": ["Headwaters", "Tall Pines", "Clearwater Bend", "Source Lakes", "Beaver Dam"],
    "Northwest": ["Red River Plains", "Prairie Wind", "Flatland", "Snowgoose", "Border Prairie"],
    "West Central": ["Lakes Country", "Otter Trail", "Prairie Lakes", "Glacial Ridge", "Sunset Prairie"],
    "Central": ["Birchwood Bend", "Heartland Lakes", "Pine Crossing", "Twin Loons", "Jackpine"],
    "East Central": ["Riverbluff", "Snake River Bend", "Kettle Creek", "Cedar Crossing", "Meadow Pines"],
    "Central West": ["Granite Bend", "Sauk Valley", "Three Rivers Prairie", "Oak Savanna", "Crossroads"],
    "Mid-Minnesota": ["Crow River", "Kandi Lakes", "Meadowlark", "Wheatfield", "Willow Marsh"],
    "Upper Minnesota Valley": ["Upper Valley", "Big Stone Prairie", "Riverside Granite", "Pomme Prairie", "Coteau Edge"],
    "Southwest": ["Prairie Coteau", "Buffalo Ridge", "Windmill Prairie", "Quartzite Hills", "Cottonwood Bend"],
    "South Central": ["River Valley", "Blue Earth Bend", "Cornfield Crossing", "Lakes and Prairies", "Big Woods South"],
    "Southeast": ["Bluff Country", "Driftless Hills", "Zumbro Valley", "Root River", "Cannon Valley"],
    "Metro": [
        "Twin Rivers",
        "Metro North",
        "Lakeside",
        "Riverfront",
        "Capitol Hill",
        "Three Lakes",
        "Skyway",
        "Northstar Metro",
        "Southshore",
        "Eastside",
        "Westbank",
        "Uptown Bridges",
    ],
}

COMMUNITY_SUFFIXES = [
    "Sex Trafficking Response Team",
    "Safe Harbor MDT",
    "Anti-Trafficking Collaborative",
    "Sexual Assault Response Team",
    "Coordinated Community Response",
    "Exploitation Prevention Network",
    "Multidisciplinary Response Team",
]

# Subgrantee kinds per STOP allocation category (the register's Organization column).
ORG_KINDS: dict[str, list[str]] = {
    "Law enforcement": ["County Sheriff's Office", "Police Department", "Public Safety Department", "Regional Investigations Unit"],
    "Prosecution": ["County Attorney's Office", "City Attorney's Office", "Regional Prosecution Unit"],
    "Courts": ["District Court Administration", "Treatment Court Program", "Judicial District Office"],
    "Victim services": ["Advocacy Center", "Sexual Assault Program", "Crisis Center", "Family Violence Program", "Safe Haven Shelter"],
    "Culturally specific victim services": [
        "Cultural Healing Circle",
        "Immigrant Women's Advocacy Network",
        "Community Wellness Collective",
        "Language Access Advocacy Project",
    ],
    "Discretionary": ["Regional Health Partnership", "Youth Services Bureau", "Family Justice Center", "Community Action Council"],
}

# Partner agency kinds per Discipline (canonical spellings from ingest.vocab.DISCIPLINES).
PARTNER_KINDS: dict[str, str] = {
    "Law enforcement": "County Sheriff's Office",
    "Prosecution": "County Attorney's Office",
    "Courts": "District Court",
    "Probation and corrections": "Community Corrections",
    "Community-based advocacy": "Advocacy Center",
    "System-based advocacy": "Victim Witness Unit",
    "Culturally specific organization": "Cultural Wellness Center",
    "Tribal government or program": "Tribal Advocacy Program",
    "Health care (incl. SANE)": "Hospital SANE Program",
    "Mental and chemical health": "Behavioral Health Services",
    "Child protection and social services": "County Human Services",
    "Schools": "School District",
    "Shelter and housing": "Youth Shelter",
    "Juvenile justice": "Juvenile Detention Alternatives Program",
    "Public health": "Public Health Department",
    "Survivor-led organization or survivor representative": "Survivor Leadership Circle",
    "Faith community": "Interfaith Council",
    "Business": "Hospitality Association",
    "Other": "Transit Authority",
}

# Words grantees actually write instead of the canonical discipline (all in vocab's synonyms).
DISCIPLINE_SLANG: dict[str, list[str]] = {
    "Law enforcement": ["Sheriff", "Police"],
    "Prosecution": ["County Attorney", "Prosecutor"],
    "Health care (incl. SANE)": ["SANE", "Hospital"],
    "Tribal government or program": ["Tribal"],
    "Child protection and social services": ["Social services", "CPS"],
    "Community-based advocacy": ["Advocacy"],
    "Shelter and housing": ["Shelter"],
    "Schools": ["School"],
}

# Funders by funding Type (ingest.vocab.FUNDING_TYPES); "{place}" is the subgrant's place word.
FUNDERS: dict[str, list[str]] = {
    "Private foundation": ["{place} Community Foundation (demo)", "Northern Lights Family Fund (demo)", "Prairie Hope Foundation (demo)"],
    "Corporate": ["Riverside Hotels Group (demo)", "Lakeshore Credit Union (demo)", "North Star Trucking (demo)"],
    "Individual donors": ["Annual appeal, individual donors (demo)"],
    "Civic or faith-based": ["{place} Civic Service Club (demo)", "{place} Interfaith Council (demo)"],
    "Local government": ["{place} County board, in-kind space (demo)", "{place} city staff time (demo)"],
    "State government": ["State Safe Harbor grant (demo)"],
    "Federal (non-STOP)": ["Federal victim services grant (demo)"],
    "Tribal government": ["Tribal council contribution (demo)"],
}

PROTOCOL_NAMES: dict[str, str] = {
    "Sex trafficking and sexual exploitation": "Sex trafficking response protocol",
    "Youth (Safe Harbor)": "Safe Harbor youth protocol",
    "Sexual assault": "Sexual assault response protocol",
    "Domestic violence": "Domestic violence lethality protocol",
    "Other": "Hospitality industry outreach protocol",
}

TA_TOPICS = [
    "Engaging survivors as paid consultants",
    "Recruiting a health care (SANE) partner",
    "Drafting interagency MOUs",
    "Tension point: detention vs shelter for minors",
    "Mandated reporting and confidentiality",
    "Diversion vs decriminalization for adult victims",
    "Evaluating the protocol",
    "Working with neighbouring tribal nations",
]

MATURITY_NOTES = [
    "Discussed shared definitions at the retreat",
    "New members oriented this quarter",
    "Cross-training held with hotel staff",
    "Still waiting on signed MOUs",
    "Survivor consultants reviewed the intake form",
    "Confidentiality agreement under legal review",
    "Tension about detention vs shelter discussed",
]

# Counties where each nation's lands lie (used to place tribal subgrants nearby).
TRIBAL_COUNTIES: dict[str, list[str]] = {
    "Bois Forte Band of Chippewa": ["St. Louis", "Koochiching", "Itasca"],
    "Fond du Lac Band of Lake Superior Chippewa": ["Carlton", "St. Louis"],
    "Grand Portage Band of Lake Superior Chippewa": ["Cook"],
    "Leech Lake Band of Ojibwe": ["Cass", "Beltrami", "Itasca", "Hubbard"],
    "Mille Lacs Band of Ojibwe": ["Mille Lacs", "Pine", "Aitkin"],
    "Red Lake Nation": ["Beltrami", "Clearwater"],
    "White Earth Nation": ["Becker", "Mahnomen", "Clearwater"],
    "Lower Sioux Indian Community": ["Redwood"],
    "Prairie Island Indian Community": ["Goodhue"],
    "Shakopee Mdewakanton Sioux Community": ["Scott"],
    "Upper Sioux Community": ["Yellow Medicine"],
}
# Neighbouring nations a collaborative may serve together.
TRIBAL_PAIRS = [
    ("Red Lake Nation", "Leech Lake Band of Ojibwe"),
    ("Fond du Lac Band of Lake Superior Chippewa", "Bois Forte Band of Chippewa"),
    ("White Earth Nation", "Red Lake Nation"),
    ("Lower Sioux Indian Community", "Upper Sioux Community"),
]

# Sheet and header spellings that the contract tolerates (report-workbook.md, section 2).
SHEET_SYNONYMS: dict[str, list[str]] = {
    "Profile": ["Grantee Info", "PROFILE", "General information", "Cover"],
    "Partners": ["PARTNER AGENCIES", "MDT members", "Collaborative Members", "Team", "partner agencies"],
    "Maturity": ["Collaboration Self-Assessment", "Self assessment", "Collaboration maturity", "MATURITY"],
    "Protocols": ["Protocol status", "PROTOCOLS", "protocol  status"],
    "Survivor engagement": ["Survivor voice", "Survivor involvement", "SURVIVOR ENGAGEMENT", "Survivor_engagement"],
    "Funding": ["Leveraged funds", "Leveraged funding", "Other funding", "Resources leveraged"],
    "TA requests": ["TA", "Technical assistance"],
    "Services": ["SERVICES", "services"],
}
HEADER_SYNONYMS: dict[str, list[str]] = {
    "Partner": ["Agency", "Organization", "Member"],
    "Discipline": ["Sector", "Type"],
    "MOU signed": ["MOU", "Signed agreement"],
    "Meetings attended": ["Attendance", "Meetings attended (count)"],
    "Indicator": ["Factor"],
    "Score": ["Rating", "Level"],
    "Protocol": ["Name", "Protocol name"],
    "Focus": ["Topic"],
    "Step": ["Stage", "Status"],
    "Adopted on": ["Date adopted"],
    "Last reviewed": ["Last reviewed on", "Review date"],
    "Source": ["Funder"],
    "Type": ["Source type"],
    "Form": ["Cash or in-kind"],
    "Amount": ["Amount ($)", "Value", "Value (USD)"],
    "Counts toward match": ["Match"],
}
PROFILE_LABEL_SYNONYMS: dict[str, list[str]] = {
    "Subgrant ID": ["Grant ID", "Subgrant number", "Award ID", "Subgrant ID:"],
    "Reporting period": ["Period", "Quarter", "Reporting period:"],
    "Collaborative meetings held": ["Meetings held"],
    "Survivors engaged": ["Survivors consulted"],
}

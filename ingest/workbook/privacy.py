"""Victim confidentiality (34 U.S.C. 12291(b)(2)) in text: what identifies a person, and redaction.

Two questions are asked of every piece of text in a workbook (ingest.workbook.guard walks
the package and asks them):

* ``identifying_label``: does this text announce personally identifying
  information about the people a grantee serves (34 U.S.C. 12291(a)): names,
  birth dates, Social Security, driver's licence, passport or other ID numbers,
  home addresses, phone numbers and e-mail of a person served? Text is cut into
  normalised tokens (case, width, accents of the form, possessives, plurals,
  abbreviations such as SS#, D.O.B. or DL#), not matched against fixed phrases.
  A *mention* is either a phrase that identifies on its own ("date of birth",
  "SSN", "last name") or a word for the people served (victim, client,
  survivor, child, person served, ...) next to a kind of identifying data
  (name, address, phone, ID, ...), with only small words between them
  ("names of clients served", "victim/client name", "client's full legal
  name"). Short texts (labels, headers, list items) are refused on any
  mention; in long prose a mention counts unless it follows a negation in its
  sentence ("never enter the names of victims" is an instruction, not a
  column), and always when it opens a sentence.
* ``has_ssn``: a Social Security number written in any common way (separators
  of any dash, dot, space or slash, none at all, or masked to its last four).

The answer is the *kind* of data ("a date of birth"), never the text itself,
so a refusal message can say what was found without repeating it.

``redact`` replaces e-mail addresses, phone numbers (Google's libphonenumber
matcher, any country), street addresses and IP addresses in free text that is
stored, whole token by whole token.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers


def _words_in(text: str) -> list[str]:
    return text.split()


# ---- words ---------------------------------------------------------------------------------------------

# Words for the people a grantee serves, singular and plural.
_PEOPLE = dict.fromkeys(
    _words_in(
        "victim victims vic vics client clients clt survivor survivors child children kid kids minor minors youth youths "
        "juvenile juveniles teen teens adolescent adolescents patient patients participant participants complainant complainants "
        "individual individuals person persons people caller callers guest guests resident residents consumer consumers "
        "student students"
    ),
    "person",
)

_GENERIC_PEOPLE = {"person", "persons", "people", "individual", "individuals"}

# Kinds of identifying data that identify only when they are someone's: "client phone", "name of victim".
_NEEDS_PERSON = {
    **dict.fromkeys(_words_in("name names nm nme alias aliases nickname nicknames initials"), "a person's name"),
    **dict.fromkeys(_words_in("address addresses addr residence residences street whereabouts"), "a home address"),
    **dict.fromkeys(_words_in("phone phones telephone telephones tel cell cellphone mobile fax"), "a phone number"),
    **dict.fromkeys(_words_in("email emails"), "an e-mail address"),
    **dict.fromkeys(_words_in("ss"), "a Social Security number"),  # "Victim SS", Client_SS
    **dict.fromkeys(_words_in("id ids identifier identifiers mrn"), "an ID number"),
    **dict.fromkeys(_words_in("photo photos photograph picture"), "a photograph of a person"),
}

# Phrases, as token sequences, rewritten to one token before the words are looked at.
_PHRASES: list[tuple[tuple[str, ...], str]] = [
    (("date", "of", "birth"), "DOB"),
    (("dates", "of", "birth"), "DOB"),
    (("birth", "date"), "DOB"),
    (("birth", "dates"), "DOB"),
    (("birth", "day"), "DOB"),
    (("social", "security", "number"), "SSN"),
    (("social", "security", "numbers"), "SSN"),
    (("social", "security", "no"), "SSN"),
    (("social", "security"), "SSN"),
    (("soc", "sec"), "SSN"),
    (("ss", "number"), "SSN"),
    (("ss", "no"), "SSN"),
    (("ss", "num"), "SSN"),
    (("ssn", "number"), "SSN"),
    (("ssn", "no"), "SSN"),
    (("e", "mail"), "email"),
    (("e", "mails"), "email"),
    (("driver", "license"), "DL"),
    (("drivers", "license"), "DL"),
    (("driver", "licence"), "DL"),
    (("drivers", "licence"), "DL"),
    (("driving", "licence"), "DL"),
    (("driving", "license"), "DL"),
    (("driver", "licenses"), "DL"),
    (("drivers", "licenses"), "DL"),
    (("dl", "number"), "DL"),
    (("dl", "no"), "DL"),
    (("license", "plate"), "DL"),
    (("passport", "number"), "PASSPORT"),
    (("passport", "no"), "PASSPORT"),
    (("student", "id"), "STUDENTID"),
    (("student", "number"), "STUDENTID"),
    (("medical", "record", "number"), "MRN"),
    (("medical", "record"), "MRN"),
    (("case", "number"), "id"),
    (("case", "no"), "id"),
    (("case", "id"), "id"),
    (("record", "number"), "id"),
    (("id", "number"), "id"),
    (("id", "no"), "id"),
    (("identification", "number"), "id"),
    (("tax", "id"), "id"),
    (("ip", "address"), "IP"),
    (("home", "address"), "HOMEADDR"),
    (("street", "address"), "HOMEADDR"),
    (("residential", "address"), "HOMEADDR"),
    (("residence", "address"), "HOMEADDR"),
    (("physical", "address"), "HOMEADDR"),
    (("home", "phone"), "HOMEPHONE"),
    (("home", "telephone"), "HOMEPHONE"),
    (("cell", "phone"), "phone"),
    (("phone", "number"), "phone"),
    (("telephone", "number"), "phone"),
    (("person", "served"), "person"),
    (("persons", "served"), "person"),
    (("people", "served"), "person"),
    (("family", "member"), "person"),
    (("family", "members"), "person"),
    *[
        ((w, "name"), "FULLNAME")
        for w in ("first", "last", "full", "given", "family", "middle", "maiden", "legal", "birth", "christian", "sur")
    ],
    *[((w, "names"), "FULLNAME") for w in ("first", "last", "full", "given", "family", "middle", "maiden", "legal", "birth")],
]
_PHRASE_INDEX: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _token in sorted(_PHRASES, key=lambda p: -len(p[0])):
    _PHRASE_INDEX.setdefault(_phrase[0], []).append((_phrase, _token))

# Tokens that identify on their own, whoever they belong to.
_ON_THEIR_OWN = {
    "DOB": "a date of birth",
    "dob": "a date of birth",
    "dobs": "a date of birth",
    "birthdate": "a date of birth",
    "birthdates": "a date of birth",
    "birthday": "a date of birth",
    "birthdays": "a date of birth",
    "SSN": "a Social Security number",
    "ssn": "a Social Security number",
    "ssns": "a Social Security number",
    "itin": "a Social Security number",
    "DL": "a driver's licence number",
    "PASSPORT": "a passport number",
    "STUDENTID": "a student ID number",
    "MRN": "a medical record number",
    "IP": "an IP address",
    "HOMEADDR": "a home address",
    "HOMEPHONE": "a phone number",
    "FULLNAME": "a person's name",
    "surname": "a person's name",
    "surnames": "a person's name",
    "firstname": "a person's name",
    "lastname": "a person's name",
    "fullname": "a person's name",
    "fname": "a person's name",
    "lname": "a person's name",
}
# A standalone name phrase next to these words is about staff or agencies ("Prepared by (full name)").
_STAFF = set(
    _words_in(
        "prepared preparer submitted submitter staff contact coordinator director agency organization organisation partner partners "
        "protocol funder funders grantee subgrantee collaborative mdt team signatory official authorized authorised project program "
        "author reviewer supervisor manager officer"
    )
)
# Small words that may stand between a person word and a kind of data ("name of the victim", "client's full legal name").
_BETWEEN = set(
    _words_in(
        "of the a an for or and s served first last full legal given middle maiden preferred home street mailing physical current "
        "contact primary cell mobile date birth social security number no each every all their his her its case record"
    )
) | set(_PEOPLE)
_NEGATIONS = set(_words_in("never not no don t dont without must avoid do nor cannot"))
_OF = {"of", "for"}
_WINDOW = 4  # at most this many tokens from the person word to the kind of data
_SHORT = 12  # texts of at most this many tokens are labels: any mention refuses them
_OPENING = 3  # in long text, a mention starting this early in its sentence refuses it whatever precedes


def _fold(text: str) -> str:
    """Compatibility form, lower case, curly quotes straight, possessives dropped, '#' as 'number'."""
    s = unicodedata.normalize("NFKC", text).casefold()
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00b4", "'")
    s = re.sub(r"(?<=[^\W_])[_']s(?![^\W_])", "", s)  # victim's name, Victim_s_name (a defined name) -> victim name
    s = re.sub(r"(?<=s)'(?!\w)", "", s)  # victims' names -> victims names
    s = re.sub(r"\be[\s\-\u2010-\u2014.]?mails?\b", "email", s)
    s = re.sub(r"\b([^\W\d_]{1,3})\.", r"\1 ", s)  # abbreviations (Soc. Sec., D.O.B., No.) do not end a sentence
    return s.replace("#", " number ")


def _words(piece: str) -> list[str]:
    words = re.findall(r"[^\W_]+", piece)
    out: list[str] = []
    run: list[str] = []
    for w in [*words, ""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)  # S.S.N., D.O.B., D.L. come apart as single letters
            continue
        if len(run) >= 2:
            out.append("".join(run))
        elif run:
            out.append(run[0])
        run = []
        if w:
            out.append(w)
    return out


def _tokens(segment: str) -> list[str]:
    return _phrases(_words(segment), set())[0]


def _phrases(words: list[str], joined: set[int]) -> tuple[list[str], set[int]]:
    """Known phrases as one token each; *joined* positions carried over to the new positions."""
    out: list[str] = []
    moved: set[int] = set()
    i = 0
    while i < len(words):
        if i in joined:
            moved.add(len(out))
        for phrase, token in _PHRASE_INDEX.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.append(token)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out, moved


# Sentence-like pieces: a mention is judged within one of them. A separator between a kind of data and a
# person word ("Name (victim)", "Phone - client") joins them like "of" does.
_SEGMENTS = re.compile(r"[.;:!?\n\r]+(?:\s|$)|[\n\r]")
_JOINERS = re.compile(r"\s*[(\[/\\|_\u2013\u2014-]\s*")


def _mentions(tokens: list[str], joined: set[int]) -> list[tuple[int, str]]:
    """(position, kind) of each mention of identifying data in one segment's tokens."""
    staff = any(t in _STAFF for t in tokens)

    def person(j: int) -> bool:
        # "Contact person name" is staff data: the generic words count only away from staff words.
        return tokens[j] in _PEOPLE and not (staff and tokens[j] in _GENERIC_PEOPLE)

    found: list[tuple[int, str]] = []
    for i, t in enumerate(tokens):
        kind = _ON_THEIR_OWN.get(t)
        if kind and not (t == "FULLNAME" and staff):
            found.append((i, kind))
            continue
        if t in {"number", "no", "num"} and i and person(i - 1):
            found.append((i - 1, "an ID number"))  # "Client #", "victim no."
            continue
        kind = _NEEDS_PERSON.get(t)
        if not kind:
            continue
        # A person word before it, only small words between: "client phone", "victim/client name".
        for j in range(i - 1, max(-1, i - _WINDOW - 1), -1):
            if person(j):
                found.append((j, kind))
                break
            if tokens[j] not in _BETWEEN:
                break
        else:
            j = -1
        if found and found[-1] == (j, kind):
            continue
        # After it only when joined by "of"/"for" or a bracket, slash or dash: "name of victim", "Name (victim)".
        linked = False
        for j in range(i + 1, min(len(tokens), i + _WINDOW + 1)):
            linked = linked or j in joined
            if person(j) and linked:
                found.append((i, kind))
                break
            if tokens[j] in _OF:
                linked = True
            elif tokens[j] not in _BETWEEN:
                break
    return found


@lru_cache(maxsize=65536)
def identifying_label(text: str) -> str | None:
    """The kind of identifying data *text* announces ("a date of birth"), or None.

    A label, header or list item is refused on any mention; long prose only
    where a mention opens a sentence or no negation comes before it.
    """
    folded = _fold(text)
    if not re.search(r"[^\W\d_]", folded):
        return None
    segments = [s for s in _SEGMENTS.split(folded) if s.strip()]
    parsed = [_segment(s) for s in segments]
    total = sum(len(tokens) for tokens, _ in parsed)
    for tokens, joined in parsed:
        for position, kind in _mentions(tokens, joined):
            if total <= _SHORT or position < _OPENING or not (_NEGATIONS & set(tokens[:position])):
                return kind
    return None


def _segment(segment: str) -> tuple[list[str], set[int]]:
    """A segment's tokens, and the positions of tokens that follow a joining bracket, slash or dash."""
    words: list[str] = []
    joined: set[int] = set()
    for k, piece in enumerate(_JOINERS.split(segment)):
        if k:
            joined.add(len(words))
        words.extend(_words(piece))
    return _phrases(words, joined)


def person_sheet(sheet_name: str) -> bool:
    """Whether a sheet's name is about the people served ("Clients", "Victim list")."""
    return any(t in _PEOPLE for t in _tokens(_fold(sheet_name)))


def bare_kind(text: str) -> str | None:
    """The kind of data a header that is only one such word names ("Name", "Address"); for sheets about people."""
    tokens = _tokens(_fold(text))
    if len(tokens) == 1 or (len(tokens) == 2 and tokens[1] in {"number", "no"}):
        return _NEEDS_PERSON.get(tokens[0]) or _ON_THEIR_OWN.get(tokens[0])
    return None


# ---- Social Security numbers --------------------------------------------------------------------------

_SEP = r"(?:\s*[-\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d./_]\s*|\s+)"
_SSN_SEPARATED = re.compile(rf"(?<![\d$,.])(\d{{3}}){_SEP}(\d{{2}}){_SEP}(\d{{4}})(?![\d]|[.,]\d)")
_SSN_MASKED = re.compile(rf"(?:[x*#•]{{3}}|\d{{3}}){_SEP}(?:[x*#•]{{2}}){_SEP}\d{{4}}(?!\d)", re.IGNORECASE)
_SSN_BARE = re.compile(r"(?<![\d$,.\-\u2212])(\d{3})(\d{2})(\d{4})(?![\d]|[.,]\d)")


def _plausible(area: str, group: str, serial: str, *, strict: bool) -> bool:
    if area == "000" or group == "00" or serial == "0000":
        return False
    return not strict or not (area == "666" or area.startswith("9"))


def has_ssn(text: str, *, bare: bool = True) -> bool:
    """Whether *text* holds a Social Security number (or a number masked to its last four).

    Separated forms (``123-45-6789``, ``123 45 6789``, ``123.45.6789``, ``123–45–6789``)
    count unless a group is all zeros. Nine digits written together count only
    where *bare* is allowed (cell text) and the number could be issued (not 000,
    666 or 9xx area, nor 00 group, nor 0000 serial): a dollar amount is written
    with a $ or commas or as a number, a phone number has ten digits.
    """
    s = unicodedata.normalize("NFKC", text)
    if _SSN_MASKED.search(s):
        return True
    if any(_plausible(*m.groups(), strict=False) for m in _SSN_SEPARATED.finditer(s)):
        return True
    return bare and any(_plausible(*m.groups(), strict=True) for m in _SSN_BARE.finditer(s))


def ssn_format(code: str) -> bool:
    """Whether a cell number format displays its number as an SSN (Excel's Special: 000-00-0000)."""
    plain = re.sub(r'\[[^\]]*\]|["\\]', "", code)
    return bool(re.fullmatch(r"0{3}[-. ]?0{2}[-. ]?0{4}", plain.split(";")[0].strip()))


# ---- redaction of contact details in stored free text -------------------------------------------------

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[^\s@<>()\[\]{},;:\"]+@[^\s@<>()\[\]{},;:\"]+\.[^\W\d_]{2,}")
_EMAIL_WORDS = re.compile(r"\b\S+\s*[\[(]\s*at\s*[\])]\s*\S+\s*[\[(]\s*dot\s*[\])]\s*\S+", re.IGNORECASE)
_STREET = re.compile(
    # A house number, one to three street-name words that start with a capital or are ordinals, a suffix.
    r"\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][\w'.-]*|\d+(?:st|nd|rd|th))\s+){1,3}"
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|circle|cir|highway|hwy|"
    r"parkway|pkwy|terrace|ter|trail|trl|square|sq|alley|loop)\b\.?"
    r"(?:\s*,?\s*(?i:apt|apartment|unit|suite|ste|lot|room|rm|number)\.?\s*[\w-]+)?"
)
_PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\s+\d+\b", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _normalised(text: str) -> tuple[str, list[int]]:
    """NFKC text (full-width digits, @ and letters as ASCII), and for each of its characters the index in *text*."""
    if text.isascii():  # NFKC leaves ASCII as it is: most text, and the per-character walk is most of the cost
        return text, list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def _spans(norm: str) -> list[tuple[int, int]]:
    spans = [m.span() for pattern in (_EMAIL, _EMAIL_WORDS, _STREET, _PO_BOX, _IPV4) for m in pattern.finditer(norm)]
    try:
        matcher = phonenumbers.PhoneNumberMatcher(norm, "US", leniency=phonenumbers.Leniency.VALID)
        spans.extend((m.start, m.end) for m in matcher)
    except Exception:  # noqa: BLE001 - a matcher failure must not let a number through: redact every digit run
        spans.extend(m.span() for m in re.finditer(r"\+?\d[\d\s().\-/]{6,}\d", norm))
    return spans


def redact(text: str) -> tuple[str, bool]:
    """Text with e-mail addresses, phone numbers, street addresses and IP addresses replaced by [redacted].

    Each finding is widened to the whole whitespace-separated words it touches,
    so no part of an address is left behind; returns whether anything was.
    """
    if not text or not any(ch.isdigit() or ch in "@＠" or ch.isalpha() for ch in text):
        return text, False
    norm, where = _normalised(text)
    spans = _spans(norm)
    if not spans:
        return text, False
    hidden = [False] * len(text)
    for start, end in spans:
        a, b = where[start], where[end - 1] + 1
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        for k in range(a, b):
            hidden[k] = True
    out: list[str] = []
    for k, ch in enumerate(text):
        if not hidden[k]:
            out.append(ch)
        elif k == 0 or not hidden[k - 1]:
            out.append(REDACTED)
    return "".join(out), True

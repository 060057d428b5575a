"""The confidentiality guard: every text-bearing part of a workbook, checked before anything is kept.

A workbook is a zip of XML parts. The guard does not ask a spreadsheet reader
what the cells hold (a reader skips hidden content, stops at long blank runs
and never looks at comments or properties); it walks every part of the
package itself:

* every cell of every sheet, hidden or not, wherever it is: shared and inline
  text, formula text and its cached text, and numbers formatted as an SSN;
* sheet names, defined names, comments and notes (threaded and legacy),
  headers and footers, data-validation lists and input messages, hyperlinks
  and their targets, table column names, text boxes and charts, pivot caches,
  external-link caches, custom XML and the core, app and custom properties;
* any other XML part, generically: all of its text and attribute values;
* and beneath all of these, every element of every XML part (the list of content
  types and the links between parts included): its text, the text after it, its
  attribute values and any XML comment, whatever a walker above reads it for.

A part found clean is remembered by its digest for the life of the process, with what
was learnt from it, so the theme, styles and properties shared by every report made from
one template are walked once; a part that differs by one byte is walked again.

Parts that cannot be read as text (pictures, embedded objects, macro
projects, unknown binaries) fail closed: the file is refused, since what they
hold cannot be checked. The refusal names where (sheet, cell, part) and the
kind of data ("a date of birth"), never the text that was found.

It runs on the bytes, after the zip checks of ingest.workbook.safety and before any
reader, store or archive sees the file.

One exception, for the award register only (``uei_headers``): a cell under the register's
UEI header whose whole text is a well-formed SAM Unique Entity ID is not read as a bare
nine-digit SSN (HQ039038442C holds nine digits in a row and is a grantee's public ID); every
other check still applies to it, and progress reports get no exception at all.
"""

from __future__ import annotations

import hashlib
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from ingest.errors import FileRefused
from ingest.workbook.privacy import bare_kind, has_ssn, identifying_label, person_sheet, ssn_format
from ingest.workbook.safety import workbook_part
from ingest.workbook.sheets import HEADER_SEARCH_ROWS, header_key

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PICTURES = (".png", ".jpg", ".jpeg", ".jpe", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".webp", ".ico", ".emz", ".wdp", ".jxr")
# Binary parts that carry no content a person typed: printer set-up, obfuscated embedded fonts.
_HARMLESS_BINARY = re.compile(r"(^|/)(printerSettings\d*\.bin|[^/]+\.odttf|[^/]+\.fntdata)$", re.IGNORECASE)
_SHEETS_ABOUT_PRACTICES = {"survivorengagement", "survivorinvolvement", "survivorvoice"}
CellFacts = dict[str, dict[str, str]]
_STREAMED = {"row", "c", "si", "comment", "threadedComment"}
_NOT_TEXT_ATTRS = {"r", "s", "t", "spans", "ht", "x14ac:dyDescent", "customHeight", "style", "min", "max", "width"}
# SAM's UEI: 12 characters, no I or O (read as 1 and 0), never a leading 0. ASCII classes spelled out rather than
# IGNORECASE, which would let the Kelvin sign or a dotless i stand in for a letter; lower case is a UEI the register
# reader accepts (and stores upper-cased), so it is one here too.
_WELL_FORMED_UEI = re.compile(r"[A-HJ-NP-Za-hj-np-z1-9][A-HJ-NP-Za-hj-np-z0-9]{11}")
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
# Digests of parts already walked and found clean in this process, with what the walk learnt (a styles part's SSN and
# percent styles). Most parts besides the sheets (the theme, the styles, the properties) are byte for byte the same in
# every report made from one template, so each is walked once per process rather than once per file. A digest, not
# the text, is kept; a part that differs by one byte is walked again. Parts larger than this are not remembered.
_REMEMBERED_PART_BYTES = 1 << 20
_REMEMBERED_PARTS = 512
_Learnt = tuple[frozenset[int], frozenset[int]] | None  # a styles part's SSN and percent styles; None for other parts
_clean_parts: dict[bytes, _Learnt] = {}
_FIX = "Reports must never carry information that could identify a victim or anyone else served (VAWA confidentiality)."


@lru_cache(maxsize=4096)
def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""  # XML comments and instructions have no name


def _rid(elem: Any) -> str:
    """The r:id of an element, in the transitional or the strict namespace."""
    return next((v for k, v in elem.attrib.items() if k.endswith("}id") and "relationships" in k), "")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _kind_of(text: str | None, *, bare: bool = False) -> tuple[str, bool] | None:
    """(kind of identifying data, whether it is a value rather than a label) in *text*, or None."""
    if not text or text.isspace() or (text.isdigit() and len(text) != 9):
        return None  # most texts in a package are numbers and references: nothing to look at
    return _kind_of_text(text, bare)


@lru_cache(maxsize=65536)  # the same labels, styles and attribute values recur in every workbook
def _kind_of_text(text: str, bare: bool) -> tuple[str, bool] | None:
    if has_ssn(text, bare=bare):
        return "a Social Security number", True
    kind = identifying_label(text)
    return (kind, False) if kind else None


def _refuse(where: str, found: tuple[str, bool], action: str, sheet: str | None = None) -> FileRefused:
    kind, is_value = found
    what = f"holds what looks like {kind}" if is_value else f"mentions {kind} (a label or text about the people served)"
    return FileRefused("victim_identifying_data", f"{where} {what}. {_FIX} {action}", sheet=sheet, keep_values=False)


def _cell_action(found: tuple[str, bool]) -> str:
    """What to do about a finding in a cell: a value goes; a label goes with the values it heads."""
    if found[1]:
        return "Delete it, then send the report again."
    return "Delete it, and every value under or beside it, then send the report again."


@dataclass
class _SheetInfo:
    name: str
    position: int
    part: str
    name_ok: bool  # False when the sheet's own name is what gives data away: messages then use its position

    @property
    def label(self) -> str:
        return f"sheet '{self.name}'" if self.name_ok else f"the workbook's {_ordinal(self.position)} sheet"


@dataclass(frozen=True)
class _Scope:
    """How one part's text is read, and where a finding in it is said to be."""

    where: str
    action: str
    sheet: str | None = None
    typed: bool = False  # text people type: nine digits in a row count as an SSN
    own_text: frozenset[str] = frozenset()  # tags whose text the part's walker reads itself (joined runs, in context)
    cells: bool = False  # a worksheet: a finding inside a cell or a drop-down list names it


_SETTINGS = "Save the workbook again from the template, then send it again."


class _Guard:
    def __init__(self, archive: zipfile.ZipFile, uei_keys: frozenset[str] = frozenset()):
        self.archive = archive
        self.uei_keys = uei_keys  # header keys of the award register's UEI column; empty for progress reports
        self.uei_shared: set[int] = set()  # shared strings shown as a UEI under that header
        self.parts = {self._norm(info.filename): info for info in archive.infolist() if not info.is_dir()}
        self.shared: list[str] = []
        self.ssn_styles: frozenset[int] = frozenset()
        self.percent_styles: frozenset[int] = frozenset()
        # Facts about cells that a reader loses: sheet name -> {A1 ref: "error:#N/A" | "formula" | "percent"}.
        self.facts: CellFacts = {}
        self.sheet_of_part: dict[str, _SheetInfo] = {}
        self.owner: dict[str, _SheetInfo] = {}  # comments, tables, drawings -> the sheet they belong to
        self.checked: set[str] = set()

    # ---- the package --------------------------------------------------------------------------------

    @staticmethod
    def _norm(name: str) -> str:
        return name.replace("\\", "/").lstrip("/")

    def _rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationships of *part*: id -> (type, resolved target, external)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str, bool]] = {}
        if rels not in self.parts:
            return out
        for elem in self._elements(rels, _Scope("A link in the workbook", "Remove the link, then send the report again.")):
            if _local(elem.tag) != "Relationship":
                continue
            target = self._norm(elem.get("Target", "")) if elem.get("TargetMode") != "External" else elem.get("Target", "")
            external = elem.get("TargetMode") == "External"
            if not external and not elem.get("Target", "").startswith("/"):
                target = posixpath.normpath(posixpath.join(folder, target))
            out[elem.get("Id", "")] = (elem.get("Type", ""), target, external)
        return out

    def _elements(self, part: str, scope: _Scope) -> Iterator[Any]:
        """Each element of an XML part as it closes; rows, cells, strings and comments are dropped once seen,
        so memory stays flat whatever the part's size.

        Every element of every part gets the same check, here, once its walker has read it: its text, the text after
        it and its attribute values. A walker reads some elements for what they mean (a cell, a sheet's name), with
        a message that says where; no walker's choice of what to read can leave any text of a part unchecked."""
        self.checked.add(part)
        try:
            with self.archive.open(self.parts[part]) as stream:
                # No entities, no DTD, no network: a hostile part cannot reach outside itself (ingest.workbook.safety
                # has refused any part that declares a DOCTYPE already).
                events = etree.iterparse(stream, events=("end", "comment", "pi"), resolve_entities=False, no_network=True, load_dtd=False)
                for event, elem in events:
                    if event != "end":
                        found = _kind_of(elem.text)
                        if found:
                            raise _refuse(f"A hidden note inside the workbook ({part})", found, "Save the workbook again from Excel.")
                        continue
                    yield elem
                    self._baseline(elem, scope)
                    if _local(elem.tag) in _STREAMED:
                        parent = elem.getparent()
                        if parent is not None:
                            parent.remove(elem)
        except FileRefused:
            raise
        except Exception:  # noqa: BLE001 - a part that cannot be parsed cannot be checked: fail closed
            raise FileRefused(
                "corrupt_file",
                f"A part of the workbook ({part}) is damaged and cannot be checked, so the file is refused unread. "
                "Save the workbook again from Excel and send it again.",
                keep_values=False,
            ) from None

    def _baseline(self, elem: Any, scope: _Scope) -> None:
        text = elem.text
        if text and not (text.isdigit() and len(text) != 9) and _local(elem.tag) not in scope.own_text:
            found = _kind_of_text(text, scope.typed) if not text.isspace() else None
            if found:
                raise self._baseline_refusal(elem, scope, found)
        tail = elem.tail
        if tail and not (tail.isdigit() and len(tail) != 9):
            found = _kind_of_text(tail, scope.typed) if not tail.isspace() else None
            if found:
                raise self._baseline_refusal(elem, scope, found)
        for name, value in elem.items():
            # Most attributes are a cell's reference, style or type, or a number: nothing to look at.
            if name in _NOT_TEXT_ATTRS or not value or (value.isdigit() and len(value) != 9) or _local(name) in _NOT_TEXT_ATTRS:
                continue
            found = _kind_of_text(value, False) if not value.isspace() else None
            if found:
                raise self._baseline_refusal(elem, scope, found)

    @staticmethod
    def _baseline_refusal(elem: Any, scope: _Scope, found: tuple[str, bool]) -> FileRefused:
        """The refusal of a finding, naming the cell or drop-down list it is in on a worksheet."""
        node = elem
        while scope.cells and node is not None:
            tag = _local(node.tag)
            if tag == "c":
                return _refuse(f"{scope.where} cell {node.get('r', '?')}", found, _cell_action(found), scope.sheet)
            if tag == "dataValidation":
                return _refuse(
                    f"A drop-down list or input message on {scope.where[0].lower()}{scope.where[1:]} (cells {node.get('sqref', '?')})",
                    found,
                    "Remove it (Data > Data Validation > Clear All), then send the report again.",
                    scope.sheet,
                )
            node = node.getparent()
        return _refuse(scope.where, found, scope.action, scope.sheet)

    def run(self) -> None:
        self._binary_parts()
        book = self._workbook_part()
        rels = self._rels(book)
        for rel_type, target, _ext in rels.values():
            if rel_type.endswith("/styles") and target in self.parts:
                self._styles(target)
            elif rel_type.endswith("/sharedStrings") and target in self.parts:
                self._shared_strings(target)
        if not self.shared and "xl/sharedStrings.xml" in self.parts:
            self._shared_strings("xl/sharedStrings.xml")  # a package whose relationships do not name it
        sheets = self._workbook(book, rels)
        for info in sheets:
            if info.part in self.parts:
                self._sheet(info)
        # Sheets the workbook part does not list (or lists by a broken link) are still sheets of the file.
        stray = [p for p in sorted(self.parts) if re.search(r"(work|chart|dialog|macro)sheets/[^/]+\.xml$", p) and p not in self.checked]
        for k, part in enumerate(stray, start=len(sheets) + 1):
            self._sheet(_SheetInfo(part, k, part, False))
        for index, text in enumerate(self.shared):  # text stored in the package that no cell shows
            if index in self.uei_shared:
                continue  # shown in a UEI cell, and checked there; any other cell showing it was checked in full
            found = _kind_of(text, bare=True)
            if found:
                raise _refuse("Text stored in the workbook but not shown in any cell", found, "Save a clean copy from the template.")
        for part in sorted(self.parts):
            if part not in self.checked and part.lower().endswith(_XML_SUFFIXES):
                self._generic(part)

    def _workbook_part(self) -> str:
        found = workbook_part(self.archive)  # read from the package's relationships, as the byte checks do
        if found is None:
            raise FileRefused("not_a_workbook", "The file has no workbook in it. Save it from Excel as .xlsx and send it again.")
        return self._norm(found)

    def _binary_parts(self) -> None:
        for part in self.parts:
            lower = part.lower()
            if lower.endswith(_XML_SUFFIXES) or _HARMLESS_BINARY.search(part):
                continue
            if lower.endswith(_PICTURES):
                raise FileRefused(
                    "uncheckable_content",
                    "The workbook holds a picture. A picture cannot be checked for information that identifies a victim "
                    "(a photo or a scanned form could), so the workbook is refused unread. Delete the pictures (logos "
                    "included) and send it again.",
                    keep_values=False,
                )
            if lower.endswith("vbaproject.bin") or "/vba" in lower:
                raise FileRefused(
                    "uncheckable_content",
                    "The workbook carries macros (a VBA project), which cannot be checked for information that identifies "
                    "a victim, so it is refused unread. Save it as an Excel Workbook (.xlsx, without macros) and send it again.",
                    keep_values=False,
                )
            raise FileRefused(
                "uncheckable_content",
                "The workbook holds an embedded object or file (another document, an attachment or a control) that cannot "
                "be checked for information that identifies a victim, so it is refused unread. Delete embedded objects "
                "(Insert > Object) and send it again.",
                keep_values=False,
            )

    # ---- the workbook part: sheet names, defined names --------------------------------------------

    def _workbook(self, book: str, rels: dict[str, tuple[str, str, bool]]) -> list[_SheetInfo]:
        sheets: list[_SheetInfo] = []
        for elem in self._elements(book, _Scope("The workbook's settings", _SETTINGS)):
            tag = _local(elem.tag)
            if tag == "sheet":
                name = elem.get("name", "")
                rel = rels.get(_rid(elem), ("", "", False))
                info = _SheetInfo(name, len(sheets) + 1, rel[1], True)
                found = _kind_of(name)
                if found:
                    info.name_ok = False
                    raise _refuse(f"The name of the {info.label}", found, "Rename the sheet (or delete it), then send the report again.")
                sheets.append(info)
                self.sheet_of_part[info.part] = info
            elif tag == "definedName":
                found = _kind_of(elem.get("name")) or _kind_of(elem.text)
                if found:
                    raise _refuse(
                        "A defined name of the workbook (Formulas > Name Manager)",
                        found,
                        "Delete or rename it, then send the report again.",
                    )
        return sheets

    def _digest(self, part: str, how: bytes) -> bytes | None:
        """The SHA-256 of a part's bytes and of how it is checked (*how*); None for a part too large to remember."""
        info = self.parts[part]
        if info.file_size > _REMEMBERED_PART_BYTES:
            return None
        try:
            with self.archive.open(info) as stream:
                data = stream.read(_REMEMBERED_PART_BYTES + 1)
        except Exception:  # noqa: BLE001 - a part that cannot be read is walked, and refused there
            return None
        return hashlib.sha256(how + b"\0" + data).digest() if len(data) <= _REMEMBERED_PART_BYTES else None

    @staticmethod
    def _remember(digest: bytes | None, learnt: _Learnt = None) -> None:
        if digest is None:
            return
        if len(_clean_parts) >= _REMEMBERED_PARTS:
            del _clean_parts[next(iter(_clean_parts))]  # the oldest first
        _clean_parts[digest] = learnt

    def _styles(self, part: str) -> None:
        """Which cell styles show a number as an SSN (Excel's Special format 000-00-0000)."""
        digest = self._digest(part, b"styles")
        if digest in _clean_parts:
            self.checked.add(part)
            self.ssn_styles, self.percent_styles = _clean_parts[digest] or (frozenset(), frozenset())
            return
        formats: dict[int, str] = {}
        xfs: list[int] = []  # cell styles (s="n" on a cell) index cellXfs, not cellStyleXfs
        done = False
        for elem in self._elements(part, _Scope("The workbook's cell styles", _SETTINGS)):
            tag = _local(elem.tag)
            if tag == "numFmt":
                formats[int(elem.get("numFmtId", "0") or 0)] = elem.get("formatCode", "")
            elif tag == "xf" and not done:
                xfs.append(int(elem.get("numFmtId", "0") or 0))
            elif tag == "cellStyleXfs":
                xfs = []  # the styles of named cell styles come first; cells index the list after them
            elif tag == "cellXfs":
                done = True
        self.ssn_styles = frozenset(i for i, fmt in enumerate(xfs) if ssn_format(formats.get(fmt, "")))
        self.percent_styles = frozenset(
            i for i, fmt in enumerate(xfs) if fmt in (9, 10) or "%" in re.sub(r'"[^"]*"|\\.', "", formats.get(fmt, ""))
        )
        self._remember(digest, (self.ssn_styles, self.percent_styles))

    def _shared_strings(self, part: str) -> None:
        # Each string's text is read whole (runs joined) where a cell shows it, or at the end; the rest of the part here.
        scope = _Scope("Text stored in the workbook", "Save a clean copy from the template.", typed=True, own_text=frozenset({"t"}))
        for elem in self._elements(part, scope):
            if _local(elem.tag) == "si":
                self.shared.append("".join(t.text or "" for t in elem.iter() if _local(t.tag) == "t"))

    # ---- worksheets -------------------------------------------------------------------------------

    def _sheet(self, info: _SheetInfo) -> None:
        about_people = person_sheet(info.name) and re.sub(r"\W", "", info.name.lower()) not in _SHEETS_ABOUT_PRACTICES
        where = info.label[0].upper() + info.label[1:]
        rels = self._rels(info.part)
        for _type, target, external in rels.values():
            if not external:
                self.owner[target] = info
        uei_columns: dict[str, int] = {}  # column letters -> row of the UEI header above them, on this sheet only
        for elem in self._elements(info.part, _Scope(where, "Delete it, then send the report again.", info.name, cells=True)):
            tag = _local(elem.tag)
            if tag == "c":
                self._cell(elem, info, where, about_people, uei_columns)
            elif tag in {"oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}:
                found = _kind_of(re.sub(r"&(\"[^\"]*\"|[A-Za-z]|\d+)", " ", elem.text or ""), bare=True)
                if found:
                    raise _refuse(
                        f"The page header or footer of {info.label}",
                        found,
                        "Remove it (Page Layout > Page Setup > Header/Footer), then send the report again.",
                        info.name,
                    )
            elif tag == "dataValidation":
                self._validation(elem, info)
            elif tag == "hyperlink":
                target = rels.get(_rid(elem), ("", "", False))[1]
                for text in (elem.get("display"), elem.get("tooltip"), elem.get("location"), target):
                    found = _kind_of(text)
                    if found:
                        raise _refuse(
                            f"A hyperlink on {info.label} at {elem.get('ref', '?')}",
                            found,
                            "Remove the link (right-click > Remove Hyperlink), then send the report again.",
                            info.name,
                        )

    def _cell(self, elem: Any, info: _SheetInfo, where: str, about_people: bool, uei_columns: dict[str, int]) -> None:
        ref = elem.get("r", "?")
        kind = elem.get("t", "n")
        value: str | None = None
        formula: str | None = None
        seen_value = has_formula = False
        inline: list[Any] = []
        for child in elem:  # one pass over the cell's children: its first value, its first formula, its inline text
            tag = _local(child.tag)
            if tag == "v" and not seen_value:
                value, seen_value = child.text, True
            elif tag == "f" and not has_formula:
                formula, has_formula = child.text, True
            elif tag == "is":
                inline.append(child)
        texts: list[str] = []
        shared = -1
        if kind == "s" and value is not None:
            try:
                shared = int(value)
                texts.append(self.shared[shared])
            except (ValueError, IndexError):
                raise FileRefused(
                    "corrupt_file",
                    f"{where} cell {ref} points at text the workbook does not hold; the file is damaged. "
                    "Save it again from Excel and send it again.",
                    sheet=info.name,
                    keep_values=False,
                ) from None
        elif kind == "inlineStr":
            texts.extend("".join(t.text or "" for t in child.iter() if _local(t.tag) == "t") for child in inline)
        elif kind in {"str", "e"} and value:
            texts.append(value)
        style = int(elem.get("s", "0") or 0)
        if kind == "e":
            self.facts.setdefault(info.name, {})[ref] = f"error:{(value or '').strip()}"
        elif has_formula and not value:
            self.facts.setdefault(info.name, {})[ref] = "formula"
        elif kind == "n" and value and style in self.percent_styles:
            self.facts.setdefault(info.name, {})[ref] = "percent"
        if kind == "n" and value is not None and style in self.ssn_styles:
            raise _refuse(
                f"{where} cell {ref}",
                ("a Social Security number", True),
                "(the cell is formatted as one). Delete it, then send the report again.",
                info.name,
            )
        bare = True
        if self.uei_keys and len(texts) == 1 and self._uei(ref, texts[0], uei_columns):
            bare = False  # a UEI is read for everything but a bare nine-digit run
            if shared >= 0:
                self.uei_shared.add(shared)
        for text in texts:
            found = _kind_of(text, bare=bare)
            if found:
                raise _refuse(f"{where} cell {ref}", found, _cell_action(found), info.name)
            if about_people:
                named = bare_kind(text)
                if named:
                    raise _refuse(
                        f"{where} cell {ref}",
                        (named, False),
                        "(the sheet is about the people served). Delete the column, then send the report again.",
                        info.name,
                    )
        found = _kind_of(formula)
        if found:
            raise _refuse(f"{where} cell {ref} (its formula)", found, "Delete it, then send the report again.", info.name)

    def _uei(self, ref: str, text: str, columns: dict[str, int]) -> bool:
        """Whether the cell at *ref* is a well-formed UEI under a UEI header of its sheet; a UEI header in the first
        rows (where the register reader looks for its header row) is noted in *columns* as it streams past."""
        at = _CELL_REF.fullmatch(ref)
        if at is None:
            return False  # a cell with no reference has no column the guard can be sure of: no exception
        column, row = at.group(1), int(at.group(2))
        if row <= HEADER_SEARCH_ROWS and header_key(text) in self.uei_keys:
            columns.setdefault(column, row)
            return False
        header = columns.get(column)
        return header is not None and row > header and _WELL_FORMED_UEI.fullmatch(text.strip()) is not None

    def _validation(self, elem: Any, info: _SheetInfo) -> None:
        texts = [elem.get(a) for a in ("promptTitle", "prompt", "errorTitle", "error")]
        for child in elem.iter():
            if _local(child.tag) in {"formula1", "formula2", "f"} and child.text:
                formula = html.unescape(child.text)
                texts.append(formula)
                if formula.startswith('"'):
                    texts.extend(formula.strip('"').split(","))
        for text in texts:
            found = _kind_of(text)
            if found:
                raise _refuse(
                    f"A drop-down list or input message on {info.label} (cells {elem.get('sqref', '?')})",
                    found,
                    "Remove it (Data > Data Validation > Clear All), then send the report again.",
                    info.name,
                )

    # ---- everything else -----------------------------------------------------------------------------

    def _where(self, part: str) -> tuple[str, str, str | None]:
        """(where, what to do, sheet name) for a part other than the workbook and its sheets."""
        lower = part.lower()
        owner = self.owner.get(part)
        on = f" on {owner.label}" if owner else ""
        sheet = owner.name if owner and owner.name_ok else None
        if lower.startswith("docprops/"):
            return "The workbook's document properties (File > Info > Properties)", "Clear them, then send the report again.", None
        if "comment" in lower or lower.endswith(".vml") or "/persons/" in lower:
            return f"A comment or note{on}", "Delete the comment (Review > Delete), then send the report again.", sheet
        if "/tables/" in lower:
            return f"A table{on}", "Rename its column, or delete it and its values, then send the report again.", sheet
        if "/drawings/" in lower or "/charts/" in lower:
            return "A text box, shape or chart in the workbook", "Delete it, then send the report again.", sheet
        if "/pivotcache" in lower or "/pivottables/" in lower:
            return "A pivot table's saved data", "Delete the pivot table, then send the report again.", None
        if "/externallinks/" in lower:
            return "A link to another workbook (Data > Edit Links)", "Break the link, then send the report again.", None
        if lower.endswith(".rels"):
            return "A link in the workbook", "Remove the link, then send the report again.", None
        return f"A part of the workbook ({part})", "Save the workbook again from the template, then send it again.", None

    def _generic(self, part: str, recheck: bool = False) -> None:
        if part in self.checked and not recheck:
            return
        where, action, sheet = self._where(part)
        if part.lower().endswith(".vml"):
            self._vml(part, where, action, sheet)
            return
        # Text people type (comments, properties) is read like cell text; numbers cached by charts are not.
        typed = any(key in part.lower() for key in ("comment", "docprops/", "/persons/"))
        digest = self._digest(part, b"typed" if typed else b"generic")
        if digest in _clean_parts:
            self.checked.add(part)
            return
        for _elem in self._elements(part, _Scope(where, action, sheet, typed=typed)):
            pass  # every element's text and attributes are checked as they stream past
        self._remember(digest)

    def _vml(self, part: str, where: str, action: str, sheet: str | None) -> None:
        # Excel writes VML that is not well-formed XML (<br> with no end tag): read its text without a parser.
        self.checked.add(part)
        with self.archive.open(self.parts[part]) as stream:
            raw = stream.read().decode("utf-8", errors="replace")
        for text in re.split(r"<[^>]*>", raw):
            found = _kind_of(html.unescape(text), bare=True)
            if found:
                raise _refuse(where, found, action, sheet)
        for value in re.findall(r'=\s*"([^"]*)"', raw):
            found = _kind_of(html.unescape(value))
            if found:
                raise _refuse(where, found, action, sheet)


def check_package(data: bytes, package: zipfile.ZipFile | None = None, *, uei_headers: Collection[str] = ()) -> CellFacts:
    """Refuse (FileRefused, keeping no values) a workbook that carries victim-identifying data anywhere.

    Returns what the walk learnt that a reader loses: which cells show an Excel error, hold
    a formula with no saved result, or are formatted as a percentage (per sheet name and A1 ref).
    *package* is the zip of *data* as ingest.workbook.safety.check_bytes opened it: every part
    is still read here, from it, rather than from a second opening of the file.
    *uei_headers* are the award register's names for its UEI column (only the register passes
    them): a cell below one of them (the header in its sheet's first rows, where the register
    reader looks) whose whole text is a well-formed UEI is not read as a bare nine-digit SSN.
    """
    uei_keys = frozenset(key for key in map(header_key, uei_headers) if key)
    if package is not None:
        guard = _Guard(package, uei_keys)
        guard.run()
        return guard.facts
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(
            "corrupt_file", "The workbook is damaged and cannot be opened. Save it again from Excel and send it again.", keep_values=False
        ) from None
    with archive:
        guard = _Guard(archive, uei_keys)
        guard.run()
    return guard.facts

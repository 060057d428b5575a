"""Checks made on a file's bytes before any spreadsheet parser sees them.

A hostile or broken file must become a plain refusal, never a crash or a
machine brought to its knees: so the size, the kind of file, the zip's
expansion, XML entity declarations and the range each sheet spans are all
checked first.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any, Literal

import defusedxml.ElementTree as SafeET

from ingest.config import Settings
from ingest.errors import FileRefused
from ingest.workbook.sheets import cell_ref

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "Open it in Excel and use Save As > Excel Workbook (.xlsx), then send it again."
# Excel's grid: no cell lies beyond column XFD or row 1,048,576.
EXCEL_ROWS = 1_048_576
EXCEL_COLS = 16_384
_REF = re.compile(r"\$?([A-Za-z]{1,7})\$?([0-9]{1,10})")  # a cell's A1 reference, as the reader accepts it
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = re.compile(r"/(?:worksheet|chartsheet|dialogsheet|macrosheet|xlMacrosheet|xlIntlMacrosheet)$")


def _describe_non_zip(head: bytes) -> str:
    """A guess at what a non-workbook file is, for the message."""
    lowered = head[:512].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML) saved with an .xlsx name"
    if lowered.startswith(b"<?xml"):
        return "an XML file (perhaps the old Excel 2003 XML format)"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "not an Excel workbook"
    if "," in text or ";" in text or "\t" in text:
        return "a CSV or text file renamed to .xlsx"
    return "a text file, not an Excel workbook"


# Parts up to this size are decompressed once and kept while the file is checked and read, so
# the byte checks, the guard and the reader do not each unzip them again; larger parts are
# streamed every time. The parts kept are bounded by the declared sizes, which the zip-bomb
# check has bounded already, and by KEEP_TOTAL_BYTES.
KEEP_PART_BYTES = 4 * 1024 * 1024
KEEP_TOTAL_BYTES = 64 * 1024 * 1024
_UNREAD = object()


class Package(zipfile.ZipFile):
    """A workbook's zip, opened once for every check; small parts are decompressed once.

    Opening a part that cannot be read in full (damaged, a bad checksum) gives the plain
    stream, so its error comes exactly where it would without the copy kept.
    """

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.data = data
        self._kept: dict[int, bytes] = {}  # by the entry's offset: two entries may share a name
        self._kept_bytes = 0
        self.book: object = _UNREAD  # the workbook part, once found

    def open(self, name: Any, mode: Literal["r", "w"] = "r", pwd: bytes | None = None, **kwargs: Any) -> IO[bytes]:
        if mode != "r" or pwd is not None or kwargs:
            return super().open(name, mode, pwd, **kwargs)
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        kept = self._kept.get(info.header_offset)
        if kept is None:
            if info.file_size > KEEP_PART_BYTES or self._kept_bytes + info.file_size > KEEP_TOTAL_BYTES:
                return super().open(info)
            try:
                with super().open(info) as stream:
                    kept = stream.read(KEEP_PART_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError, RuntimeError):
                return super().open(info)
            if len(kept) > KEEP_PART_BYTES:
                return super().open(info)
            self._kept[info.header_offset] = kept
            self._kept_bytes += len(kept)
        return io.BytesIO(kept)


def _entries(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name as the package means it (forward slashes, no leading slash, any case) -> zip entry name."""
    return {info.filename.replace("\\", "/").lstrip("/").lower(): info.filename for info in archive.infolist()}


def workbook_part(archive: zipfile.ZipFile) -> str | None:
    """The zip entry of the workbook part, found as the package's relationships say (not by a fixed name).

    Excel writes xl/workbook.xml; other programs put it elsewhere, at the package root, or
    write the paths with backslashes. None when the package has no workbook part.
    """
    if isinstance(archive, Package) and archive.book is not _UNREAD:
        return archive.book  # type: ignore[return-value]
    found = _workbook_part(archive)
    if isinstance(archive, Package):
        archive.book = found
    return found


def _workbook_part(archive: zipfile.ZipFile) -> str | None:
    entries = _entries(archive)
    rels = entries.get("_rels/.rels")
    if rels is not None:
        try:
            root = SafeET.fromstring(archive.read(rels))
        except (SafeET.ParseError, ValueError, zipfile.BadZipFile, OSError, EOFError):
            root = None
        for rel in root.iter() if root is not None else ():
            if rel.attrib.get("Type", "").endswith("/officeDocument") and rel.attrib.get("TargetMode") != "External":
                target = posixpath.normpath(rel.attrib.get("Target", "").replace("\\", "/").lstrip("/")).lower()
                if target in entries and target.endswith(".xml"):
                    return entries[target]
    return entries.get("xl/workbook.xml")


def standard_package(data: bytes, package: zipfile.ZipFile | None = None) -> bytes:
    """The package with its workbook at xl/workbook.xml and forward slashes, as the reader expects.

    Some programs write the workbook part elsewhere or its paths with backslashes; the
    package's own relationships say where everything is, so the parts are renamed and the
    workbook's links made absolute. A package already in Excel's layout comes back as it is.
    Call it only after :func:`check_bytes` (and the guard) accepted *data*; *package* is
    the one :func:`check_bytes` returned, read again rather than opened again.
    """
    archive = package if package is not None else zipfile.ZipFile(io.BytesIO(data))
    book = workbook_part(archive)
    names = [info.filename for info in archive.infolist()]
    if book == "xl/workbook.xml" and not any("\\" in n or n.startswith("/") for n in names):
        return data
    if book is None:
        return data
    book_path = book.replace("\\", "/").lstrip("/")
    folder, base = posixpath.split(book_path)
    book_rels = posixpath.join(folder, "_rels", base + ".rels")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in archive.infolist():
            name = info.filename.replace("\\", "/").lstrip("/")
            body = archive.read(info.filename)
            if name.lower() == book_path.lower():
                name = "xl/workbook.xml"
            elif name.lower() == book_rels.lower():
                name = "xl/_rels/workbook.xml.rels"

                def absolute(m: re.Match[bytes]) -> bytes:
                    target = m.group(2).decode("utf-8", "replace").replace("\\", "/")
                    if target.startswith("/") or "://" in target:
                        return m.group(0)
                    return m.group(1) + ("/" + posixpath.normpath(posixpath.join(folder, target))).encode() + m.group(3)

                body = re.sub(rb'(Target=")([^"]*)(")', absolute, body)
            elif name == "_rels/.rels":
                target = re.escape(book.replace("\\", "/").lstrip("/")).encode().replace(b"/", rb"[/\\]")
                body = re.sub(rb'Target="[/\\]?' + target + rb'"', b'Target="/xl/workbook.xml"', body, flags=re.IGNORECASE)
            elif name == "[Content_Types].xml":
                body = body.replace(("/" + book_path).encode(), b"/xl/workbook.xml")
            dst.writestr(name, body)
    return out.getvalue()


def _not_a_workbook(archive: zipfile.ZipFile) -> str:
    """What a zip that is not an .xlsx workbook is, and how to make one of it."""
    entries = _entries(archive)
    mimetype = archive.read(entries["mimetype"]).decode("ascii", "replace").strip() if "mimetype" in entries else ""
    if "xl/workbook.bin" in entries:
        return (
            "The file is an Excel Binary Workbook (.xlsb), which is not accepted. "
            "Open it in Excel and use Save As > Excel Workbook (.xlsx), then send it again."
        )
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
        return (
            "The file is an OpenDocument spreadsheet (.ods, from LibreOffice or OpenOffice), which is not accepted. "
            "In LibreOffice use File > Save As and choose Excel 2007-365 (.xlsx), then send it again."
        )
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        return f"The file is an OpenDocument file (LibreOffice), not a spreadsheet workbook. {_RESAVE}"
    if "word/document.xml" in entries:
        return f"The file is a Word document. {_RESAVE}"
    if "ppt/presentation.xml" in entries:
        return f"The file is a PowerPoint presentation. {_RESAVE}"
    return f"The file is a zip archive, not an Excel workbook. {_RESAVE}"


def check_bytes(data: bytes, cfg: Settings) -> Package:
    """Refuse (raise FileRefused) anything that is not a safe, plausible .xlsx/.xlsm.

    Returns the package, opened once, for the guard and the reader to read in turn.
    """
    if len(data) > cfg.max_file_bytes:
        raise FileRefused(
            "file_too_large",
            f"The file is {len(data) / 1e6:.1f} MB, over the {cfg.max_file_bytes / 1e6:.0f} MB limit. "
            "Remove pictures or unused sheets and send it again.",
        )
    if not data:
        raise FileRefused("empty_file", "The file is empty (0 bytes). Send the saved workbook again.")
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise FileRefused(
                "encrypted_file",
                "The workbook is protected with a password, so it cannot be read. "
                "Remove the password (File > Info > Protect Workbook) and send it again.",
            )
        raise FileRefused("xls_format", f"This is an old Excel 97-2003 (.xls) file, which is not accepted. {_RESAVE}")
    if not data.startswith(b"PK"):
        raise FileRefused("not_a_workbook", f"The file is not an Excel workbook: it looks like {_describe_non_zip(data)}. {_RESAVE}")
    try:
        archive = Package(data)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise FileRefused("corrupt_file", f"The workbook is damaged and cannot be opened ({e}). {_RESAVE}") from None
    expanded = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if expanded > cfg.max_expanded_bytes or expanded / packed > cfg.max_expansion_ratio:
        raise FileRefused(
            "zip_bomb",
            f"The workbook would expand to {expanded / 1e6:,.0f} MB ({expanded / packed:,.0f} times its size), "
            "past the safe limit; it is refused unread. Send a normal workbook saved by Excel.",
        )
    if workbook_part(archive) is None:
        raise FileRefused("not_a_workbook", _not_a_workbook(archive))
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(entry) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileRefused(
                    "xml_entities",
                    f"The workbook part {entry.filename} declares XML entities, which Excel never writes "
                    "and attacks use; it is refused unread. Save it again from Excel.",
                )
    check_sheet_extents(archive, cfg.max_sheet_cells)
    return archive


@dataclass
class Extent:
    """The rows and columns a sheet spans (0-based, inclusive), as the reader would lay its cells out."""

    top: int = -1
    left: int = -1
    bottom: int = -1
    right: int = -1

    def add(self, row: int, col: int) -> None:
        if self.top < 0:
            self.top, self.left, self.bottom, self.right = row, col, row, col
            return
        self.top, self.bottom = min(self.top, row), max(self.bottom, row)
        self.left, self.right = min(self.left, col), max(self.right, col)

    @property
    def rows(self) -> int:
        return self.bottom - self.top + 1 if self.top >= 0 else 0

    @property
    def cols(self) -> int:
        return self.right - self.left + 1 if self.left >= 0 else 0

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def ref(self) -> str:
        return f"{cell_ref(self.top, self.left)}:{cell_ref(self.bottom, self.right)}"


def _column(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


def _parse_ref(text: str) -> tuple[int, int] | None:
    """0-based (row, col) of an A1 reference, or None when it is not one."""
    m = _REF.fullmatch(text.strip())
    if not m:
        return None
    return int(m.group(2)) - 1, _column(m.group(1))


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip entry -> sheet name, for every part the reader may open as a sheet.

    The workbook's relationships say where its sheets are (a hostile file may put one
    anywhere); every part under xl/worksheets/ is included as well.
    """
    entries = _entries(archive)
    found = {name: posixpath.basename(name) for key, name in entries.items() if "worksheets/" in key and key.endswith(".xml")}
    book_part = workbook_part(archive) or "xl/workbook.xml"
    folder, base = posixpath.split(book_part.replace("\\", "/").lstrip("/").lower())
    try:
        rels = SafeET.fromstring(archive.read(entries.get(posixpath.join(folder, "_rels", base + ".rels"), "xl/_rels/workbook.xml.rels")))
        book = SafeET.fromstring(archive.read(book_part))
    except (KeyError, SafeET.ParseError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        return found  # the reader cannot find its sheets either, and refuses the file itself
    names = {}
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if rid:
                names[rid] = sheet.attrib.get("name", rid)
    for rel in rels.iter(f"{{{_RELS_NS}}}Relationship"):
        target, kind = rel.attrib.get("Target", ""), rel.attrib.get("Type", "")
        if not _SHEET_TYPE.search(kind) or rel.attrib.get("TargetMode") == "External":
            continue
        target = target.replace("\\", "/")
        path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)).lower()
        name = entries.get(path)
        if name is not None:
            found[name] = names.get(rel.attrib.get("Id", ""), posixpath.basename(name))
    return found


class _Stop(Exception):
    """Raised from inside the XML scan to stop it at the first reason to refuse."""

    def __init__(self, refusal: FileRefused):
        self.refusal = refusal


def _scan_sheet(part: IO[bytes], sheet: str, max_cells: int) -> None:
    """Stream one sheet's XML and refuse it if its declared or real range is past *max_cells*.

    Cells are laid out as the reader does: a cell's own reference, else one column right of
    the previous cell; a row's own number, else the row after the previous one. Formatted
    blank cells count too: they are part of the range Excel reports as used (Ctrl+End).
    """
    extent = Extent()
    row, col = -1, 0  # the first row without a number is row 0
    columns: dict[str, int] = {}

    def corrupt(what: str) -> _Stop:
        return _Stop(
            FileRefused(
                "corrupt_file",
                f"Sheet '{sheet}' has {what}, which Excel never writes; the file is refused unread. {_RESAVE}",
                sheet=sheet,
            )
        )

    def too_large(ref: str, rows: int, cols: int, declared: bool) -> _Stop:
        how = "declares that it uses" if declared else "has cells spread over"
        return _Stop(
            FileRefused(
                "sheet_too_large",
                f"Sheet '{sheet}' {how} the range {ref} ({rows:,} rows x {cols:,} columns), past the {max_cells:,} cells "
                "a report sheet may span, so it is refused unread. Delete the rows and columns beyond your data "
                "(Ctrl+End in Excel goes to the last cell in use), save, and send it again.",
                sheet=sheet,
            )
        )

    def place(r: int, c: int, text: str) -> None:
        if not (0 <= r < EXCEL_ROWS and 0 <= c < EXCEL_COLS):
            raise corrupt(f"a cell at '{text[:20]}', beyond Excel's last row (1,048,576) or column (XFD)")
        if extent.top < 0 or r < extent.top or r > extent.bottom or c < extent.left or c > extent.right:
            extent.add(r, c)
            if extent.cells > max_cells:
                raise too_large(extent.ref(), extent.rows, extent.cols, declared=False)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row, col
        if ":" in tag:  # a namespace prefix (x:c): the reader matches local names
            tag = tag.rsplit(":", 1)[1]
        if tag == "c":
            ref = attrs.get("r")
            if ref is None:
                place(row, col, f"row {row + 1}, column {col + 1}")
            else:
                m = _REF.fullmatch(ref)
                if m is None:
                    raise corrupt(f"a cell reference '{ref[:20]}' that is not one")
                letters = m.group(1)
                col = columns.get(letters, -1)
                if col < 0:
                    col = columns[letters] = _column(letters)
                place(int(m.group(2)) - 1, col, ref)
            col += 1
        elif tag == "row":
            number = attrs.get("r")
            if number is None:
                row += 1  # the row after the previous one
            elif number.isdigit() and int(number) >= 1:
                row = int(number) - 1
            else:
                raise corrupt(f"a row number '{number[:20]}' that is not one")
            col = 0
        elif tag == "dimension":
            corners = [at for at in map(_parse_ref, attrs.get("ref", "").split(":")[:2]) if at is not None]
            if corners:  # an unreadable dimension is ignored, as the reader does; the cells still count
                (r1, c1), (r2, c2) = corners[0], corners[-1]
                rows, cols = abs(r2 - r1) + 1, abs(c2 - c1) + 1
                if rows * cols > max_cells:
                    raise too_large(attrs["ref"][:40], rows, cols, declared=True)

    def refuse_dtd(*_: object) -> None:
        raise _Stop(FileRefused("xml_entities", f"Sheet '{sheet}' declares XML entities, which Excel never writes. {_RESAVE}", sheet=sheet))

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        while chunk := part.read(1 << 20):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError:
        raise FileRefused("corrupt_file", f"Sheet '{sheet}' is damaged: it is not as Excel writes it. {_RESAVE}", sheet=sheet) from None


def check_sheet_extents(archive: zipfile.ZipFile, max_cells: int) -> None:
    """Refuse (raise FileRefused) a workbook with a sheet spanning more than *max_cells* rows x columns.

    The spreadsheet reader allocates a sheet's whole range at once, blank cells included, so
    two cells at A1 and XFD1048576 would cost hundreds of GB. This streams each sheet's XML
    (never holding it whole) and checks the declared <dimension> and the cells' real extent,
    before any reader opens the sheet.
    """
    for name, sheet in _sheet_parts(archive).items():
        try:
            with archive.open(name) as part:
                _scan_sheet(part, sheet, max_cells)
        except _Stop as stop:
            raise stop.refusal from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise FileRefused("corrupt_file", f"Sheet '{sheet}' is damaged and cannot be opened. {_RESAVE}", sheet=sheet) from None

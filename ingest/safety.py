"""Checks made on a file's bytes before any spreadsheet parser sees them.

A hostile or broken file must become a plain refusal, never a crash or a
machine brought to its knees: so the size, the kind of file, the zip's
expansion and XML entity declarations are all checked first.
"""

from __future__ import annotations

import io
import zipfile

from ingest.config import Settings
from ingest.errors import FileRefused

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "Open it in Excel and use Save As > Excel Workbook (.xlsx), then send it again."


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


def check_bytes(data: bytes, cfg: Settings) -> None:
    """Refuse (raise FileRefused) anything that is not a safe, plausible .xlsx/.xlsm."""
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
        archive = zipfile.ZipFile(io.BytesIO(data))
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
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        kind = "a Word document" if "word/document.xml" in names else "a zip archive, not an Excel workbook"
        raise FileRefused("not_a_workbook", f"The file is {kind}. {_RESAVE}")
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

"""One exception base for the engine; the CLI turns these into one line and an exit code."""

from __future__ import annotations


class StopdashError(Exception):
    """A problem a person can act on; the message says what went wrong and what to do."""

    exit_code = 2


class ConfigError(StopdashError):
    """The configuration or reference data in data/ is missing or malformed."""


class DatabaseError(StopdashError):
    """The database cannot be opened or written (locked, missing, newer than this program)."""


class NoAwardRegisterError(StopdashError):
    """Progress reports cannot be checked before an award register is loaded."""


class FileRefused(Exception):
    """A workbook is refused whole; `code` is the issue slug, `message` one actionable sentence.

    `keep_values` is False for victim-identifying files: nothing read from them is kept.
    """

    def __init__(self, code: str, message: str, *, sheet: str | None = None, keep_values: bool = True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.sheet = sheet
        self.keep_values = keep_values

    def __reduce__(self) -> tuple[object, ...]:
        # Parsed reports cross process boundaries; the default reduce would lose the keywords.
        return (_refusal, (self.code, self.message, self.sheet, self.keep_values))


def _refusal(code: str, message: str, sheet: str | None, keep_values: bool) -> FileRefused:
    return FileRefused(code, message, sheet=sheet, keep_values=keep_values)

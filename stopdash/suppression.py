"""Small-cell suppression of counts of people in exports (domain.md, "Victim confidentiality").

Pure functions; no database, no I/O.

* A count from 1 to the threshold (default 10) is shown as the range text
  ``"1–10"`` (en dash). Zero is shown as ``0``: nobody is not a small group of
  people who could be identified, and hiding zeros would hide that a service
  reached no one. Unknown counts (None) stay blank.
* Where totals are shown, more cells are hidden (complementary suppression),
  shown as ``"suppressed"``, until no hidden cell can be worked out from what is
  shown: for every hidden cell, some other table of counts must show exactly
  the same and differ in that cell. This is checked by exact arithmetic on the
  totals (any linear combination of the row, column and grand-total equations),
  by narrowing with the ranges, and by a bounded search for such another table;
  when the search runs out of effort, the cell counts as given away and more is
  hidden (so the rule errs towards hiding, never towards showing).
* Totals are counts of people too: a total of 1..threshold is itself a range,
  unless the range would give a cell away (ten cells of "1–10" under a total
  of "1–10" must all be 1): then that total is shown as "suppressed".

What a reader can know, and what the checks assume: a range hides 1..threshold;
a "suppressed" body cell hides 0 or more than the threshold (small body cells
are always ranges); a "suppressed" total hides any count.

Complementary cells are chosen one at a time among the shown cells of the
equations that give a value away: the smallest non-zero body cell first, then
turning a small total's range into "suppressed", then a total, then a zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Shown = int | str | None
COMPLEMENTARY = "suppressed"
_INF = math.inf
_MAX_PASSES = 1000


def small_range(threshold: int) -> str:
    """The text shown for a count from 1 to *threshold*: "1–10"."""
    return f"1–{threshold}"


def _check(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"The suppression threshold must be a whole number of at least 2, not {threshold!r}.")


def suppress_count(value: int | None, threshold: int) -> Shown:
    """One count shown on its own (no total beside it): the range text for 1..threshold, else the count."""
    _check(threshold)
    if value is None:
        return None
    if value < 0:
        raise ValueError(f"A count of people cannot be negative ({value}).")
    return small_range(threshold) if 1 <= value <= threshold else int(value)


def is_suppressed(shown: Shown) -> bool:
    """Whether a shown value hides a count (a range text or the complementary marker)."""
    return isinstance(shown, str)


@dataclass(frozen=True)
class Protected:
    """A table of counts as it may be shown: body rows, and the totals that were asked for."""

    body: list[list[Shown]]
    row_totals: list[Shown] | None
    col_totals: list[Shown] | None
    grand_total: Shown | None


# ---- the attacker's view: equations over the cells, and what can be deduced -------------------------------

Equation = list[tuple[int, int]]  # (cell index, +1 or -1); the terms sum to zero


def _layout(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> tuple[dict[tuple[int, int], int], list[Equation]]:
    """Cell indexes of the body (i, j), row totals (i, n_cols), column totals (n_rows, j), grand total; and the sums."""
    index: dict[tuple[int, int], int] = {}
    for i in range(n_rows + col_totals):
        for j in range(n_cols + row_totals):
            if i < n_rows or j < n_cols or (row_totals and col_totals):
                index[(i, j)] = len(index)
    eqs: list[Equation] = []
    if row_totals:
        for i in range(n_rows + col_totals):
            eqs.append([*((index[(i, j)], 1) for j in range(n_cols)), (index[(i, n_cols)], -1)])
    if col_totals:
        for j in range(n_cols + row_totals):
            eqs.append([*((index[(i, j)], 1) for i in range(n_rows)), (index[(n_rows, j)], -1)])
    return index, eqs


def _linearly_known(eqs: list[Equation], hidden: set[int]) -> set[int]:
    """Hidden cells whose value follows from the equations alone (unit vector in the row space)."""
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for eq in eqs:
        row = {k: Fraction(c) for k, c in eq if k in hidden}
        for p, prow in pivots:
            if p in row:
                f = row[p]
                for k, v in prow.items():
                    row[k] = row.get(k, Fraction(0)) - f * v
                    if row[k] == 0:
                        del row[k]
        if not row:
            continue
        p = min(row)
        f = row[p]
        row = {k: v / f for k, v in row.items()}
        for i, (q, qrow) in enumerate(pivots):
            if p in qrow:
                g = qrow[p]
                new = dict(qrow)
                for k, v in row.items():
                    new[k] = new.get(k, Fraction(0)) - g * v
                    if new[k] == 0:
                        del new[k]
                pivots[i] = (q, new)
        pivots.append((p, row))
    return {p for p, prow in pivots if len(prow) == 1}


class _Attacker:
    """What a reader can deduce about the hidden cells: interval reasoning, then an exact search for other tables.

    Domains: a range hides 1..t; "suppressed" hides 0 or more than t in the body (small body counts are always
    ranges), any count in a total. The search looks, for each hidden cell, for a whole table of counts that shows
    exactly the same and differs in that cell; when it runs out of effort the cell counts as given away.
    """

    def __init__(self, values: list[int], eqs: list[Equation], hidden: set[int], primary: set[int], body: set[int], t: int):
        self.values, self.eqs, self.hidden, self.t = values, eqs, hidden, t
        self.holes = {k for k in hidden if k in body and k not in primary}
        self.lines = [([(k, c) for k, c in eq if k in hidden], sum(c * values[k] for k, c in eq if k not in hidden)) for eq in eqs]
        self.lines = [(terms, known) for terms, known in self.lines if terms]
        self.lo: dict[int, float] = {k: (1 if k in primary else 0) for k in hidden}
        self.hi: dict[int, float] = {k: (t if k in primary else _INF) for k in hidden}
        self.budget = 0

    def propagate(self, lo: dict[int, float], hi: dict[int, float]) -> bool:
        """Narrow the domains on every sum until nothing changes; False when no table fits."""
        t = self.t
        for _ in range(_MAX_PASSES):
            changed = False
            for terms, known in self.lines:
                low = sum(lo[k] if c > 0 else -hi[k] for k, c in terms)
                high = sum(hi[k] if c > 0 else -lo[k] for k, c in terms)
                for k, c in terms:  # c*x_k = -known - (the other terms)
                    rest_low = low - (lo[k] if c > 0 else -hi[k])
                    rest_high = high - (hi[k] if c > 0 else -lo[k])
                    a, b = -known - rest_high, -known - rest_low
                    new_lo, new_hi = (a, b) if c > 0 else (-b, -a)
                    new_lo, new_hi = max(lo[k], new_lo), min(hi[k], new_hi)
                    if k in self.holes:
                        if new_hi <= t:
                            new_hi = 0
                        elif 1 <= new_lo <= t:
                            new_lo = t + 1
                    if new_lo > new_hi:
                        return False
                    if (new_lo, new_hi) != (lo[k], hi[k]):
                        lo[k], hi[k] = new_lo, new_hi
                        changed = True
                        # recomputed, not adjusted: an infinite bound turning finite would give inf - inf
                        low = sum(lo[j] if d > 0 else -hi[j] for j, d in terms)
                        high = sum(hi[j] if d > 0 else -lo[j] for j, d in terms)
            if not changed:
                return True
        return True

    def _solve(self, lo: dict[int, float], hi: dict[int, float]) -> dict[int, float] | None:
        """Some whole table within the domains (depth-first, splitting the narrowest domain), or None."""
        self.budget -= 1
        if self.budget < 0 or not self.propagate(lo, hi):
            return None
        free = [k for k in self.hidden if lo[k] < hi[k]]
        if not free:
            return dict(lo)
        k = min(free, key=lambda j: (hi[j] - lo[j], j))
        if k in self.holes and lo[k] == 0:
            parts = [(0.0, 0.0), (float(self.t + 1), hi[k])]
        elif hi[k] == _INF:
            parts = [(lo[k], lo[k]), (lo[k] + 1, _INF)]
        else:
            mid = (lo[k] + hi[k]) // 2
            parts = [(lo[k], mid), (mid + 1, hi[k])]
        for a, b in parts:
            found = self._solve({**lo, k: a}, {**hi, k: b})
            if found is not None:
                return found
        return None

    def exposed(self, budget: int = 400) -> set[int]:
        """Hidden cells whose value a reader can work out (or that the search could not clear within *budget* steps)."""
        lo, hi = dict(self.lo), dict(self.hi)
        self.propagate(lo, hi)
        exposed = _linearly_known(self.eqs, self.hidden) | {k for k in self.hidden if lo[k] == hi[k]}
        cleared: set[int] = set()
        for k in sorted(self.hidden - exposed):
            if k in cleared:
                continue
            true = self.values[k]
            found = None
            for a, b in ((lo[k], true - 1), (true + 1, hi[k])):
                if a <= b:
                    self.budget = budget
                    found = self._solve({**lo, k: a}, {**hi, k: b})
                    if found is not None:
                        break
            if found is None:
                exposed.add(k)
            else:
                cleared |= {j for j, v in found.items() if v != self.values[j]}
        return exposed


def exposed_cells(values: list[int], eqs: list[Equation], hidden: set[int], primary: set[int], body: set[int], t: int) -> set[int]:
    """Hidden cells whose value can be worked out from the shown cells and the equations."""
    return _Attacker(values, eqs, hidden, primary, body, t).exposed()


def _next_step(
    exposed: set[int], values: list[int], blank: set[int], eqs: list[Equation], hidden: set[int], primary: set[int], body: set[int]
) -> tuple[str, int] | None:
    """What to do so that the *exposed* cells stop being given away: ("hide", a shown cell) or ("widen", a small total).

    Preference, first among the equations of the exposed cells, then anywhere: the smallest non-zero body cell; a
    small total's range turned into "suppressed"; the smallest non-zero total; a zero.
    """
    near = {j for eq in eqs if any(i in exposed for i, _ in eq) for j, _ in eq}
    for pool in (near, set(range(len(values)))):
        shown = sorted((j for j in pool if j not in hidden and j not in blank), key=lambda j: (values[j], j))
        small_totals = sorted(j for j in pool if j in primary and j not in body)
        for action, choices in (
            ("hide", [j for j in shown if j in body and values[j] > 0]),
            ("widen", small_totals),
            ("hide", [j for j in shown if values[j] > 0]),
            ("hide", shown),
        ):
            if choices:
                return action, choices[0]
    return None


def _protect(values: list[int], blank: set[int], eqs: list[Equation], body: set[int], t: int) -> tuple[set[int], set[int]]:
    primary = {k for k, v in enumerate(values) if k not in blank and 1 <= v <= t}
    hidden = set(primary)
    while True:
        exposed = exposed_cells(values, eqs, hidden, primary, body, t)
        if not exposed:
            break
        step = _next_step(exposed, values, blank, eqs, hidden, primary, body)
        if step is None:
            break  # nothing left to hide
        action, j = step
        if action == "hide":
            hidden.add(j)
        else:
            primary.discard(j)
    return primary, hidden


def protect_table(body: Sequence[Sequence[int | None]], threshold: int, *, row_totals: bool = True, col_totals: bool = True) -> Protected:
    """Counts of people with their totals, suppressed so that no hidden count can be recomputed.

    None cells are unknown: shown blank and left out of the totals; a total of unknown cells only is blank.
    """
    _check(threshold)
    n_rows, n_cols = len(body), len(body[0]) if body else 0
    if any(len(r) != n_cols for r in body):
        raise ValueError("Every row of the table must have the same number of cells.")
    if any(v is not None and v < 0 for r in body for v in r):
        raise ValueError("A count of people cannot be negative.")
    index, eqs = _layout(n_rows, n_cols, row_totals, col_totals)
    values = [0] * len(index)
    blank: set[int] = set()
    for i, r in enumerate(body):
        for j, v in enumerate(r):
            if v is None:
                blank.add(index[(i, j)])
            values[index[(i, j)]] = int(v or 0)
    # A total over nothing but unknown cells is unknown too (blank), not a 0 to hide.
    if row_totals:
        for i in range(n_rows):
            members = [index[(i, j)] for j in range(n_cols)]
            values[index[(i, n_cols)]] = sum(values[k] for k in members)
            if all(k in blank for k in members):
                blank.add(index[(i, n_cols)])
    if col_totals:
        for j in range(n_cols + row_totals):
            members = [index[(i, j)] for i in range(n_rows)]
            values[index[(n_rows, j)]] = sum(values[k] for k in members)
            if all(k in blank for k in members):
                blank.add(index[(n_rows, j)])
    body_cells = {index[(i, j)] for i in range(n_rows) for j in range(n_cols)}
    primary, hidden = _protect(values, blank, eqs, body_cells, threshold)

    def shown(i: int, j: int) -> Shown:
        k = index[(i, j)]
        if k in blank:
            return None
        if k in primary:
            return small_range(threshold)
        return COMPLEMENTARY if k in hidden else values[k]

    return Protected(
        body=[[shown(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(i, n_cols) for i in range(n_rows)] if row_totals else None,
        col_totals=[shown(n_rows, j) for j in range(n_cols)] if col_totals else None,
        grand_total=shown(n_rows, n_cols) if row_totals and col_totals else None,
    )


# Above this many cells a column takes the simple rule below: the exact search grows too fast
# (a national roll-up of 2,500 subgrants would take hours) and the simple rule is safe.
LARGE_COLUMN = 60


def protect_column(values: Sequence[int | None], threshold: int, *, total: bool = True) -> tuple[list[Shown], Shown | None]:
    """A column of counts of people and (if asked) its total, suppressed like :func:`protect_table`.

    A long column with any small count hides its total as well: with no total shown, no
    equation ties the hidden counts to anything, so none can be recomputed.
    """
    if len(values) > LARGE_COLUMN:
        _check(threshold)
        if any(v is not None and v < 0 for v in values):
            raise ValueError("A count of people cannot be negative.")
        cells: list[Shown] = [None if v is None else small_range(threshold) if 1 <= v <= threshold else int(v) for v in values]
        if not total:
            return cells, None
        known = [int(v) for v in values if v is not None]
        if not known:
            return cells, None
        # Without a small cell the total is 0 or above the threshold (a sum of zeros and large counts).
        return cells, COMPLEMENTARY if any(1 <= v <= threshold for v in known) else sum(known)
    table = protect_table([[v] for v in values], threshold, row_totals=False, col_totals=total)
    return [r[0] for r in table.body], (table.col_totals[0] if table.col_totals else None)

"""Small-cell suppression of counts of people (domain.md, "Victim confidentiality")."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stopdash.suppression import COMPLEMENTARY, Protected, protect_column, protect_table, small_range, suppress_count

R = small_range(10)


# ---- an independent attacker: complete search for another table consistent with everything shown -----------


def _domain(shown: object, t: int, cap: int) -> list[int] | None:
    """The values a shown body cell allows (None: known exactly); small body cells are always ranges."""
    if shown == small_range(t):
        return list(range(1, t + 1))
    if shown == COMPLEMENTARY:
        return [0, *range(t + 1, cap + 1)]
    return None


def _alternative_exists(truth: list[list[int | None]], out: Protected, t: int, target: tuple[object, object]) -> bool:
    """Whether some table of counts other than *truth* shows exactly *out* and differs at *target*.

    *target* is a body cell (i, j) or a total: (i, "row"), ("col", j) or ("grand", "grand"). A complete
    depth-first search over the hidden body cells (totals follow from them), with a line's last unknown
    cell computed from a shown total rather than enumerated.
    """
    n_rows, n_cols = len(truth), len(truth[0])
    grand = sum(v or 0 for r in truth for v in r)
    cap = 2 * grand + 2 * t + 2
    cells = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    value: dict[tuple[int, int], int] = {}
    domains: dict[tuple[int, int], set[int]] = {}
    for i, j in cells:
        d = _domain(out.body[i][j], t, cap)
        if d is None:
            value[(i, j)] = 0 if out.body[i][j] is None else int(out.body[i][j])  # type: ignore[arg-type]
        else:
            domains[(i, j)] = set(d)
    lines: list[tuple[list[tuple[int, int]], object, tuple[object, object]]] = []
    if out.row_totals is not None:
        lines += [([(i, j) for j in range(n_cols)], out.row_totals[i], (i, "row")) for i in range(n_rows)]
    if out.col_totals is not None:
        lines += [([(i, j) for i in range(n_rows)], out.col_totals[j], ("col", j)) for j in range(n_cols)]
    if out.grand_total is not None:
        lines.append((cells, out.grand_total, ("grand", "grand")))

    def total_ok(total: int, shown: object) -> bool:
        """A shown total must match; a range total is 1..t; a "suppressed" (or blank) total may be any count."""
        if shown == small_range(t):
            return 1 <= total <= t
        return shown in (COMPLEMENTARY, None) or total == shown

    def upper(shown: object) -> float:
        return t if shown == small_range(t) else (float("inf") if shown in (COMPLEMENTARY, None) else shown)  # type: ignore[return-value]

    def truth_of(key: tuple[object, object]) -> int:
        i, j = key
        if i == "grand":
            return grand
        if j == "row":
            return sum(v or 0 for v in truth[i])  # type: ignore[index]
        if i == "col":
            return sum(r[j] or 0 for r in truth)  # type: ignore[index]
        return truth[i][j] or 0  # type: ignore[index]

    def consistent(assign: dict[tuple[int, int], int]) -> bool:
        for members, shown, _ in lines:
            done = sum(assign[c] for c in members if c in assign)
            rest = [c for c in members if c not in assign]
            if done + sum(min(domains[c]) for c in rest) > upper(shown):
                return False
            if not rest and not total_ok(done, shown):
                return False
            if isinstance(shown, int) and done + sum(max(domains[c]) for c in rest) < shown:
                return False
        return True

    def differs(assign: dict[tuple[int, int], int]) -> bool:
        if target in assign:
            return assign[target] != truth_of(target)  # type: ignore[index]
        return next(sum(assign[c] for c in m) for m, _, key in lines if key == target) != truth_of(target)

    def search(assign: dict[tuple[int, int], int]) -> bool:
        if not consistent(assign):
            return False
        free = [c for c in cells if c not in assign]
        if not free:
            return differs(assign)
        for members, shown, _ in lines:  # a shown total fixes its line's last unknown cell
            rest = [c for c in members if c not in assign]
            if isinstance(shown, int) and len(rest) == 1:
                forced = shown - sum(assign[c] for c in members if c in assign)
                if forced not in domains[rest[0]]:
                    return False
                return search({**assign, rest[0]: forced})
        cell = target if target in free else free[0]
        for v in sorted(domains[cell], key=lambda v: (abs(v - truth_of(cell)), v)):  # near the truth first: faster
            if cell == target and v == truth_of(target):
                continue
            if search({**assign, cell: v}):
                return True
        return False

    return search(dict(value))


def _hidden_cells(out: Protected) -> list[tuple[object, object]]:
    found: list[tuple[object, object]] = [(i, j) for i, r in enumerate(out.body) for j, v in enumerate(r) if isinstance(v, str)]
    found += [(i, "row") for i, v in enumerate(out.row_totals or []) if isinstance(v, str)]
    found += [("col", j) for j, v in enumerate(out.col_totals or []) if isinstance(v, str)]
    if isinstance(out.grand_total, str):
        found.append(("grand", "grand"))
    return found


counts = st.one_of(st.integers(0, 12), st.integers(0, 40), st.none())
tables = st.integers(1, 3).flatmap(lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=1, max_size=3))


# ---- properties ----------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.integers(2, 10), st.booleans(), st.booleans())
def test_no_suppressed_value_can_be_recomputed(body: list[list[int | None]], t: int, rows: bool, cols: bool) -> None:
    """For every hidden cell, some other table of counts shows exactly the same thing with a different value there."""
    out = protect_table(body, t, row_totals=rows, col_totals=cols)
    for target in _hidden_cells(out):
        assert _alternative_exists(body, out, t, target), (target, out)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(2, 10), st.booleans(), st.booleans())
def test_shown_cells_are_true_and_small_counts_are_ranges(body: list[list[int | None]], t: int, rows: bool, cols: bool) -> None:
    """Small body counts are ranges, small totals ranges or "suppressed"; other shown cells are true; None (and its total) blank."""
    out = protect_table(body, t, row_totals=rows, col_totals=cols)
    for i, r in enumerate(body):
        for j, true in enumerate(r):
            shown = out.body[i][j]
            if true is None:
                assert shown is None
            elif 1 <= true <= t:
                assert shown == small_range(t)
            else:
                assert shown in (true, COMPLEMENTARY)
    totals = []
    if rows:
        totals += [(sum(v or 0 for v in r), out.row_totals[i]) for i, r in enumerate(body)]  # type: ignore[index]
    if cols:
        totals += [(sum(r[j] or 0 for r in body), out.col_totals[j]) for j in range(len(body[0]))]  # type: ignore[index]
    for true, shown in totals:
        assert shown in ((small_range(t), COMPLEMENTARY) if 1 <= true <= t else (true, COMPLEMENTARY, None))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 15), st.integers(0, 200)), min_size=1, max_size=8), st.integers(2, 10))
def test_column_with_total_cannot_be_recomputed(values: list[int], t: int) -> None:
    """A column of counts with its total hides no value that the total gives away."""
    shown, total = protect_column(values, t)
    out = Protected([[v] for v in shown], None, [total], None)
    for target in _hidden_cells(out):
        assert _alternative_exists([[v] for v in values], out, t, target)  # type: ignore[arg-type]


# ---- examples ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(None, None), (0, 0), (1, R), (10, R), (11, 11), (250, 250)])
def test_single_count(value: int | None, shown: object) -> None:
    """A lone count: 0 stays 0, 1–10 becomes the range text with an en dash, above 10 is shown."""
    assert suppress_count(value, 10) == shown


def test_range_text_uses_an_en_dash() -> None:
    """The range is written "1–10" with an en dash (Excel does not read it as a date)."""
    assert small_range(10) == "1\u201310"


def test_one_small_cell_in_a_row_hides_the_next_smallest() -> None:
    """A single small cell in a row with a total makes the next-smallest cell hidden too, the total stays."""
    out = protect_table([[5, 40, 25]], 10, row_totals=True, col_totals=False)
    assert out.body == [[R, 40, COMPLEMENTARY]]
    assert out.row_totals == [70]


def test_small_cell_whose_total_would_give_it_away_hides_the_total() -> None:
    """When only zeros sit beside a small count, the total itself (a range) is what hides it."""
    out = protect_table([[5, 0, 0]], 10, row_totals=True, col_totals=False)
    assert out.body == [[R, 0, 0]]
    assert out.row_totals == [R]


def test_complement_just_above_threshold_is_not_enough() -> None:
    """[1, 11] with total 12 would give both away (11 is the only value above 10 that fits), so the total is hidden."""
    out = protect_table([[1, 11]], 10, row_totals=True, col_totals=False)
    assert out.row_totals == [COMPLEMENTARY]


def test_two_by_two_with_margins() -> None:
    """A table with row, column and grand totals and one small cell hides a rectangle of four cells."""
    out = protect_table([[3, 50], [40, 60]], 10)
    assert out.body == [[R, COMPLEMENTARY], [COMPLEMENTARY, COMPLEMENTARY]]
    assert (out.row_totals, out.col_totals, out.grand_total) == ([53, 100], [43, 110], 153)


def test_total_of_unknown_cells_is_blank() -> None:
    """A row of unknown (None) counts has a blank total, not a 0 that would need hiding."""
    out = protect_table([[1, 1], [None, None]], 2)
    assert out.row_totals is not None and out.row_totals[1] is None
    assert out.body[1] == [None, None]


def test_nothing_small_nothing_hidden() -> None:
    """A table without counts from 1 to the threshold is shown whole."""
    out = protect_table([[0, 50], [40, 60]], 10)
    assert out.body == [[0, 50], [40, 60]]
    assert out.grand_total == 150


@pytest.mark.parametrize("bad", [0, 1, -3, 2.5, True])
def test_threshold_must_be_at_least_two(bad: object) -> None:
    """A threshold below 2 (or not a whole number) is refused: "1–1" would show the count."""
    with pytest.raises(ValueError, match="threshold"):
        protect_table([[1]], bad)  # type: ignore[arg-type]


def test_negative_counts_are_refused() -> None:
    """A negative count of people is a bug upstream, not something to suppress."""
    with pytest.raises(ValueError, match="negative"):
        protect_column([3, -1], 10)


def test_long_column_hides_its_total_when_any_count_is_small() -> None:
    """A national-length column keeps its counts' ranges and hides the total, so no count can be recomputed."""
    from stopdash.suppression import COMPLEMENTARY, LARGE_COLUMN, protect_column

    values = [25] * (LARGE_COLUMN + 500) + [3, None, 0]
    cells, total = protect_column(values, 10)
    assert total == COMPLEMENTARY
    assert cells[-3:] == ["1–10", None, 0]
    assert cells[0] == 25
    assert protect_column([25] * (LARGE_COLUMN + 1) + [0], 10)[1] == 25 * (LARGE_COLUMN + 1)

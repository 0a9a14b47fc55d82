"""How the patients of a waterfall or swimmer are split into pages (``recist.plots``,
``recist plot --page``, the cohort report): the page arithmetic alone, without numpy,
pandas or matplotlib, so that the command line's help can quote :data:`PER_PAGE`.
"""

from __future__ import annotations

__all__ = ["PER_PAGE", "page_count", "page_rows", "page_title"]

PER_PAGE = 60
"""Most patients one page of a swimmer or waterfall shows: at 8 pt a label needs about
0.15 in, so 60 rows fit an 11.6 in tall swimmer and 60 bars an 11 in wide waterfall."""


def page_count(n_rows: int, per_page: int = PER_PAGE) -> int:
    """How many pages ``n_rows`` patients take at ``per_page`` at most (at least one).

    >>> page_count(60), page_count(61), page_count(200), page_count(1000)
    (1, 2, 4, 17)
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, not {per_page}")
    return max(1, -(-n_rows // per_page))


def page_rows(n_rows: int, page: int, per_page: int = PER_PAGE) -> slice:
    """The rows of page ``page`` (0-based) when ``n_rows`` are split into ``page_count``
    pages of nearly equal size (they differ by one at most), in order.

    >>> [page_rows(200, k) for k in range(4)]
    [slice(0, 50, None), slice(50, 100, None), slice(100, 150, None), slice(150, 200, None)]
    >>> page_rows(61, 1)
    slice(31, 61, None)
    """
    pages = page_count(n_rows, per_page)
    if not 0 <= page < pages:
        raise ValueError(f"page {page} does not exist: {n_rows} patient(s) at {per_page} "
                         f"per page make {pages} page(s), numbered from 0")
    size, extra = divmod(n_rows, pages)
    start = page * size + min(page, extra)
    return slice(start, start + size + (1 if page < extra else 0))


def page_title(title: str, n_rows: int, page: int | None, per_page: int = PER_PAGE) -> str:
    """``title`` with the patients a page shows, when there is more than one page.

    >>> page_title("Swimmer plot", 200, 1)
    'Swimmer plot (patients 51–100 of 200)'
    >>> page_title("Swimmer plot", 60, 0)
    'Swimmer plot'
    """
    if page is None or page_count(n_rows, per_page) == 1:
        return title
    rows = page_rows(n_rows, page, per_page)
    return f"{title} (patients {rows.start + 1}–{rows.stop} of {n_rows})"

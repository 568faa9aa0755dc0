"""Long lists shown a slice at a time: the first rows, then "Show more" or "Show all".

A page reads ``?limit=`` (how many rows to show) or ``?all=1`` (every row), counts its
rows in SQL and renders ``contacts/_show_more.html`` with what ``show_more`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LIMIT = 10_000  # a ``?limit=`` past this is read as this; ``?all=1`` has no cap


@dataclass(frozen=True)
class ShowMore:
    """How many rows a page shows of how many, and the links to the next slice and to all."""

    shown: int
    total: int
    more_url: str | None = None
    more: int = 0
    all_url: str | None = None


def shown_limit(request, default: int) -> int | None:
    """The rows the request asks for: ``?all=1`` is every row (None), ``?limit=N`` is N,
    anything else (missing, not a number, below 1) is ``default``."""
    if request.GET.get("all") == "1":
        return None
    try:
        limit = int(request.GET.get("limit", ""))
    except ValueError:
        return default
    return min(limit, MAX_LIMIT) if limit >= 1 else default


def show_more(request, *, shown: int, total: int, step: int) -> ShowMore:
    """The "N of M shown" line and, while rows are left, links to ``step`` more and to all."""
    if shown >= total:
        return ShowMore(shown=shown, total=total)
    more = min(step, total - shown)
    return ShowMore(
        shown=shown,
        total=total,
        more_url=_with(request, limit=str(shown + more)),
        more=more,
        all_url=_with(request, all="1"),
    )


def _with(request, **params: str) -> str:
    query = request.GET.copy()
    for name in ("limit", "all"):
        query.pop(name, None)
    query.update(params)
    return f"{request.path}?{query.urlencode()}"

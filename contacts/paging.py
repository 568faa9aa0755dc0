"""Pages of a long list, up to a depth: a page is read with ``OFFSET``, which reads and drops
every row before it, so the 3,000th page of the contacts cost 270 ms at 100,000 contacts.
Past ``MAX_PAGES`` the reader is asked to narrow the search instead."""

from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.utils.functional import cached_property

MAX_PAGES = 200


class CappedPaginator(Paginator):
    """A paginator that serves the first ``max_pages`` pages only. Through ``get_page`` a
    deeper page number gets the last page served and one that is not a number the first."""

    def __init__(self, object_list, per_page, *, max_pages: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.max_pages = MAX_PAGES if max_pages is None else max_pages

    @cached_property
    def all_pages(self) -> int:
        """How many pages the whole list fills."""
        return Paginator.num_pages.func(self)

    @cached_property
    def num_pages(self) -> int:
        return min(self.all_pages, self.max_pages)

    @property
    def is_capped(self) -> bool:
        """Whether some of the list lies beyond the pages served."""
        return self.all_pages > self.max_pages


class CountedPagePaginator(CappedPaginator):
    """A ``CappedPaginator`` over a queryset that reads a page and the number of rows in
    all with one statement (``COUNT(*) OVER ()``), for a list whose page the database
    builds from every matching row anyway (a search: its matches are collected from the
    trigram indexes, then sorted): the separate ``COUNT`` would find them all a second
    time. A page past the last, or a number below 1, costs the separate count and is then
    served as ``CappedPaginator.get_page`` serves it."""

    def get_page(self, number):
        try:
            number = min(int(number), self.max_pages)
        except (TypeError, ValueError):
            number = 1  # as Paginator.get_page reads it
        if number < 1 or self.orphans:
            return super().get_page(number)
        return counted_page(self, number) or super().get_page(number)


def counted_page(paginator: Paginator, number: int):
    """Page ``number`` of ``paginator`` (a queryset's) and the number of rows in all, read
    with one statement (``COUNT(*) OVER ()``) of the rows' keys only, then the page's rows
    by their keys; None when the page holds no row (past the last) or the queryset is
    DISTINCT, for the caller to read with the separate count. Counted and sorted whole,
    the rows' every column and annotation would be carried through the count and the sort
    for every match."""
    bottom = (number - 1) * paginator.per_page
    queryset = paginator.object_list
    if queryset.query.distinct:
        # A window counts the joined rows before DISTINCT makes them one: counted apart.
        return None
    keys = queryset.annotate(_rows_in_all=Window(Count("*"))).values_list("pk", "_rows_in_all")
    found = list(keys[bottom : bottom + paginator.per_page])
    if not found:
        return None
    paginator.__dict__["count"] = found[0][1]
    # The same queryset (its joins, annotations, prefetches and order), for these keys.
    rows = list(queryset.filter(pk__in=[pk for pk, _ in found]))
    return paginator._get_page(rows, number, paginator)


class CountedPaginator(Paginator):
    """Django's paginator (``page`` validates as it does) reading a page of a search and
    its count with one statement (``counted_page``), for the REST API's pages."""

    def page(self, number):
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # the same error Paginator gives
        if wanted < 1 or self.orphans:
            return super().page(number)
        return counted_page(self, wanted) or super().page(number)

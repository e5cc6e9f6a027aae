"""A small sortable, paginated table component (server-side, htmx-aware)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass
class Column:
    key: str
    label: str | Promise
    value: Callable[[Any], Any]
    order_by: str | None = None  # ORM field; None = not sortable
    url: Callable[[Any], str] | None = None


class Table:
    """Sorts by ``?sort=key`` / ``?sort=-key``, paginates with ``?page=N``; keeps other filters."""

    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        columns: list[Column],
        *,
        dom_id: str = "table",
        caption: str | Promise = "",
        empty_text: str | Promise = "",
        per_page: int = 50,
        default_sort: str | None = None,
        count: int | None = None,
    ) -> None:
        self.request = request
        self.columns_def = columns
        self.dom_id = dom_id
        self.caption = caption
        self.empty_text = empty_text
        sort = request.GET.get("sort") or default_sort or ""
        by_key = {c.key: c for c in columns if c.order_by}
        self.sort_key = sort.lstrip("-") if sort.lstrip("-") in by_key else ""
        self.descending = sort.startswith("-") and bool(self.sort_key)
        if self.sort_key:
            field = by_key[self.sort_key].order_by or self.sort_key
            queryset = queryset.order_by(f"-{field}" if self.descending else field, "pk")
        paginator = Paginator(queryset, per_page)
        if count is not None:
            paginator.count = count  # type: ignore[misc]
        self.page: Page[Any] = paginator.get_page(request.GET.get("page"))
        self.count = paginator.count

    def _url(self, **changes: Any) -> str:
        params = self.request.GET.copy()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return f"?{params.urlencode()}"

    @property
    def columns(self) -> list[dict[str, Any]]:
        out = []
        for col in self.columns_def:
            state = None
            next_sort = col.key
            if col.key == self.sort_key:
                state = "descending" if self.descending else "ascending"
                next_sort = col.key if self.descending else f"-{col.key}"
            out.append(
                {
                    "label": col.label,
                    "sortable": bool(col.order_by),
                    "sort_state": state,
                    "sort_url": self._url(sort=next_sort, page=None),
                }
            )
        return out

    @property
    def rows(self) -> list[list[dict[str, Any]]]:
        return [
            [
                {"label": col.label, "value": col.value(obj), "url": col.url(obj) if col.url else None}
                for col in self.columns_def
            ]
            for obj in self.page.object_list
        ]

    @property
    def page_url_previous(self) -> str:
        return self._url(page=self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def page_url_next(self) -> str:
        return self._url(page=self.page.next_page_number()) if self.page.has_next() else ""

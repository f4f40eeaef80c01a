"""Pagination shared by every public list: forgiving of bad page numbers, with elided links."""


class ForgivingPaginationMixin:
    """page=abc gives the first page and page=99999 the last, rather than an error page."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if page := context.get("page_obj"):
            # includes/_pagination.html shows "1 2 … 9 10 11 … 40 41", not forty links.
            context["page_range"] = page.paginator.get_elided_page_range(page.number)
        return context

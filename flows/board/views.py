"""The progress board for the council and the home-affairs office, updated live."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from flows.blocs.access import may_oversee
from flows.board import selectors
from flows.board.stages import STAGES
from workflows.models import Organisation


class BoardIndexView(TemplateView):
    template_name = "board/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        jurisdictions = [
            jurisdiction
            for jurisdiction in Organisation.objects.filter(kind__is_jurisdiction=True)
            if may_oversee(user, jurisdiction.pk)
        ]
        boards = [(j, selectors.years(j)) for j in jurisdictions]
        return super().get_context_data(boards=boards, **kwargs)


class BoardView(TemplateView):
    template_name = "board/board.html"

    def get_context_data(self, **kwargs):
        jurisdiction = get_object_or_404(
            Organisation, pk=self.kwargs["jurisdiction"], kind__is_jurisdiction=True
        )
        if not may_oversee(self.request.user, jurisdiction.pk):
            raise PermissionDenied(
                _("The board is for the council and the home-affairs office of %(place)s.")
                % {"place": jurisdiction}
            )
        year = self.kwargs["year"]
        # The URL's own jurisdiction and year (ids) give way to the objects.
        return {
            **super().get_context_data(**kwargs),
            "jurisdiction": jurisdiction,
            "year": year,
            "stages": STAGES,
            # The bloc and its leader, then four columns a stage.
            "column_count": 2 + 4 * len(STAGES),
            "rows": selectors.board(jurisdiction, year),
            "years": selectors.years(jurisdiction),
        }


class BoardViewset(AppMenuMixin, Viewset):
    app_name = "board"
    title = _("Progress board")
    icon = "insights"

    index_path = path("", BoardIndexView.as_view(), name="index")
    board_path = path("<int:jurisdiction>/<int:year>/", BoardView.as_view(), name="board")

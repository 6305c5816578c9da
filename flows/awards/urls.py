"""The award history's pages in the site (config/urls.py routes them under "awards/")."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from flows.awards import views
from flows.awards.sheets import FORMATS


def _sheet_paths():
    """Per kind of record: a unit's sheet, a jurisdiction's year and the blank template."""
    for sheet in FORMATS.values():
        stem, name = sheet.file_stem, sheet.name
        yield path(
            f"units/<int:pk>/{stem}.xlsx",
            views.UnitSheetView.as_view(sheet=sheet),
            name=f"unit_{name}",
        )
        yield path(
            f"<int:jurisdiction>/<int:year>/{stem}.xlsx",
            views.YearSheetView.as_view(sheet=sheet),
            name=f"year_{name}",
        )
        yield path(
            f"import/{stem}.xlsx",
            views.TemplateSheetView.as_view(sheet=sheet),
            name=f"template_{name}",
        )


class AwardViewset(AppMenuMixin, Viewset):
    """Award history: open to every signed-in official, but for the findings and imports."""

    app_name = "awards"
    title = _("Award history")
    icon = "military_tech"

    urlpatterns = list(_sheet_paths())
    index_path = path("", views.AwardIndexView.as_view(), name="index")
    unit_path = path("units/<int:pk>/", views.UnitHistoryView.as_view(), name="unit")
    import_path = path("import/", views.ImportView.as_view(), name="import")
    annul_path = path("records/<int:pk>/annul/", views.ProposeAnnulmentView.as_view(), name="annul")
    annulment_path = path("annulments/<int:pk>/", views.AnnulmentView.as_view(), name="annulment")

"""The award history's pages: the index of units, a unit's history, the sheets (a unit's, a
jurisdiction's year, blank templates) and the province's import page.

Who sees what is flows.awards.access: findings only for the unit's own officials, its
jurisdiction's overseers and auditors; imports for the holders of the add permissions.
"""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from flows.awards import access, selectors, services
from flows.awards.forms import (
    XLSX,
    AnnulmentDecisionForm,
    AnnulmentProposalForm,
    RecoveryForm,
    SheetUploadForm,
)
from flows.awards.models import Annulment, AnnulmentStatus, AwardRecord
from flows.awards.sheets import FORMATS, SheetFormat
from flows.blocs.access import may_oversee
from workflows.models import Organisation
from workflows.sheets import SheetError

#: What each sheet lists, for a set of units and maybe a year (one query each).
LISTS = {
    "awards": selectors.awards_of,
    "ratings": selectors.ratings_of,
    "findings": selectors.findings_of,
    "indicators": selectors.indicators_of,
}
#: The sheets open to every signed-in official (findings are not: flows.awards.access).
PUBLIC_SHEETS = [sheet for name, sheet in FORMATS.items() if name != "findings"]


def _unit_or_404(pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("kind"), pk=pk)


def _jurisdiction_or_404(pk: int) -> Organisation:
    return get_object_or_404(Organisation, pk=pk, kind__is_jurisdiction=True)


def _refuse_findings(unit: Organisation):
    return PermissionDenied(
        _("The findings about %(unit)s are for its officials and overseers.") % {"unit": unit}
    )


def xlsx_response(content: bytes, filename: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX
    )


class AwardIndexView(TemplateView):
    template_name = "awards/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        entries = selectors.jurisdictions_with_units()
        overseen = {e.jurisdiction.pk for e in entries if may_oversee(user, e.jurisdiction.pk)}
        return super().get_context_data(
            entries=entries,
            overseen=overseen,
            public_sheets=PUBLIC_SHEETS,
            findings_sheet=FORMATS["findings"],
            may_import=any(access.may_import(user, sheet) for sheet in FORMATS.values()),
            **kwargs,
        )


class UnitHistoryView(TemplateView):
    template_name = "awards/unit.html"

    def get_context_data(self, **kwargs):
        unit = _unit_or_404(self.kwargs["pk"])
        shows_findings = access.may_see_findings(self.request.user, unit)
        history = selectors.history_of(unit, findings=shows_findings)
        return super().get_context_data(
            unit=unit,
            history=history,
            may_annul=self.request.user.has_perm("awards.add_annulment"),
            sheets=[*PUBLIC_SHEETS, *([FORMATS["findings"]] if shows_findings else [])],
            **self.rulings(history),
            **kwargs,
        )

    @staticmethod
    def rulings(history: selectors.UnitHistory) -> dict:
        """The answers of the rules this page shows, up to the latest year recorded."""
        context = {}
        if history.ratings:
            latest = history.ratings[0].year
            context["excellent_years"] = selectors.consecutive_rating_years(history.unit, latest)
            context["latest_rating_year"] = latest
        own_awards = [award for award in history.awards if award.unit_id == history.unit.pk]
        if own_awards:
            chain = selectors.merit_chain(history.unit, own_awards[0].year)
            context["merit_chain"] = chain
            context["outside_chain"] = {award.pk for award in chain.value.excluded}
        return context


class SheetView(View):
    """An XLSX sheet of one kind of record."""

    sheet: SheetFormat = None


class UnitSheetView(SheetView):
    """A unit's records of one kind, as the sheet that imports them."""

    def get(self, request, pk):
        unit = _unit_or_404(pk)
        if self.sheet.name == "findings" and not access.may_see_findings(request.user, unit):
            raise _refuse_findings(unit)
        records = LISTS[self.sheet.name]([unit])
        return xlsx_response(self.sheet.write(records), f"{self.sheet.file_stem}-{unit.code}.xlsx")


class YearSheetView(SheetView):
    """A jurisdiction's records of one kind for a year (its units at every depth)."""

    def get(self, request, jurisdiction, year):
        place = _jurisdiction_or_404(jurisdiction)
        if self.sheet.name == "findings" and not may_oversee(request.user, place.pk):
            raise _refuse_findings(place)
        records = LISTS[self.sheet.name]([place, *selectors.units_under(place)], year)
        filename = f"{self.sheet.file_stem}-{place.code}-{year}.xlsx"
        return xlsx_response(self.sheet.write(records), filename)


class TemplateSheetView(SheetView):
    """A blank sheet: the header row an import expects."""

    def get(self, request):
        if not access.may_import(request.user, self.sheet):
            raise PermissionDenied(_("You may not import these records."))
        return xlsx_response(self.sheet.write([]), f"mau-{self.sheet.file_stem}.xlsx")


class ImportView(TemplateView):
    """One card per kind of record the official may import: its columns, a blank template,
    the upload and, after a refused sheet, every fault by row."""

    template_name = "awards/import.html"

    def importable(self) -> list[SheetFormat]:
        sheets = [s for s in FORMATS.values() if access.may_import(self.request.user, s)]
        if not sheets:
            raise PermissionDenied(_("Importing is for the home-affairs office."))
        return sheets

    def get_context_data(self, bound=None, faults=(), **kwargs):
        cards = [
            {
                "sheet": sheet,
                "form": bound if bound and bound.prefix == sheet.name else self.blank(sheet),
                "faults": faults if bound and bound.prefix == sheet.name else (),
            }
            for sheet in self.importable()
        ]
        return super().get_context_data(cards=cards, **kwargs)

    @staticmethod
    def blank(sheet: SheetFormat) -> SheetUploadForm:
        return SheetUploadForm(prefix=sheet.name)

    def post(self, request, *args, **kwargs):
        sheet = next((s for s in self.importable() if s.name == request.POST.get("sheet")), None)
        if sheet is None:
            raise PermissionDenied(_("You may not import these records."))
        form = SheetUploadForm(request.POST, request.FILES, prefix=sheet.name)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(bound=form))
        upload = form.cleaned_data["file"]
        try:
            created = services.IMPORTS[sheet.name](upload=upload, by=request.user)
        except SheetError as error:
            return self.render_to_response(self.get_context_data(bound=form, faults=error.messages))
        messages.success(
            request,
            _("%(sheet)s: %(count)s rows of %(file)s imported.")
            % {"sheet": sheet.label, "count": len(created), "file": upload.name},
        )
        return HttpResponseRedirect(request.path)


class ProposeAnnulmentView(TemplateView):
    """Propose annulling an award (its reason; the legal basis defaults to R-19)."""

    template_name = "awards/annul.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("awards.add_annulment"):
            raise PermissionDenied(_("You may not propose annulling awards."))
        return super().dispatch(request, *args, **kwargs)

    def record(self):
        return get_object_or_404(
            AwardRecord.objects.select_related("unit", "person_unit", "award_type"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            record=self.record(),
            form=kwargs.pop("form", None)
            or AnnulmentProposalForm(initial={"legal_basis": services.R19_ANNULMENT}),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = AnnulmentProposalForm(request.POST)
        if form.is_valid():
            try:
                annulment = services.propose_annulment(
                    record=self.record(), by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The annulment was proposed."))
                return HttpResponseRedirect(reverse("thidua:awards:annulment", args=[annulment.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class AnnulmentView(TemplateView):
    """An annulment: the award, the reason and basis, the authority's decision, the recovery."""

    template_name = "awards/annulment.html"

    def annulment(self):
        return get_object_or_404(
            Annulment.objects.select_related(
                "record__unit", "record__person_unit", "record__award_type", "proposed_by"
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        annulment = self.annulment()
        records = self.request.user.has_perm("awards.change_annulment")
        return super().get_context_data(
            annulment=annulment,
            decide_form=kwargs.pop("decide_form", None) or AnnulmentDecisionForm()
            if records and annulment.status == AnnulmentStatus.PROPOSED
            else None,
            recovery_form=kwargs.pop("recovery_form", None) or RecoveryForm()
            if records and annulment.status == AnnulmentStatus.ANNULLED
            else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        annulment = self.annulment()
        recovering = "recover" in request.POST
        form = (RecoveryForm if recovering else AnnulmentDecisionForm)(request.POST)
        if form.is_valid():
            try:
                if recovering:
                    services.record_recovery(
                        annulment=annulment, by=request.user, **form.cleaned_data
                    )
                else:
                    services.decide_annulment(
                        annulment=annulment,
                        by=request.user,
                        annul="annul" in request.POST,
                        **form.cleaned_data,
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The annulment was recorded."))
                return HttpResponseRedirect(request.path)
        name = "recovery_form" if recovering else "decide_form"
        return self.render_to_response(self.get_context_data(**{name: form}))

"""The rules in force: every parameter's value for a province or a bloc on a day, with the set
and the article it comes from. Open to every signed-in official (the rules are law)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from viewflow.urls import AppMenuMixin, Viewset

from flows.blocs.access import visible_terms
from flows.blocs.models import Bloc, BlocTerm
from flows.rules import selectors
from flows.rules.models import CriteriaSet, RuleSet
from flows.rules.services import criteria
from workflows.models import Organisation


class RulesFilterForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        Organisation.objects.filter(kind__is_jurisdiction=True),
        required=False,
        label=_("province"),
        empty_label=_("national rules only"),
    )
    bloc = forms.ModelChoiceField(
        Bloc.objects.select_related("jurisdiction"),
        required=False,
        label=_("bloc"),
        empty_label=_("no bloc"),
    )
    on = forms.DateField(
        required=False, label=_("on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RulesInForceView(TemplateView):
    template_name = "rules/rules_in_force.html"

    def get_context_data(self, **kwargs):
        form = RulesFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        on = data.get("on") or timezone.localdate()
        bloc, jurisdiction = data.get("bloc"), data.get("jurisdiction")
        return super().get_context_data(
            form=form,
            on=on,
            bloc=bloc,
            jurisdiction=bloc.jurisdiction if bloc else jurisdiction,
            rows=selectors.rules_in_force(on=on, bloc=bloc, jurisdiction=jurisdiction),
            rule_sets=RuleSet.objects.select_related("jurisdiction", "bloc"),
            **kwargs,
        )


class RulesViewset(AppMenuMixin, Viewset):
    app_name = "rules"
    title = _("Rules in force")
    icon = "gavel"

    index_path = path("", RulesInForceView.as_view(), name="index")


# -- criteria sets ---------------------------------------------------------------------------------

TERM_NOT_VISIBLE = _("No such bloc term, or not one you may see.")


def visible_term_or_404(user, pk: int) -> BlocTerm:
    try:
        return visible_terms(user).select_related("bloc", "leader").get(pk=pk)
    except BlocTerm.DoesNotExist as error:
        raise Http404(TERM_NOT_VISIBLE) from error


class CriteriaImportForm(forms.Form):
    sheet = forms.FileField(
        label=_("XLSX sheet"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class CriteriaSetView(TemplateView):
    """A bloc term's criteria set: its table, its versions; the leader unit drafts a new
    version from the template, from last year's or from an XLSX sheet."""

    template_name = "rules/criteria_set.html"
    actions = {
        "template": criteria.create_from_template,
        "copy": criteria.copy_last_year,
        "import": criteria.import_xlsx,
    }

    def get_context_data(self, **kwargs):
        term = visible_term_or_404(self.request.user, self.kwargs["term_id"])
        versions = selectors.criteria_versions(term)
        shown = self.shown_version(versions)
        table = selectors.criteria_table(shown) if shown else []
        return super().get_context_data(
            term=term,
            versions=versions,
            criteria_set=shown,
            table=table,
            scored_total=selectors.scored_total(table),
            may_draft=criteria.may_draft(self.request.user, term),
            import_form=kwargs.pop("import_form", None) or CriteriaImportForm(),
            **kwargs,
        )

    def shown_version(self, versions):
        wanted = self.request.GET.get("version")
        return next((v for v in versions if str(v.version) == wanted), None) or (
            versions[0] if versions else None
        )

    def post(self, request, *args, **kwargs):
        term = visible_term_or_404(request.user, self.kwargs["term_id"])
        action = self.actions.get(request.POST.get("action"))
        if action is None:
            return HttpResponseRedirect(request.path)
        arguments = {"term": term, "by": request.user}
        if action is criteria.import_xlsx:
            form = CriteriaImportForm(request.POST, request.FILES)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(import_form=form))
            arguments["upload"] = form.cleaned_data["sheet"]
        try:
            created = action(**arguments)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Version %(version)s of the criteria set was created.")
                % {"version": created.version},
            )
        return HttpResponseRedirect(request.path)


class CriteriaSheetView(View):
    """A version of a criteria set as an XLSX sheet (the import's columns)."""

    def get(self, request, term_id, version):
        term = visible_term_or_404(request.user, term_id)
        criteria_set = get_object_or_404(CriteriaSet, term=term, version=version)
        return xlsx_response(
            criteria.export_xlsx(criteria_set),
            f"tieu-chi-{term.bloc.code}-{term.year}-v{criteria_set.version}.xlsx",
        )


class CriteriaTemplateSheetView(View):
    """The demo 3×15 table as an XLSX sheet to fill in (every signed-in official)."""

    def get(self, request):
        return xlsx_response(criteria.template_sheet(), "mau-bo-tieu-chi.xlsx")


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CriteriaViewset(Viewset):
    app_name = "criteria"

    detail_path = path("<int:term_id>/", CriteriaSetView.as_view(), name="detail")
    sheet_path = path(
        "<int:term_id>/v<int:version>.xlsx", CriteriaSheetView.as_view(), name="sheet"
    )
    template_path = path("template.xlsx", CriteriaTemplateSheetView.as_view(), name="template")

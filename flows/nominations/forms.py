"""The meeting pages' forms; every rule is checked by the services, whose messages cite it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from flows.nominations.models import AppraisalConclusion, BlocAward, ConsultationOutcome


class ConveneForm(forms.Form):
    term = forms.ModelChoiceField(None, label=_("Bloc and year"), empty_label=_("Choose a term"))
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=255)
    theme = forms.CharField(
        label=_("Theme of the thematic certificates"), max_length=255, required=False
    )

    def __init__(self, *args, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms


class ProposeForm(forms.Form):
    unit = forms.ModelChoiceField(None, label=_("Unit"), empty_label=_("Choose a unit"))
    award = forms.ChoiceField(label=_("Award"), choices=BlocAward.choices)
    priority = forms.BooleanField(
        label=_("Priority in a tie (a collective with at least 70 % women)"), required=False
    )
    priority_reason = forms.CharField(
        label=_("Why it has priority"), max_length=255, required=False
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        None, label=_("Member units present"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, initial_present, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = units
        self.fields["present"].initial = initial_present


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """One group of boxes per question awaiting the deciders (``q-<id>``), and the reason."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, pending):
        super().__init__(data)
        self.pending = pending
        for item in pending:
            self.fields[f"q-{item.question.pk}"] = forms.TypedMultipleChoiceField(
                label=item.question.label,
                choices=[(c.pk, c.label) for c in item.awaiting_decision],
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Choose %(count)s.") % {"count": item.open_places},
            )

    def chosen(self) -> dict[int, list[int]]:
        return {
            item.question.pk: self.cleaned_data[f"q-{item.question.pk}"] for item in self.pending
        }


class WrittenVoteUnitForm(forms.Form):
    unit = forms.ModelChoiceField(
        None, label=_("Absent unit whose written vote you record"), empty_label=_("Choose a unit")
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ReportForm(forms.Form):
    situation = forms.CharField(
        label=_("I. The unit and its tasks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Its staff, its functions and tasks, its conditions in the year."),
    )
    achievements = forms.CharField(
        label=_("II. Achievements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Its results against the year's targets, the measures that brought them, the"
            " movements it led. The points, the rank and the awards on record are added."
        ),
    )


class HandoverForm(forms.Form):
    next_leader = forms.ModelChoiceField(
        None,
        label=_("Next year's leader unit"),
        required=False,
        empty_label=_("Choose a unit"),
        help_text=_("Left empty when the bloc's rules have the members elect it."),
    )
    next_deputy = forms.ModelChoiceField(
        None, label=_("Next year's deputy unit"), required=False, empty_label=_("None")
    )
    handover_on = forms.DateField(
        label=_("Handed over on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_leader"].queryset = units
        self.fields["next_deputy"].queryset = units


class ReturnForm(forms.Form):
    """The department returns the dossier: why, on which legal basis, which reports."""

    reason = forms.CharField(
        label=_("Reason for the return"), widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500)
    reports = forms.ModelMultipleChoiceField(
        None,
        label=_("Reports to write and sign again"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("What these reports lack"), max_length=500, required=False)

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].queryset = reports
        self.fields["reports"].label_from_instance = lambda report: report.candidacy.unit.name


class AppraisalForm(forms.Form):
    """The officer's conclusion and opinion on one nominee (each nominee has its own form)."""

    appraisal = forms.ModelChoiceField(None, widget=forms.HiddenInput)
    conclusion = forms.ChoiceField(
        label=_("Conclusion"), choices=AppraisalConclusion.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(
        label=_("Appraisal opinion"), widget=forms.Textarea(attrs={"rows": 3})
    )
    leading_units = forms.IntegerField(
        label=_("Blocs' leading units meeting the provincial flag's standard this year"),
        required=False,
        min_value=0,
        help_text=_("The Government flag's quota is reckoned on them (K-02)."),
    )

    def __init__(self, *args, appraisals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraisal"].queryset = appraisals


class ConveneSessionForm(forms.Form):
    year = forms.IntegerField(label=_("Year of the achievements"), min_value=2000, max_value=2100)
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=255)


class RollCallForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        None, label=_("Members present"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["present"]
        field.queryset = members
        field.initial = list(members)
        field.label_from_instance = lambda a: f"{a.user.get_full_name()} ({a.get_role_display()})"


class WrittenCouncilVoteForm(forms.Form):
    elector = forms.ModelChoiceField(
        None, label=_("Absent member whose written vote you record"), empty_label=_("Choose")
    )

    def __init__(self, *args, electors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elector"].queryset = electors
        self.fields["elector"].label_from_instance = lambda e: e.appointment.user.get_full_name()


class DraftDecisionForm(forms.Form):
    year = forms.IntegerField(label=_("Year of the achievements"), min_value=2000, max_value=2100)


class ConsultationForm(forms.Form):
    """The letter asking an agency's opinion about a nominee (R-16)."""

    agency = forms.CharField(label=_("Agency consulted"), max_length=255)
    sent_on = forms.DateField(
        label=_("Sent on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ConsultationAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (ConsultationOutcome.NO_OBJECTION, ConsultationOutcome.NO_OBJECTION.label),
            (ConsultationOutcome.OBJECTION, ConsultationOutcome.OBJECTION.label),
        ],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("What the agency answered"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answered_on = forms.DateField(
        label=_("Answered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

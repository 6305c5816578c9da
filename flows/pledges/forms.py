"""Forms of the covenant pages and task steps."""

from django import forms
from django.utils.translation import gettext_lazy as _

from flows.pledges.models import Decision


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_('One "Căn cứ …" line per line.'),
    )
    theme = forms.CharField(label=_("Theme of the year"), max_length=500, required=False)
    preamble = forms.CharField(
        label=_("Preamble"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    closing = forms.CharField(
        label=_("Implementation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommitmentForm(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=255, required=False)
    text = forms.CharField(
        label=_("Commitment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TargetForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, required=False)
    text = forms.CharField(label=_("Target"), max_length=500, required=False)
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)

    def has_content(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) not in (None, "") for name in ("code", "text", "value"))


EXTRA_ROWS = 2
CommitmentFormSet = forms.formset_factory(CommitmentForm, extra=EXTRA_ROWS)
TargetFormSet = forms.formset_factory(TargetForm, extra=EXTRA_ROWS)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your unit's opinion"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when requesting changes."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline to sign"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerDeclineForm(forms.Form):
    REOPEN, WITHDRAW = "reopen", "withdraw"
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (REOPEN, _("Re-open the draft (a new version, signed again)")),
            (WITHDRAW, _("Withdraw the covenant")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to withdraw."),
    )


class StartForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Bloc term"), queryset=None)

    def __init__(self, *args, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms

"""Forms of the account pages; the rules themselves live in accounts.services."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import RepresentativeLink, User
from accounts.scoping import active_block
from accounts.services.blocks import block_message
from accounts.services.signup import parent_iin_valid, phone_valid
from indigo.digits import DigitsField
from indigo.errors import ServiceError
from indigo.forms import date_field


def _as_validation_error(error: ServiceError) -> ValidationError:
    return ValidationError(error.detail, code=error.code)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("IIN, phone or login"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The IIN, phone or login and the password do not match an account. Both are case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        block = active_block(user)
        if block is not None:
            from accounts.audit import audit_record

            audit_record(actor=None, action="login.refused_blocked", obj=user, city=block.city, request=self.request)
            raise ValidationError(block_message(block), code="blocked")


class _PasswordPair(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def password_user(self) -> User:
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.password_user())
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class SignupForm(_PasswordPair):
    iin = DigitsField(label=_("Your IIN"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    phone = DigitsField(
        label=_("Mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 7__ ___ __ __"}),
    )
    field_order = ["iin", "last_name", "first_name", "phone", "password1", "password2"]

    def clean_iin(self):
        try:
            # Whether the IIN or phone has an account is not said here (issue 14, item 4): see the service.
            return parent_iin_valid(self.cleaned_data["iin"]).value
        except ServiceError as error:
            raise _as_validation_error(error) from None

    def clean_phone(self):
        try:
            return phone_valid(self.cleaned_data["phone"])
        except ServiceError as error:
            raise _as_validation_error(error) from None

    def password_user(self) -> User:
        data = self.cleaned_data
        return User(
            username=data.get("iin", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            phone=data.get("phone"),
        )


class CodeForm(forms.Form):
    code = DigitsField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ResetStartForm(forms.Form):
    identifier = forms.CharField(label=_("IIN or phone"), max_length=150)


class ResetFinishForm(CodeForm, _PasswordPair):
    field_order = ["code", "password1", "password2"]

    def __init__(self, *args, user: User | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        return self.user or User()


class ChildLinkForm(forms.Form):
    iin = DigitsField(label=_("Child's IIN"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    birth_date = date_field(label=_("Birth date"))
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    relation = forms.ChoiceField(
        label=_("You are the child's"),
        choices=RepresentativeLink.Relation.choices,
        widget=forms.RadioSelect,
        initial=RepresentativeLink.Relation.PARENT,
    )
    document = forms.CharField(
        label=_("Document that appoints you (guardian or foster carer)"),
        max_length=300,
        required=False,
        help_text=_("Court decision or guardianship act: type, number and date. The department checks it."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class BlockForm(forms.Form):
    iin = DigitsField(label=_("Parent's IIN"), max_length=12)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AuditSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = date_field(label=_("From"), required=False)
    until = date_field(label=_("To"), required=False)
    everywhere = forms.BooleanField(label=_("Every city"), required=False)

    def __init__(self, *args, everywhere: bool = False, **kwargs):
        from accounts.audit_words import audit_action_choices

        super().__init__(*args, **kwargs)
        # The actions by their names in the reader's language, not by their codes.
        self.fields["action"].choices = [("", _("Every action")), *audit_action_choices()]
        if not everywhere:  # only an administrator may look beyond the page's city
            del self.fields["everywhere"]


class StaffCreateForm(_PasswordPair):
    username = forms.CharField(label=_("Login"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    phone = DigitsField(label=_("Mobile phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    kindergartens = forms.ModelMultipleChoiceField(
        label=_("Kindergartens"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    field_order = ["username", "last_name", "first_name", "phone", "email", "kindergartens", "password1", "password2"]

    def __init__(self, *args, kindergartens, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kindergartens"].queryset = kindergartens

    def password_user(self) -> User:
        data = self.cleaned_data
        return User(
            username=data.get("username", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
        )

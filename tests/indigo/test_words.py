"""Issue 12 item 3: the reasons the system stores in English are shown in the reader's language; what a
person typed is shown as written."""

from django.template import Context, Template
from django.utils import translation

from indigo.words import reason_display


def test_a_stored_system_reason_is_said_in_the_readers_language():
    with translation.override("ru"):
        assert reason_display("referral expired") == "срок направления истёк"
        assert Template("{{ text|reason }}").render(Context({"text": "personal cabinet blocked"})) == (
            "личный кабинет заблокирован"
        )
    with translation.override("kk"):
        assert reason_display("refused by the family") == "отбасы орыннан бас тартты"


def test_what_a_person_typed_is_shown_as_written():
    with translation.override("kk"):
        assert reason_display("Топ жөндеуге жабылды") == "Топ жөндеуге жабылды"
        assert reason_display(None) is None


def test_djangos_field_limits_speak_kazakh_too():
    from django import forms

    class Form(forms.Form):
        name = forms.CharField(max_length=3)

    with translation.override("kk"):
        form = Form({"name": "ұзын"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Бұл мәнде ең көбі 3 таңба болуы керек (қазір 4)."]

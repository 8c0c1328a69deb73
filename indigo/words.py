"""Words the system itself stores in English, said in the reader's language (issue 12).

Services record a few fixed reasons ("referral expired", "personal cabinet blocked"…) in events, the
audit log and the hash-chained protocol, whose stored text must never change. They are translated when
shown: `{{ text|reason }}` in any template (a builtin, see settings.TEMPLATES), `reason_display()` in
code. Anything else — what a person typed — is shown as it was written.
"""

from django import template
from django.utils.translation import gettext_lazy as _

SYSTEM_REASONS = {
    "referral expired": _("the referral expired"),
    "refused": _("the family refused the seat"),
    "refused by the family": _("the family refused the seat"),
    "personal cabinet blocked": _("the personal cabinet was blocked"),
    "extraordinary privilege not confirmed": _("the extraordinary privilege was not confirmed in time"),
    "not confirmed in time (R-Q-5)": _("not confirmed in time"),
    "matching details": _("the details match"),
}

register = template.Library()


@register.filter(name="reason")
def reason_display(text):
    if not isinstance(text, str):
        return text
    translated = SYSTEM_REASONS.get(text.strip())
    return str(translated) if translated is not None else text

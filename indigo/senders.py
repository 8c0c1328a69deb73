"""Notification senders: SMS and e-mail behind one small interface, chosen by settings.

Use from any app:

    from indigo import senders

    senders.sms_later(phone, text)              # after the current transaction commits, via Celery
    senders.email_later(to, subject, body)      # the same for e-mail
    senders.send_sms(phone, text)               # now, in this process (the Celery task calls this)
    senders.send_email(to, subject, body)

Render the text in the recipient's language *before* calling: the task only carries strings.
A rolled-back transaction sends nothing, because the task is queued in `on_commit`.

Settings (environment variables of the same name):

    SMS_SENDER    console (default: logs the message) | memory (tests) | http (the SMS gateway)
    EMAIL_SENDER  console (default) | memory (tests) | smtp (Django's mail with EMAIL_HOST…)
    SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN, SMS_GATEWAY_TIMEOUT   for SMS_SENDER=http

The memory sender keeps every message in `senders.outbox` (a list of `Message`), so a test asserts on
what was sent and reads a one-time code from it.
"""

import dataclasses
import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    to: str
    subject: str
    body: str


class SendError(Exception):
    """The gateway refused or did not answer; the Celery task retries."""


# The memory sender's messages, oldest first; tests clear it.
outbox: list[Message] = []


class ConsoleSender:
    """The demo's sender: the message goes to the log, nobody is charged for it."""

    def send_sms(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)

    def send_email(self, to: str, subject: str, body: str) -> None:
        log.info("E-mail to %s: %s\n%s", to, subject, body)


class MemorySender:
    def send_sms(self, phone: str, text: str) -> None:
        outbox.append(Message("sms", phone, "", text))

    def send_email(self, to: str, subject: str, body: str) -> None:
        outbox.append(Message("email", to, subject, body))


class HttpSmsGateway:
    """POSTs {"phone", "text"} as JSON with a bearer token to the operator's gateway."""

    def __init__(self, url: str, token: str, timeout: float):
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL when SMS_SENDER=http.")
        self.url, self.token, self.timeout = url, token, timeout

    def send_sms(self, phone: str, text: str) -> None:
        payload = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise SendError(f"SMS gateway answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SendError(f"SMS gateway unreachable: {error}") from None
        if not 200 <= status < 300:
            raise SendError(f"SMS gateway answered {status}")

    def send_email(self, to: str, subject: str, body: str) -> None:
        raise ImproperlyConfigured("The SMS gateway does not send e-mail; set EMAIL_SENDER.")


class SmtpSender:
    """E-mail through Django's mail framework (EMAIL_HOST, EMAIL_PORT… in settings)."""

    def send_sms(self, phone: str, text: str) -> None:
        raise ImproperlyConfigured("SMTP does not send SMS; set SMS_SENDER.")

    def send_email(self, to: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [to], fail_silently=False)


def _sms_sender():
    name = getattr(settings, "SMS_SENDER", "console")
    if name == "console":
        return ConsoleSender()
    if name == "memory":
        return MemorySender()
    if name == "http":
        return HttpSmsGateway(
            settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN, float(getattr(settings, "SMS_GATEWAY_TIMEOUT", 10))
        )
    raise ImproperlyConfigured(f"SMS_SENDER={name!r}: use console, memory or http.")


def _email_sender():
    name = getattr(settings, "EMAIL_SENDER", "console")
    if name == "console":
        return ConsoleSender()
    if name == "memory":
        return MemorySender()
    if name == "smtp":
        return SmtpSender()
    raise ImproperlyConfigured(f"EMAIL_SENDER={name!r}: use console, memory or smtp.")


def send_sms(phone: str, text: str) -> None:
    _sms_sender().send_sms(phone, text)


def send_email(to: str, subject: str, body: str) -> None:
    _email_sender().send_email(to, subject, body)


@shared_task(
    name="indigo.senders.deliver",
    autoretry_for=(SendError,),
    retry_backoff=True,
    max_retries=3,
)
def deliver(channel: str, to: str, subject: str, body: str) -> None:
    if channel == "sms":
        send_sms(to, body)
    elif channel == "email":
        send_email(to, subject, body)
    else:
        raise ValueError(f"Unknown channel {channel!r}")


def sms_later(phone: str, text: str) -> None:
    """Send an SMS once the current transaction commits (at once when there is none)."""
    transaction.on_commit(lambda: deliver.delay("sms", phone, "", text))


def email_later(to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: deliver.delay("email", to, subject, body))

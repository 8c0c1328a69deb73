"""indigo.senders: console for the demo, memory for tests, the HTTP SMS gateway, sending after commit."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from indigo import senders


@pytest.fixture
def gateway():
    """A tiny SMS gateway on 127.0.0.1 that records what it is sent and answers `status`."""
    received, state = [], {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"auth": self.headers["Authorization"], "json": json.loads(body)})
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", received, state
    server.shutdown()
    server.server_close()


def test_it_posts_to_the_sms_gateway_with_the_token(settings, gateway):
    url, received, _ = gateway
    settings.SMS_SENDER, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = "http", url, "s3cret"
    senders.send_sms("+77015551234", "Indigo: 123456 — код")
    assert received == [{"auth": "Bearer s3cret", "json": {"phone": "+77015551234", "text": "Indigo: 123456 — код"}}]


def test_it_raises_a_retryable_error_when_the_gateway_refuses(settings, gateway):
    url, _, state = gateway
    state["status"] = 503
    settings.SMS_SENDER, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = "http", url, "s3cret"
    with pytest.raises(senders.SendError, match="503"):
        senders.send_sms("+77015551234", "text")


def test_it_raises_a_retryable_error_when_the_gateway_is_down(settings):
    settings.SMS_SENDER, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TIMEOUT = "http", "http://127.0.0.1:9/", 1
    with pytest.raises(senders.SendError, match="unreachable"):
        senders.send_sms("+77015551234", "text")


def test_it_refuses_a_gateway_url_that_is_not_http(settings):
    settings.SMS_SENDER, settings.SMS_GATEWAY_URL = "http", "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        senders.send_sms("+77015551234", "text")


def test_it_logs_on_the_console_sender(settings, caplog):
    settings.SMS_SENDER = settings.EMAIL_SENDER = "console"
    with caplog.at_level(logging.INFO, logger="indigo.senders"):
        senders.send_sms("+77015551234", "hello")
        senders.send_email("a@example.kz", "Subject", "Body")
    assert "SMS to +77015551234: hello" in caplog.text
    assert "E-mail to a@example.kz: Subject" in caplog.text


def test_it_collects_messages_in_memory(outbox):
    senders.send_sms("+77015551234", "one")
    senders.send_email("a@example.kz", "Subject", "two")
    assert outbox == [
        senders.Message("sms", "+77015551234", "", "one"),
        senders.Message("email", "a@example.kz", "Subject", "two"),
    ]


def test_it_sends_only_after_commit(db, outbox, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        senders.sms_later("+77015551234", "after commit")
        assert outbox == []
    assert [message.body for message in outbox] == ["after commit"]


def test_it_sends_nothing_when_the_transaction_rolls_back(transactional_db, outbox, eager_celery):
    with pytest.raises(RuntimeError), transaction.atomic():
        senders.sms_later("+77015551234", "never")
        raise RuntimeError
    assert outbox == []
    with transaction.atomic():
        senders.email_later("a@example.kz", "S", "sent")
    assert [message.body for message in outbox] == ["sent"]

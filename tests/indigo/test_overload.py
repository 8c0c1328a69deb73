"""Admission control (indigo/overload.py): past its limits a process answers 503 at once, never hangs."""

import json
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory

from indigo.overload import AdmissionControl


class Gate:
    """A view that holds every request until released, so a test can fill the slots."""

    def __init__(self):
        self.open = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, request):
        self.entered.release()
        self.open.wait(5)
        return HttpResponse("done")


@pytest.fixture
def limits(settings):
    settings.OVERLOAD_MAX_IN_FLIGHT = 2
    settings.OVERLOAD_MAX_WAITING = 1
    settings.OVERLOAD_WAIT_MS = 200
    settings.OVERLOAD_RETRY_AFTER = 3
    return settings


def _in_thread(middleware, path="/api/v1/claims/"):
    answers = []
    thread = threading.Thread(target=lambda: answers.append(middleware(RequestFactory().post(path))))
    thread.start()
    return thread, answers


def _fill(middleware, gate, n):
    running = [_in_thread(middleware) for _ in range(n)]
    for _ in range(n):
        assert gate.entered.acquire(timeout=5)
    return running


def test_it_is_off_by_default():
    assert django_settings.OVERLOAD_MAX_IN_FLIGHT == 0
    middleware = AdmissionControl(lambda request: HttpResponse("ok"))
    assert middleware(RequestFactory().get("/")).status_code == 200


def test_it_refuses_at_once_past_the_slots_and_the_waiting_room(limits):
    gate = Gate()
    middleware = AdmissionControl(gate)
    running = _fill(middleware, gate, 2)
    waiting, waiting_answers = _in_thread(middleware)
    time.sleep(0.05)  # the third request is now waiting for a slot

    started = time.monotonic()
    refused = middleware(RequestFactory().post("/api/v1/claims/"))
    assert time.monotonic() - started < 0.1

    assert refused.status_code == 503
    assert refused["Retry-After"] == "3"
    assert json.loads(refused.content)["code"] == "overloaded"
    gate.open.set()
    for thread, _ in running + [(waiting, waiting_answers)]:
        thread.join(5)
    assert [answers[0].status_code for _, answers in running] == [200, 200]
    # The waiting one either got a slot when the gate opened or ran out of its 200 ms first.
    assert waiting_answers[0].status_code in (200, 503)
    assert middleware.refused >= 1


def test_it_lets_a_waiting_request_in_when_a_slot_frees(limits):
    limits.OVERLOAD_WAIT_MS = 3000
    gate = Gate()
    middleware = AdmissionControl(gate)
    running = _fill(middleware, gate, 2)
    waiting, waiting_answers = _in_thread(middleware)
    time.sleep(0.05)
    gate.open.set()
    waiting.join(5)
    for thread, _ in running:
        thread.join(5)
    assert waiting_answers[0].status_code == 200
    assert middleware.refused == 0


def test_it_refuses_a_request_that_waited_too_long(limits):
    gate = Gate()
    middleware = AdmissionControl(gate)
    running = _fill(middleware, gate, 2)
    started = time.monotonic()
    answer = middleware(RequestFactory().get("/kk/"))
    waited = time.monotonic() - started
    gate.open.set()
    for thread, _ in running:
        thread.join(5)
    assert 0.15 < waited < 1.0
    assert answer.status_code == 503
    assert answer["Content-Type"].startswith("text/plain")
    assert "The portal is busy" in answer.content.decode()


def test_it_never_refuses_the_health_check(limits):
    gate = Gate()
    middleware = AdmissionControl(gate)
    running = _fill(middleware, gate, 2)
    health = _in_thread(middleware, "/healthz")
    assert gate.entered.acquire(timeout=5)  # it reached the view despite full slots
    gate.open.set()
    for thread, _ in running + [health]:
        thread.join(5)
    assert health[1][0].status_code == 200


def test_it_gives_the_slot_back_when_the_view_fails(limits):
    def broken(request):
        raise RuntimeError("view failed")

    middleware = AdmissionControl(broken)
    for _ in range(5):
        with pytest.raises(RuntimeError):
            middleware(RequestFactory().get("/"))
    assert middleware._slots.acquire(blocking=False)
    assert middleware._slots.acquire(blocking=False)

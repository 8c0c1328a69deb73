"""Admission control: a bound on the requests one web process works on at once (DESIGN §5, overload).

Past what the machine can serve, every extra request only lengthens the queue: all of them slow
down until clients time out, and the ones that finally run were abandoned long ago. So each
process lets OVERLOAD_MAX_IN_FLIGHT requests run; up to OVERLOAD_MAX_WAITING more wait at most
OVERLOAD_WAIT_MS for a free slot; anything beyond that is answered 503 with Retry-After at once.
A refused request has done nothing, so the client may simply retry it; an admitted one runs to
its end, so an acknowledged claim is never lost to overload.

It counts per process and needs threads to matter (gunicorn's gthread worker): a sync worker
never has more than one request in flight. Give each worker more threads than in-flight plus
waiting requests: the spare threads are what refuses the excess at once; with fewer, the excess
queues inside gunicorn, where no middleware sees it. It is the first middleware, so a refusal
costs no session, database or template work. OVERLOAD_MAX_IN_FLIGHT=0 (the default) turns it off.
"""

import threading

from django.conf import settings
from django.http import HttpResponse, JsonResponse

# Said in the three languages at once: this answer must stay cheaper than any translation lookup.
BUSY_TEXT = (
    "Портал қазір бос емес, сәлден кейін қайталаңыз. / "
    "Портал сейчас перегружен, повторите попытку через несколько секунд. / "
    "The portal is busy right now; please try again in a few seconds."
)


class AdmissionControl:
    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.OVERLOAD_MAX_IN_FLIGHT
        self.max_waiting = settings.OVERLOAD_MAX_WAITING
        self.wait_seconds = settings.OVERLOAD_WAIT_MS / 1000
        self.retry_after = str(settings.OVERLOAD_RETRY_AFTER)
        self.exempt = frozenset(settings.OVERLOAD_EXEMPT_PATHS)
        self._slots = threading.BoundedSemaphore(self.limit) if self.limit else None
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        # Read by tests and by operators through a debugger: how many requests were refused.
        self.refused = 0

    def __call__(self, request):
        if self._slots is None or request.path_info in self.exempt:
            return self.get_response(request)
        if not self._slots.acquire(blocking=False) and not self._wait_for_slot():
            return self._refuse(request)
        try:
            return self.get_response(request)
        finally:
            self._slots.release()

    def _wait_for_slot(self) -> bool:
        with self._waiting_lock:
            if self._waiting >= self.max_waiting:
                return False
            self._waiting += 1
        try:
            return self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _refuse(self, request) -> HttpResponse:
        with self._waiting_lock:
            self.refused += 1
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"code": "overloaded", "detail": BUSY_TEXT}, status=503)
        else:
            response = HttpResponse(BUSY_TEXT, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = self.retry_after
        response["Cache-Control"] = "no-store"
        return response

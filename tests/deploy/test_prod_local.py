"""Issue 15 item 1: `make prod-local`'s topology fits together, driven through nginx as a browser would.

One topology for the module, on free ports of its own and a database of its own (a copy of this
worker's test database, so nothing is migrated twice): nginx → two app servers → PgBouncer →
PostgreSQL, Redis, a Celery worker and beat, DEBUG=0. It is stopped at the end and no process is left.
"""

import concurrent.futures
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connections

from deploy.client import CookieClient
from deploy.local import Topology
from deploy.processes import ROOT, alive, free_port

pytestmark = [pytest.mark.xdist_group("prod_local")]


class Browser(CookieClient):
    """Just enough of a browser (deploy/client.py), with a JSON API call."""

    def __init__(self, port: int, address: str = "192.0.2.10"):
        super().__init__(port, address)

    def api(self, method: str, path: str, payload=None, **kwargs):
        headers = {"Accept": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        body = b""
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        response, content = self.request(method, path, body=body, headers=headers, **kwargs)
        return response.status, json.loads(content) if content[:1] in (b"{", b"[") else content


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker, worker_id):
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed (make test installs it with .ci/prod-packages.sh)")
    with django_db_blocker.unblock():
        name = connections["default"].settings_dict["NAME"]
        # Copying a database needs every connection to it closed.
        connections.close_all()
    # This worker's migrated test database (pytest-django's name for it) saves a migration; when it is
    # not there the topology migrates its own.
    template = name if name.startswith("test_") else f"test_{name}" + (f"_{worker_id}" if worker_id != "master" else "")
    redis_url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    root = ROOT / "var" / f"prod-smoke-{worker_id}"
    shutil.rmtree(root, ignore_errors=True)
    topology = Topology(
        root=root,
        database=f"{name.removeprefix('test_')}_prod_smoke",
        nginx_port=free_port(),
        app_ports=[free_port(), free_port()],
        pgbouncer_port=free_port(),
        cache_url=redis_url,
        broker_url=redis_url,
        threads=4,
        max_conns=4,
        pool_size=4,
        seed_args=["--children", "200", "--kindergartens", "5"],
        template=template,
    )
    topology.drop_database()
    topology.start()
    pids = {path.stem: path for path in topology.run_dir.glob("*.pid")}
    try:
        yield topology
    finally:
        topology.stop()
        topology.drop_database()
    left = [name for name, path in pids.items() if _alive_pid(path)]
    assert left == [], f"still running after stop: {left}"


def _alive_pid(path: Path) -> bool:
    return path.exists() and alive(path)


def test_it_serves_every_piece_of_the_topology(topology):
    assert sorted(topology.running()) == sorted(
        ["nginx", "pgbouncer", "celery-worker", "celery-beat", *(f"app-{p}" for p in topology.app_ports)]
    )


def test_it_signs_in_and_claims_through_nginx_with_sessions_shared_by_the_app_servers(topology):
    browser = Browser(topology.nginx_port)
    response, page = browser.request("GET", "/kk/accounts/login/")
    assert response.status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = f"csrfmiddlewaretoken={token}&username=parent&password=indigo-demo".encode()
    origin = f"http://127.0.0.1:{topology.nginx_port}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin, "Referer": f"{origin}/"}
    response, _ = browser.request("POST", "/kk/accounts/login/", body=form, headers=headers)
    assert response.status == 302, "sign-in through the proxy (CSRF checked against the forwarded host)"
    assert "sessionid" in browser.cookies

    # The session is known to each app server, not only to the one that signed the parent in.
    for port in topology.app_ports:
        status, me = browser.api("GET", "/api/v1/me/", port=port)
        assert status == 200 and me["username"] == "parent", port

    status, children = browser.api("GET", "/api/v1/me/children/")
    assert status == 200
    applications = [a["id"] for child in children for a in child.get("applications", [])]
    seats = []
    for application in applications:
        status, claimable = browser.api("GET", f"/api/v1/applications/{application}/claimable-seats/")
        assert status == 200
        seats += [(application, seat["seat"]) for seat in claimable]
    assert seats, "the demo parent has a seat to claim right away (README)"
    application, seat = seats[0]
    status, referral = browser.api("POST", "/api/v1/claims/", {"seats": [seat], "applications": [application]})
    assert status == 201, referral
    assert referral[0]["number"]


def test_it_serves_static_files_from_nginx_compressed(topology):
    css = next((ROOT / "staticfiles" / "css").glob("*.css"))
    browser = Browser(topology.nginx_port)
    response, content = browser.request("GET", f"/static/css/{css.name}")
    assert response.status == 200 and content == css.read_bytes()
    response, _ = browser.request("GET", f"/static/css/{css.name}", headers={"Accept-Encoding": "gzip"})
    if css.stat().st_size >= 1024:
        assert response.getheader("Content-Encoding") == "gzip"
    # DEBUG is off: Django itself serves no static files, so the answer above was nginx's.
    response, _ = Browser(topology.app_ports[0]).request("GET", f"/static/css/{css.name}")
    assert response.status == 404


def test_it_answers_a_client_over_its_rate_with_429_from_nginx(topology):
    browser = Browser(topology.nginx_port, address="198.51.100.77")

    def claim(_):
        return browser.api("POST", "/api/v1/claims/", {"seats": [1], "applications": [1]})[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(claim, range(16)))
    assert statuses.count(429) >= 8, statuses
    status, body = browser.api("POST", "/api/v1/claims/", {"seats": [1], "applications": [1]})
    assert status == 429 and body["code"] == "rate_limited"
    # Another family is not slowed down by that one.
    assert Browser(topology.nginx_port, address="198.51.100.78").api("GET", "/api/v1/vacancies/")[0] == 200

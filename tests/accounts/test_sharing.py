"""R-A-3 sharing signals: concurrent sessions from more networks or devices than the city allows flag the account."""

import pytest
from django.test import Client

from accounts.models import AccountFlag, AuditLog, LoginSignal
from accounts.net import device_fingerprint, network_of

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari",
]


def sign_in_from(ip: str, agent: str, identifier: str = "aigerim") -> Client:
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post("/en/accounts/login/", {"username": identifier, "password": "pass-for-tests"})
    assert response.status_code == 302
    return client


def test_it_derives_the_network_and_a_version_free_device():
    assert network_of("95.56.12.200") == "95.56.12.0/24"
    assert network_of("2a02:4780:abcd:1::5") == "2a02:4780:abcd::/48"
    assert network_of(None) == "unknown"
    old = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"
    assert device_fingerprint(old) == device_fingerprint(BROWSERS[2])
    assert device_fingerprint(BROWSERS[0]) != device_fingerprint(BROWSERS[1])


def test_it_records_a_signal_per_login(parent, city):
    sign_in_from("95.56.12.200", BROWSERS[0])
    signal = LoginSignal.objects.get(user=parent)
    assert signal.network == "95.56.12.0/24"
    assert signal.ip == "95.56.12.200"
    assert signal.session_key


def test_it_flags_more_concurrent_networks_than_the_threshold(parent, child, city):
    assert city.sharing_signal_threshold == 3
    for n in range(3):
        sign_in_from(f"95.56.{n}.10", BROWSERS[0])
    assert not AccountFlag.objects.exists()
    sign_in_from("2.134.7.7", BROWSERS[0])
    flag = AccountFlag.objects.get(user=parent)
    assert flag.state == AccountFlag.State.OPEN
    assert (flag.networks, flag.devices, flag.threshold) == (4, 1, 3)
    assert flag.city == city
    networks = {entry["network"] for entry in flag.evidence}
    assert networks == {"95.56.0.0/24", "95.56.1.0/24", "95.56.2.0/24", "2.134.7.0/24"}
    assert AuditLog.objects.filter(action="account.flag", object_id=str(flag.pk)).exists()


def test_it_flags_more_concurrent_devices_than_the_threshold(parent, child):
    for agent in BROWSERS[:4]:
        sign_in_from("95.56.12.200", agent)
    flag = AccountFlag.objects.get(user=parent)
    assert (flag.networks, flag.devices) == (1, 4)


def test_it_adds_evidence_to_the_open_flag_instead_of_a_second_flag(parent, child):
    for n in range(5):
        sign_in_from(f"95.56.{n}.10", BROWSERS[0])
    flag = AccountFlag.objects.get(user=parent)
    assert flag.networks == 5 and len(flag.evidence) == 5


def test_it_does_not_count_sessions_that_were_signed_out(parent, child):
    clients = [sign_in_from(f"95.56.{n}.10", BROWSERS[0]) for n in range(3)]
    clients[0].post("/en/accounts/logout/")
    sign_in_from("2.134.7.7", BROWSERS[0])
    assert not AccountFlag.objects.exists()


def test_it_follows_the_citys_threshold(parent, child, city):
    city.sharing_signal_threshold = 2
    city.save()
    for n in range(3):
        sign_in_from(f"95.56.{n}.10", BROWSERS[0])
    assert AccountFlag.objects.get(user=parent).threshold == 2


def test_it_never_flags_staff(staff_a):
    for n in range(5):
        sign_in_from(f"95.56.{n}.10", BROWSERS[n], identifier="staff_a")
    assert not AccountFlag.objects.exists()


@pytest.fixture
def flag(parent, child):
    for n in range(4):
        sign_in_from(f"95.56.{n}.10", BROWSERS[0])
    return AccountFlag.objects.get(user=parent)


def test_it_shows_the_flag_with_its_evidence_only_to_the_citys_officers(client, flag, officer, outsider):
    client.force_login(outsider)
    assert f'data-flag="{flag.pk}"'.encode() not in client.get("/en/department/balkhash/flags/").content
    assert client.post(f"/en/department/balkhash/flags/{flag.pk}/dismiss/").status_code == 404
    client.force_login(officer)
    page = client.get("/en/department/temirtau/flags/")
    assert f'data-flag="{flag.pk}"'.encode() in page.content
    assert b"95.56.3.0/24" in page.content


def test_it_lets_the_officer_dismiss_a_flag(client, flag, officer):
    client.force_login(officer)
    client.post(f"/en/department/temirtau/flags/{flag.pk}/dismiss/", {"reason": "Family of three, two offices"})
    flag.refresh_from_db()
    assert flag.state == AccountFlag.State.DISMISSED
    assert flag.decided_by == officer
    assert AuditLog.objects.filter(action="account.flag_dismiss").exists()

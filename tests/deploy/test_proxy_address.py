"""Behind nginx the client's address comes from X-Real-IP, and only when nginx is who says so."""

from django.http import HttpResponse
from django.test import RequestFactory

from indigo.proxy import TrustedProxyAddress


def seen_address(settings, *, peer: str, real_ip: str | None, trusted: list[str]) -> str:
    settings.TRUSTED_PROXIES = trusted
    headers = {"HTTP_X_REAL_IP": real_ip} if real_ip else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    TrustedProxyAddress(lambda request: HttpResponse())(request)
    return request.META["REMOTE_ADDR"]


def test_it_takes_the_client_address_from_a_trusted_proxy(settings):
    assert seen_address(settings, peer="127.0.0.1", real_ip="203.0.113.7", trusted=["127.0.0.1"]) == "203.0.113.7"
    assert seen_address(settings, peer="10.0.3.4", real_ip="2001:db8::1", trusted=["10.0.0.0/16"]) == "2001:db8::1"


def test_it_ignores_the_header_from_anyone_else(settings):
    assert seen_address(settings, peer="198.51.100.9", real_ip="203.0.113.7", trusted=["127.0.0.1"]) == "198.51.100.9"
    assert seen_address(settings, peer="127.0.0.1", real_ip="203.0.113.7", trusted=[]) == "127.0.0.1"
    assert seen_address(settings, peer="127.0.0.1", real_ip="not an address", trusted=["127.0.0.1"]) == "127.0.0.1"

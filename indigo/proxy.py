"""The client's address behind the reverse proxy (deploy/nginx.conf).

Behind nginx every request reaches the app server from the proxy's address, so the per-address
lockout, the rate limits and the sharing signals (R-A-3, R-A-4) would see one client for the whole
city. nginx sends the address it saw in X-Real-IP; it is believed only when the request comes from a
proxy listed in TRUSTED_PROXIES, so a client talking to an app server directly cannot choose its own.
"""

import ipaddress

from django.conf import settings


class TrustedProxyAddress:
    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        if self.proxies:
            self._client_address(request.META)
        return self.get_response(request)

    def _client_address(self, meta) -> None:
        forwarded = meta.get("HTTP_X_REAL_IP", "").strip()
        if not forwarded:
            return
        try:
            peer = ipaddress.ip_address(meta.get("REMOTE_ADDR", ""))
            client = ipaddress.ip_address(forwarded)
        except ValueError:
            return
        if any(peer in network for network in self.proxies):
            meta["REMOTE_ADDR"] = str(client)

"""Just enough of a browser for the smoke test and the drills: one client address (X-Forwarded-For,
which nginx turns into X-Real-IP), cookies kept by hand (Django marks them Secure when DEBUG is off,
and this is plain HTTP on 127.0.0.1)."""

import http.client


class CookieClient:
    def __init__(self, port: int, address: str, *, timeout: float = 30):
        self.port, self.address, self.timeout = port, address, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None, port=None):
        """(the response, its body), the response's cookies kept for the next request."""
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=self.timeout)
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-For": self.address, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response, content

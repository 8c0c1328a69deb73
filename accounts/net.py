"""Where a request comes from: the client address, its network and a coarse device fingerprint."""

import hashlib
import ipaddress
import re

# Version numbers change with every browser update; the device does not.
_VERSIONS = re.compile(r"[\d._]+")
_SPACES = re.compile(r"\s+")


def client_ip(request) -> str | None:
    """REMOTE_ADDR, which the reverse proxy sets (gunicorn with --forwarded-allow-ips behind it)."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def network_of(ip: str | None) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one: one home, office or mobile cell."""
    if not ip:
        return "unknown"
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_fingerprint(user_agent: str) -> str:
    """A short digest of the user agent with its version numbers removed."""
    normalized = _SPACES.sub(" ", _VERSIONS.sub("#", (user_agent or "").lower())).strip()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]

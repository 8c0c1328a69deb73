"""The load generator's HTTP/1.1 client on asyncio streams, and the tally of its answers.

Written on streams rather than a client library because on a 2-core machine the client's own CPU is
taken from the server it measures: this one spends a few tens of microseconds per request. It speaks
only to 127.0.0.1.
"""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class Answer:
    status: int  # 0: no answer (timeout or connection error)
    code: str  # the API's error code, "timeout", "connect", or ""
    ms: float
    body: bytes = b""


async def http(
    port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b"", timeout: float
) -> Answer:
    """One request on its own connection (gunicorn's sync workers close after each answer anyway)."""
    started = time.perf_counter()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            found = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    found[name.strip().lower()] = value.strip()
            if "content-length" in found:
                content = await reader.readexactly(int(found["content-length"]))
            elif found.get("transfer-encoding", "").lower() == "chunked":
                content = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    content += await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                content = await reader.read()
    except TimeoutError:
        return Answer(0, "timeout", (time.perf_counter() - started) * 1000)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
        return Answer(0, "connect", (time.perf_counter() - started) * 1000)
    finally:
        if writer is not None:
            writer.close()
    code = ""
    if status >= 400 and content[:1] == b"{":
        try:
            code = str(json.loads(content).get("code", ""))
        except (ValueError, AttributeError):
            code = ""
    return Answer(status, code, (time.perf_counter() - started) * 1000, content)


def client_address(number: int) -> str:
    """A family's own address (in 10/8), sent as X-Forwarded-For when the plan says "forwarded":
    behind the front nginx then limits each family, not the one load generator (bench/front.py)."""
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def forwarded(plan: dict, headers: dict[str, str], number: int) -> dict[str, str]:
    if not plan.get("forwarded"):
        return headers
    return {**headers, "X-Forwarded-For": client_address(number)}


def parent_headers(plan: dict, parent: dict) -> dict[str, str]:
    """A signed-in parent's JSON request: its session cookie, the CSRF token, its own address if forwarded."""
    headers = {
        "Cookie": parent["cookie"],
        "X-CSRFToken": plan["csrf"],
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return forwarded(plan, headers, parent["application"])


@dataclass
class Tally:
    """Answers as they come: latency per request, counts by status and API code."""

    latencies: list[float] = field(default_factory=list)
    status_list: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    first: float = 0.0
    last: float = 0.0

    def add(self, answer: Answer) -> None:
        now = time.perf_counter()
        self.first = self.first or now - answer.ms / 1000
        self.last = now
        self.latencies.append(answer.ms)
        self.status_list.append(answer.status)
        self.statuses[answer.status] += 1
        if answer.code:
            self.codes[f"{answer.status} {answer.code}"] += 1

    def as_dict(self) -> dict:
        return {
            "latencies": self.latencies,
            "status_list": self.status_list,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "codes": dict(self.codes.most_common()),
            "seconds": max(self.last - self.first, 1e-9),
        }

"""Where a webhook may be sent (SPEC section 16): an https:// URL (http:// outside production)
whose name resolves to public addresses only, never loopback, private, link-local, shared or
metadata ones, unless WEBHOOK_ALLOW_PRIVATE=true. Checked when a hook is registered and again at
every delivery, which then connects to the very address that was checked (the name is not looked
up a second time by the HTTP client, so a DNS answer cannot change between check and connect)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from entities.webhooks import MAX_URL

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
DEFAULT_PORTS = {"https": 443, "http": 80}


class RefusedTarget(ValueError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    url: str  # the URL as registered
    host: str  # the name the receiver expects (Host header, TLS server name)
    address: str | None  # the checked address to connect to (None: a registration whose name did not resolve)
    port: int

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the name."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        path = parts.path or "/"
        return f"{parts.scheme}://{address}:{self.port}{path}" + (f"?{parts.query}" if parts.query else "")

    @property
    def host_header(self) -> str:
        default = DEFAULT_PORTS[urlsplit(self.url).scheme]
        return self.host if self.port == default else f"{self.host}:{self.port}"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a seam for tests that need a name with a private answer)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def refusal(address) -> str | None:
    """Why ``address`` may not receive webhooks, or None for a public one."""
    ip = address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global or ip.is_multicast:
        return "not a public address"
    return None


def check_target(url, *, allow_private: bool, allow_http: bool, must_resolve: bool = True) -> Target:
    """The delivery target of ``url``, or RefusedTarget. ``must_resolve`` false (registration): a name
    that does not resolve now is accepted with no address, as nothing can be learnt of it yet (a
    machine without DNS, a record not published yet); every delivery resolves it again and refuses
    what it then points at, so nothing is ever sent to an address that was not checked."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or not url.isprintable() or " " in url:
        raise RefusedTarget(f"must be a URL of at most {MAX_URL} characters")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise RefusedTarget("must be an https:// URL" if not allow_http else "must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise RefusedTarget("must not carry credentials")
    if parts.fragment:
        raise RefusedTarget("must not have a fragment")
    try:
        host, port = parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise RefusedTarget("has an invalid port") from None
    if not host:
        raise RefusedTarget("must name a host")
    try:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        if not must_resolve:
            return Target(url=url, host=host, address=None, port=port)
        raise RefusedTarget(f"host {host!r} does not resolve")
    if not allow_private:
        for address in addresses:
            if why := refusal(address):
                raise RefusedTarget(f"must not point at {why} ({host} is {address})")
    return Target(url=url, host=host, address=str(addresses[0]), port=port)

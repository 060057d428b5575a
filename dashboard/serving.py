"""Where the running server listens: this computer only (loopback), or the network.

Local single-user mode (no sign-in: the visitor is an admin) is allowed only when
the server can be reached from this computer alone. That is decided at run time,
from the address Streamlit was told to use (``server.address``, wherever it came
from: a flag, a config file, an environment variable, or nothing at all, which
means every interface) and, where the operating system shows them (Linux
``/proc``), from the sockets this process is actually listening on.
A Unix socket counts as the network: something else (a proxy) serves it.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp


def is_loopback_address(address: str | None) -> bool:
    """Whether binding *address* serves this computer only (an unset or empty address means every interface)."""
    if not address:
        return False
    text = address.strip().lower()
    if text in LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False  # a host name other than localhost, or unix://…: not provably this computer only
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _socket_inodes(proc: Path) -> set[str]:
    inodes: set[str] = set()
    try:
        fds = list((proc / "self" / "fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _proc_address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.IPv6Address(words))


def listening_addresses(port: int, proc: Path = Path("/proc")) -> list[str] | None:
    """The local addresses this process listens on at TCP *port*; None where the system does not tell."""
    tables = [proc / "net" / "tcp", proc / "net" / "tcp6"]
    if not any(t.exists() for t in tables):
        return None
    mine = _socket_inodes(proc)
    found: list[str] = []
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN or fields[9] not in mine:
                continue
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port:
                found.append(_proc_address(address))
    return found


def loopback_only(address: str | None, port: int, proc: Path = Path("/proc")) -> bool:
    """Whether the server is reachable from this computer only: its configured address, and every socket it listens on."""
    if not is_loopback_address(address):
        return False
    live = listening_addresses(port, proc)
    return all(is_loopback_address(a) for a in live or [])

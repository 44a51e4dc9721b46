"""Cutting a query worker off from the network before it opens the store or reads a query.

Oxigraph evaluates `SERVICE <url>` by connecting to `url`. Whatever a guard before it makes
of a query's spelling, a worker that cannot open a network connection fetches nothing. Three
ways, tried in order (see docs/sandbox.md):

- "netns": a network namespace of its own (`unshare(CLONE_NEWNET)`, needs root or
  CAP_SYS_ADMIN): it holds only a loopback interface, down, so every connect fails;
- "userns+netns": the same inside a new user namespace, for a non-root user where the
  kernel allows unprivileged user namespaces;
- "seccomp": a seccomp filter (libseccomp, through ctypes) under which `socket()` fails for
  every address family but AF_UNIX (the worker's pipe to its parent is already open), and
  io_uring, which could open sockets without `socket()`, is unavailable.

Each is verified: a listener opened on 127.0.0.1 before isolation must be unreachable after.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import socket
from collections.abc import Callable

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
METHODS = ("netns", "userns+netns", "seccomp")

# libseccomp's constants (seccomp.h)
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_NE = 1


class NotIsolated(OSError):
    """No way of cutting this process off from the network worked (the message says why)."""


def isolate_from_network(methods: tuple[str, ...] = METHODS) -> str:
    """Cut this process off from the network with the first of `methods` that works; return its name.

    Raises NotIsolated, naming why each method failed, when none did or when the check that
    follows finds a connection still possible.
    """
    reasons = []
    with socket.create_server(("127.0.0.1", 0)) as probe:
        for method in methods:
            try:
                _APPLY[method]()
            except OSError as error:
                reasons.append(f"{method}: {error.strerror or error}")
                continue
            _check_unreachable(probe.getsockname()[1], method)
            return method
    raise NotIsolated("no network isolation is possible here (" + "; ".join(reasons) + ")")


def _check_unreachable(port: int, method: str) -> None:
    """Raise NotIsolated unless connecting to our own loopback listener on `port` fails."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as attempt:
            attempt.settimeout(1.0)
            attempt.connect(("127.0.0.1", port))
    except OSError:
        return
    raise NotIsolated(f"{method} was applied but 127.0.0.1 is still reachable")


def _unshare(flags: int) -> None:
    if hasattr(os, "unshare"):  # Python 3.12
        os.unshare(flags)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare: {os.strerror(code)}")


def _netns() -> None:
    _unshare(CLONE_NEWNET)


def _userns_netns() -> None:
    _unshare(CLONE_NEWUSER | CLONE_NEWNET)


class _ArgCompare(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _seccomp() -> None:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as error:
        raise OSError(errno.ENOSYS, f"libseccomp not found ({error})") from error
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCompare),
    ]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not context:
        raise OSError(errno.ENOMEM, "seccomp_init failed")
    try:
        not_unix = _ArgCompare(0, _SCMP_CMP_NE, socket.AF_UNIX, 0)
        rules = [("socket", _errno_action(errno.EACCES), 1, ctypes.pointer(not_unix))]
        rules += [(call, _errno_action(errno.ENOSYS), 0, None) for call in ("io_uring_setup", "io_uring_enter")]
        for call, action, count, compare in rules:
            number = lib.seccomp_syscall_resolve_name(call.encode())
            if number < 0:
                continue  # not a system call on this architecture
            code = lib.seccomp_rule_add_array(context, action, number, count, compare)
            if code < 0:
                raise OSError(-code, f"seccomp rule for {call}: {os.strerror(-code)}")
        code = lib.seccomp_load(context)  # sets no_new_privs first, so a non-root user may load it
        if code < 0:
            raise OSError(-code, f"seccomp_load: {os.strerror(-code)}")
    finally:
        lib.seccomp_release(context)


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)  # SCMP_ACT_ERRNO(code)


_APPLY: dict[str, Callable[[], None]] = {"netns": _netns, "userns+netns": _userns_netns, "seccomp": _seccomp}

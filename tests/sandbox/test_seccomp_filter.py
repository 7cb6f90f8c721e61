"""The seccomp filter, exercised in forked children: it is never loaded into the test process.

Every denied operation is also tried in an unfiltered child (as root, in throwaway namespaces
so nothing reaches the host), where it must succeed: a denial under the filter is then the
filter's doing, not the machine's.
"""

from __future__ import annotations

import errno
import os
import socket
import sys

import pytest

pytest.importorskip("pyseccomp")

from dspy_coder.sandbox import isolation  # noqa: E402
from dspy_coder.sandbox import seccomp_filter as sf  # noqa: E402
from tests.sandbox.seccomp_probes import (  # noqa: E402
    PYTHON_STILL_WORKS,
    ROOT,
    denied_probes,
    exec_child_socket,
    forked_child_socket,
    in_child,
    raw_socket,
    resolve_localhost,
    socket_probe,
    socketpair_probe,
    sweep,
)

pytestmark = [
    pytest.mark.hostile,
    pytest.mark.skipif(not sf.filter_support()[0], reason=f"seccomp: {sf.filter_support()[1]}"),
]
needs_root = pytest.mark.skipif(not ROOT, reason="the unfiltered controls need root")


@needs_root
def test_denied_operations_succeed_without_the_filter(tmp_path):
    outcomes = in_child(denied_probes(tmp_path), filtered=False)
    expected = {name: "ok" for name in outcomes}
    expected["clone3"] = "EINVAL"  # reached the kernel, which rejected the empty struct
    assert outcomes == expected


def test_filter_denies_with_eperm(tmp_path):
    outcomes = in_child(denied_probes(tmp_path), filtered=True)
    expected = {name: "EPERM" for name in outcomes}
    expected["clone3"] = "ENOSYS"  # glibc then falls back to clone()
    assert outcomes == expected


@pytest.mark.parametrize("network", [False, True])
def test_python_still_works_under_the_filter(network):
    outcomes = in_child(PYTHON_STILL_WORKS, filtered=True, network=network)
    assert outcomes == {name: "ok" for name in PYTHON_STILL_WORKS}


def test_multiprocessing_manager_needs_af_unix_and_fails():
    """The documented cost: a Manager's server listens on an AF_UNIX socket."""

    def manager() -> None:
        import multiprocessing

        try:
            with multiprocessing.get_context("fork").Manager() as m:
                m.list()
        except EOFError as exc:  # the manager process died on socket(): PermissionError
            raise PermissionError(errno.EPERM, "manager failed") from exc

    assert in_child({"m": manager}, filtered=False) == {"m": "ok"}
    assert in_child({"m": manager}, filtered=True) == {"m": "EPERM"}


@needs_root
def test_network_true_allows_only_inet_and_inet6():
    probes = {
        "AF_INET": socket_probe(socket.AF_INET),
        "AF_INET6": socket_probe(socket.AF_INET6),
        "AF_INET raw syscall": raw_socket(socket.AF_INET),
        "AF_INET with high bits set": raw_socket((1 << 32) | socket.AF_INET),
        "AF_UNIX": socket_probe(socket.AF_UNIX),
        "AF_NETLINK": socket_probe(socket.AF_NETLINK, socket.SOCK_RAW, 0),
        "AF_PACKET": socket_probe(socket.AF_PACKET, socket.SOCK_RAW),
        "AF_BRIDGE (7)": raw_socket(7),
        "AF_ALG": raw_socket(38),
        "socketpair": socketpair_probe,
        "getaddrinfo localhost": resolve_localhost,
    }
    unfiltered = in_child(probes, filtered=False)
    filtered = in_child(probes, filtered=True, network=True)
    denied = {"AF_INET with high bits set", "AF_UNIX", "AF_NETLINK", "AF_PACKET", "AF_BRIDGE (7)",
              "AF_ALG"}
    for name in probes:
        if name in denied:
            assert unfiltered[name] != "EPERM", name  # the kernel itself would allow or reject
            assert filtered[name] == "EPERM", name
        else:
            assert (unfiltered[name], filtered[name]) == ("ok", "ok"), name
    assert in_child({"AF_INET": probes["AF_INET"]}, filtered=True, network=False) == {
        "AF_INET": "EPERM"
    }


@needs_root
def test_every_denied_syscall_fails_with_eperm_and_only_because_of_the_filter():
    filtered = in_child({"sweep": sweep}, filtered=True)["sweep"]
    assert set(filtered) == set(sf.DENIED_SYSCALLS) - set(sf.skipped_syscalls())
    assert filtered == {name: "EPERM" for name in filtered}
    # Without the filter the kernel looks at the (bad) arguments, so the calls fail with
    # something else; a locked-down kernel may still refuse a few of them with EPERM.
    unfiltered = in_child({"sweep": sweep}, filtered=False)["sweep"]
    still_eperm = {name for name, outcome in unfiltered.items() if outcome == "EPERM"}
    core = {"ptrace", "unshare", "setns", "mount", "keyctl", "bpf", "sethostname", "reboot"}
    assert not core & still_eperm
    assert len(still_eperm) <= 5, unfiltered


@needs_root
def test_filter_loads_after_dropping_privileges_and_sets_no_new_privs():
    def status() -> None:
        with open("/proc/self/status") as fh:
            fields = dict(line.split(":\t", 1) for line in fh if ":\t" in line)
        assert fields["NoNewPrivs"].strip() == "1" and fields["Seccomp"].strip() == "2"
        assert os.getuid() >= isolation.UID_BASE
        socket.socket(socket.AF_INET)

    uid = isolation.allocate_uid()
    assert in_child({"status": status}, filtered=True, uid=uid) == {"status": "EPERM"}


def test_filter_is_inherited_by_forked_and_execed_children():
    probes = {"fork": forked_child_socket, "exec": exec_child_socket}
    assert in_child(probes, filtered=False) == {"fork": "ok", "exec": "ok"}
    assert in_child(probes, filtered=True) == {"fork": "EPERM", "exec": "EPERM"}


def test_isolation_report_lists_seccomp_as_active():
    assert isolation.isolation_report()["seccomp"] == "active"


def test_isolation_report_says_why_seccomp_is_unavailable(monkeypatch):
    monkeypatch.setattr(sf, "filter_support", lambda: (False, "libseccomp cannot be loaded"))
    monkeypatch.setattr(isolation, "_logged", set())
    assert isolation.isolation_report()["seccomp"] == "unavailable: libseccomp cannot be loaded"


def test_without_pyseccomp_support_says_so_and_load_filter_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # import now raises ImportError
    sf._pyseccomp.cache_clear()
    try:
        ok, why = sf.filter_support.__wrapped__()
        assert not ok and "pyseccomp is not installed" in why

        def load() -> None:
            try:
                sf.load_filter(network=False)
            except sf.SeccompError as exc:
                assert "pyseccomp is not installed" in str(exc)
                raise PermissionError(errno.EPERM, "raised SeccompError") from exc

        # in a child all the same: were the patch ineffective, no filter reaches pytest
        assert in_child({"load": load}, filtered=False) == {"load": "EPERM"}
    finally:
        sf._pyseccomp.cache_clear()

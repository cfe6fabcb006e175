"""DNS/HTTP probes over SSH: one asyncssh connection, at most 8 channels in flight, host keys always pinned.

Host key policy, in order (the first that applies wins):

1. ``pinned_host_key``: an OpenSSH public key line, e.g. fetched with Run Command
   (``cat /etc/ssh/ssh_host_ed25519_key.pub``);
2. ``known_hosts``: an OpenSSH known_hosts file that has an entry for the host;
3. plinktui's own known_hosts under ``state_dir`` (keys accepted earlier on first use);
4. ``accept_new=True``: trust on first use. The key is recorded under ``state_dir`` and its fingerprint reported
   (:attr:`SshProbeSession.host_key_fingerprint`, :attr:`SshProbeSession.newly_trusted`); a later change is refused.

A key that does not match raises :class:`HostKeyMismatch` showing both SHA256 fingerprints. With no policy the
session refuses to connect. A key marked ``@revoked`` in the known_hosts file (or in plinktui's own) is refused
whatever else applies: a pinned key, an earlier acceptance or ``accept_new``. Only an IP address or a plain host name
is ever written to plinktui's known_hosts (a newline or a wildcard in an alias could add a trust line). Authentication is by key only (no password, no keyboard-interactive); the user's
``~/.ssh/config`` and agent are not consulted so that what runs is what the caller configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from plinktui.fsutil import atomic_write
from plinktui.probes import batch
from plinktui.probes.batch import UnsafeName, new_nonce, probe_commands, split_sections, wrap
from plinktui.probes.parsers import MAX_TEXT, is_name, parse_curl_healthstatus, parse_getent, parse_host
from plinktui.probes.verdict import ProbeTarget, ProbeVerdict, evaluate

MAX_IN_FLIGHT = 8  # OpenSSH's MaxSessions is 10; stay under it with room for the caller
KNOWN_HOSTS_NAME = "known_hosts"


class SshProbeError(Exception):
    """The probe could not reach or use the VM; the message is one line meant for the user."""


class HostKeyMismatch(SshProbeError):
    """The VM presented a host key other than the pinned one."""

    def __init__(self, host: str, expected: list[str], presented: str, source: str) -> None:
        self.host = host
        self.expected = expected
        self.presented = presented
        super().__init__(
            f"host key of {host} does not match {source}: expected {' or '.join(expected) or '(none)'},"
            f" got {presented}; refusing to connect"
        )


@dataclass
class CommandResult:
    """What one exec channel returned."""

    stdout: str
    stderr: str
    exit_status: int | None
    timed_out: bool = False
    too_large: bool = False


def fingerprint(key: asyncssh.SSHKey | str) -> str:
    """SHA256 fingerprint (``SHA256:...``) of a key or an OpenSSH public key line."""
    if isinstance(key, str):
        key = asyncssh.import_public_key(key.strip())
    return key.get_fingerprint("sha256")


def _host_pattern(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def known_hosts_name(name: str) -> str:
    """``name`` if it may be written to a known_hosts file (an IP address or a plain host name), else raise.

    A known_hosts line is ``patterns keytype key``: a space, comma, newline, ``*``, ``?`` or ``!`` in a name written
    there would widen the trust it records (``x\n* ssh-ed25519 AAAA...`` trusts that key for every host).
    """
    import ipaddress

    try:
        ipaddress.ip_address(name)
        return name
    except ValueError:
        pass
    if is_name(name):
        return name
    from plinktui.untrusted import visible

    raise SshProbeError(f"refusing to pin a host key for {visible(name)[:80]!r}: not an IP address or a host name")


def parse_jump(spec: str, default_user: str) -> tuple[str, str, int]:
    """Split ``[user@]host[:port]`` (IPv6 as ``[addr]:port``) into (user, host, port)."""
    user, _, hostport = spec.strip().rpartition("@")
    user = user or default_user
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
    else:
        host, port = hostport, ""
    if not host or (port and not port.isdigit()):
        raise SshProbeError(f"bad jump host {spec!r}: expected [user@]host[:port]")
    return user, host, int(port) if port else 22


def _load_client_keys(client_keys: Any) -> list[asyncssh.SSHKey]:
    items = client_keys if isinstance(client_keys, list | tuple) else [client_keys]
    keys: list[asyncssh.SSHKey] = []
    for item in items:
        if isinstance(item, asyncssh.SSHKey):
            keys.append(item)
            continue
        try:
            keys.append(asyncssh.read_private_key(os.path.expanduser(os.fspath(item))))
        except (OSError, asyncssh.KeyImportError, ValueError) as exc:
            # never echo key material: only the path and the kind of problem
            raise SshProbeError(f"cannot load SSH client key {os.fspath(item)}: {type(exc).__name__}") from None
    if not keys:
        raise SshProbeError("no SSH client key given")
    return keys


class _PinningClient(asyncssh.SSHClient):
    """Records the host key the server presented when it is not already trusted; accepts it only on TOFU."""

    def __init__(self, accept_unknown: bool) -> None:
        self.accept_unknown = accept_unknown
        self.presented: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.presented = key
        return self.accept_unknown


class SshProbeSession:
    """One SSH connection to a probe VM, used as ``async with SshProbeSession(...) as s: await s.run(cmd)``.

    Args:
        host: address to connect to (for the emulator: ``gw.ssh_address(public_ip)``).
        port: SSH port.
        username: the VM's admin user.
        client_keys: private key path(s) or asyncssh key(s).
        pinned_host_key: an OpenSSH public key line the server must present.
        known_hosts: path of an OpenSSH known_hosts file.
        accept_new: trust on first use, recorded under ``state_dir``.
        state_dir: plinktui's state directory (its ``known_hosts`` holds keys accepted on first use); default:
            :func:`plinktui.settings.state_dir`.
        connect_timeout: seconds for TCP + SSH handshake + auth.
        command_timeout: seconds for each exec channel.
        max_in_flight: channels open at once (at most 8).
        jump: an open session to tunnel through, or ``[user@]host[:port]`` (``--ssh-jump``): then a session to
            the jump host is opened with the same keys and host key policy (minus ``pinned_host_key``, which
            belongs to the target) and closed with this one.
        host_key_alias: the name to look up in known_hosts instead of ``host``.
        label: the VM name used in verdicts (default: ``host``).
    """

    def __init__(
        self,
        host: str,
        port: int = 22,
        *,
        username: str,
        client_keys: Any,
        pinned_host_key: str | None = None,
        known_hosts: str | os.PathLike[str] | None = None,
        accept_new: bool = False,
        state_dir: str | os.PathLike[str] | None = None,
        connect_timeout: float = 15.0,
        command_timeout: float = 30.0,
        max_in_flight: int = MAX_IN_FLIGHT,
        jump: SshProbeSession | str | None = None,
        host_key_alias: str | None = None,
        label: str | None = None,
    ) -> None:
        if state_dir is None:
            # plinktui's own trust store lives in its state directory (XDG), never in ~/.ssh
            from plinktui.settings import state_dir as default_state_dir

            state_dir = default_state_dir()
        self.host = host
        self.port = port
        self.username = username
        self.label = label or host
        self._client_keys = client_keys
        self._pinned = pinned_host_key
        self._known_hosts = known_hosts
        self._accept_new = accept_new
        self._state_dir = Path(state_dir).expanduser()
        self._connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self._sem = asyncio.Semaphore(max(1, min(max_in_flight, MAX_IN_FLIGHT)))
        self._jump: SshProbeSession | None = None
        self._own_jump: SshProbeSession | None = None
        if isinstance(jump, SshProbeSession):
            self._jump = jump
        elif isinstance(jump, str) and jump.strip():
            j_user, j_host, j_port = parse_jump(jump, username)
            self._own_jump = SshProbeSession(
                j_host, j_port, username=j_user, client_keys=client_keys, known_hosts=known_hosts,
                accept_new=accept_new, state_dir=state_dir, connect_timeout=connect_timeout, label=j_host)
        self._alias = host_key_alias or host
        # OpenSSH's HostKeyAlias semantics: an alias names the host on its own (no port), so a pin survives the
        # port changing behind it (the emulator maps a VM's public IP to a loopback port that changes on rebuild)
        self._key_port = 22 if host_key_alias and host_key_alias != host else port
        self._conn: asyncssh.SSHClientConnection | None = None
        self.host_key_fingerprint: str | None = None
        self.newly_trusted = False
        self.in_flight = 0
        self.max_in_flight_seen = 0
        self.commands_run = 0

    # -- host key policy -------------------------------------------------------------------------------------

    @property
    def tofu_file(self) -> Path:
        """plinktui's own known_hosts (keys accepted on first use)."""
        return self._state_dir / KNOWN_HOSTS_NAME

    def _match_file(self, path: Path) -> tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]]:
        try:
            kh = asyncssh.read_known_hosts(str(path))
        except FileNotFoundError:
            return [], [], []
        except (OSError, ValueError) as exc:
            raise SshProbeError(f"cannot read known_hosts {path}: {exc}") from None
        port = self._key_port if self._key_port != 22 else None
        host_keys, ca_keys, revoked, *_ = kh.match(self._alias, self.host, port)
        return list(host_keys), list(ca_keys), list(revoked) + self._revoked_in(path, port)

    def _revoked_in(self, path: Path, port: int | None) -> list[asyncssh.SSHKey]:
        """Keys marked ``@revoked`` for this host in ``path``.

        asyncssh's ``match`` retries a non-default port without the port when nothing is *trusted* for
        ``[host]:port``, and that retry replaces the revoked keys it found for ``[host]:port``. So the ``@revoked``
        lines are read again as plain entries: every key they hold for this host (with or without the port) counts.
        """
        try:
            lines = [ln.strip()[len("@revoked"):].strip() for ln in path.read_text().splitlines()
                     if ln.strip().lower().startswith("@revoked")]
        except (OSError, UnicodeDecodeError):
            return []
        if not lines:
            return []
        try:
            kh = asyncssh.import_known_hosts("\n".join(lines) + "\n")
        except (ValueError, asyncssh.KeyImportError) as exc:
            raise SshProbeError(f"cannot read the @revoked lines of {path}: {exc}") from None
        keys = list(kh.match(self._alias, self.host, port)[0])
        if port is not None:
            keys += kh.match(self._alias, self.host, None)[0]
        return keys

    def _policy(self) -> tuple[tuple[list[Any], list[Any], list[Any]], bool, str]:
        """Return (trusted keys/CAs/revoked, accept unknown key?, description of the source).

        ``@revoked`` entries of both files are returned whichever source trusts: asyncssh refuses a revoked key
        before it looks at trusted keys or asks the TOFU callback, so revocation always wins.
        """
        user_file: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
        path: Path | None = None
        if self._known_hosts is not None:
            path = Path(self._known_hosts).expanduser()
            if not path.is_file():
                raise SshProbeError(f"known_hosts file {path} does not exist")
            user_file = self._match_file(path)
        tofu = self._match_file(self.tofu_file)
        revoked = user_file[2] + tofu[2]
        if self._pinned:
            try:
                key = asyncssh.import_public_key(self._pinned.strip())
            except (asyncssh.KeyImportError, ValueError):
                raise SshProbeError("the pinned host key is not an OpenSSH public key") from None
            return ([key], [], revoked), False, "the pinned host key"
        if user_file[0] or user_file[1]:
            return (user_file[0], user_file[1], revoked), False, f"known_hosts {path}"
        if tofu[0] or tofu[1]:
            return (tofu[0], tofu[1], revoked), False, f"the key accepted earlier ({self.tofu_file})"
        if self._accept_new:
            known_hosts_name(self._alias)  # refuse before connecting, not after the key was seen
            return ([], [], revoked), True, "first use"
        raise SshProbeError(
            f"host key of {_host_pattern(self._alias, self._key_port)} is not pinned: pin it from Run Command,"
            " give a known_hosts file, or accept it on first use (--accept-new-host-key)"
        )

    def _record_tofu(self, key: asyncssh.SSHKey) -> None:
        path = self.tofu_file
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = f"{_host_pattern(known_hosts_name(self._alias), self._key_port)} " \
               f"{key.export_public_key('openssh').decode().split()[0]} " \
               f"{key.export_public_key('openssh').decode().split()[1]}\n"
        old = path.read_text() if path.exists() else ""
        # write-then-rename so that a crash never leaves a half-written trust store
        atomic_write(path, old + ("" if not old or old.endswith("\n") else "\n") + line)

    # -- connection ------------------------------------------------------------------------------------------

    async def __aenter__(self) -> SshProbeSession:
        try:
            await self.connect()
        except BaseException:
            await self.close()  # a jump connection opened for us must not outlive a failed connect
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the connection, enforcing the host key policy."""
        trusted, accept_unknown, source = self._policy()
        keys = _load_client_keys(self._client_keys)
        if self._own_jump is not None and self._own_jump._conn is None:
            await self._own_jump.connect()
            self._jump = self._own_jump
        clients: list[_PinningClient] = []

        def factory() -> _PinningClient:
            client = _PinningClient(accept_unknown)
            clients.append(client)
            return client

        expected = [fingerprint(k) for k in trusted[0]]
        where = _host_pattern(self._alias, self._key_port)
        try:
            conn = await asyncssh.connect(
                self.host,
                self.port,
                tunnel=self._jump._conn if self._jump is not None else (),
                client_factory=factory,
                known_hosts=trusted,
                host_key_alias=self._alias if self._alias != self.host else None,
                username=self.username,
                client_keys=keys,
                agent_path=None,
                config=[],
                password=None,
                kbdint_auth=False,
                preferred_auth="publickey",
                connect_timeout=self._connect_timeout,
                login_timeout=self._connect_timeout,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            presented = clients[-1].presented if clients else None
            if trusted[2] and "revoked" in str(exc.reason).lower():
                raise SshProbeError(f"host key of {where} is marked @revoked in known_hosts; refusing to connect"
                                    ) from None
            raise HostKeyMismatch(where, expected, fingerprint(presented) if presented else "(unknown)",
                                  source) from None
        except asyncssh.KeyExchangeFailed as exc:
            raise SshProbeError(f"SSH key exchange with {where} failed ({exc.reason}); pinned key type not offered?"
                                ) from None
        except asyncssh.PermissionDenied:
            raise SshProbeError(f"SSH authentication to {self.username}@{where} was refused (key not authorized)"
                                ) from None
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SshProbeError(f"cannot connect to {where}: {reason}") from None
        self._conn = conn
        server_key = conn.get_server_host_key()
        self.host_key_fingerprint = fingerprint(server_key) if server_key else None
        if accept_unknown and server_key is not None:
            self._record_tofu(server_key)
            self.newly_trusted = True

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            with contextlib.suppress(Exception):
                await self._conn.wait_closed()
            self._conn = None
        if self._own_jump is not None:
            await self._own_jump.close()

    # -- commands --------------------------------------------------------------------------------------------

    async def run(self, command: str, *, timeout: float | None = None) -> CommandResult:
        """Run one command on its own channel (waits for a free slot among ``max_in_flight``).

        Output beyond :data:`~plinktui.probes.parsers.MAX_TEXT` bytes per stream is not read (``too_large``).
        """
        if self._conn is None:
            raise SshProbeError("SSH session is not connected")
        async with self._sem:
            self.in_flight += 1
            self.max_in_flight_seen = max(self.max_in_flight_seen, self.in_flight)
            self.commands_run += 1
            try:
                return await self._run(command, timeout or self.command_timeout)
            finally:
                self.in_flight -= 1

    async def _run(self, command: str, timeout: float) -> CommandResult:
        assert self._conn is not None
        try:
            proc = await asyncio.wait_for(self._conn.create_process(command, encoding=None, stdin=asyncssh.DEVNULL),
                                          timeout)
        except (asyncssh.Error, OSError) as exc:
            raise SshProbeError(f"cannot open an SSH channel on {self.label}: {exc}") from None
        except TimeoutError:
            return CommandResult("", "", None, timed_out=True)

        async def drain(stream: Any) -> tuple[bytes, bool]:
            buf = bytearray()
            while True:
                chunk = await stream.read(65536)
                if not chunk:
                    return bytes(buf), False
                buf += chunk
                if len(buf) > MAX_TEXT:
                    return bytes(buf[:MAX_TEXT]), True

        try:
            async with asyncio.timeout(timeout):
                (out, big1), (err, big2) = await asyncio.gather(drain(proc.stdout), drain(proc.stderr))
                if big1 or big2:
                    proc.close()
                    return CommandResult("", "", None, too_large=True)
                await proc.wait_closed()
        except TimeoutError:
            proc.close()
            return CommandResult("", "", None, timed_out=True)
        return CommandResult(out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace"),
                             proc.exit_status)


# ----------------------------------------------------------------------------------------------------------------
# The probe


def _targets(items: Iterable[ProbeTarget | tuple[str, Sequence[str]] | str]) -> list[ProbeTarget]:
    out: list[ProbeTarget] = []
    for item in items:
        if isinstance(item, ProbeTarget):
            out.append(item)
        elif isinstance(item, str):
            out.append(ProbeTarget(item, []))
        else:
            fqdn, ips = item
            out.append(ProbeTarget(fqdn, [ips] if isinstance(ips, str) else list(ips)))
    return out


def verdict_from_sections(
    *, vm: str, target: ProbeTarget, vm_private_ip: str | None, sections: dict[str, Any], resolv: Any,
    prefix: str = "", problem: str = "",
) -> ProbeVerdict:
    """Parse the wrapped sections of one FQDN (tags ``<prefix>getent``, ``host``, ``curl``) and judge it."""
    fqdn = target.fqdn

    def section(kind: str) -> Any:
        return sections.get(prefix + kind)

    g, h, c = section("getent"), section("host"), section("curl")
    getent = parse_getent(g.output, query=fqdn, exit_status=g.exit_status) if g else None
    host = parse_host(h.output, query=fqdn, exit_status=h.exit_status) if h else None
    health = parse_curl_healthstatus(c.output, exit_status=c.exit_status) if (c and target.is_vault) else None
    verdict = evaluate(vm=vm, target=target, vm_private_ip=vm_private_ip, host=host, getent=getent, health=health,
                       resolv=resolv)
    if problem and verdict.verdict != "fail":
        verdict.detail = (verdict.detail + " " + problem).strip()
    return verdict


def _unsafe(vm: str, target: ProbeTarget, why: str) -> ProbeVerdict:
    return ProbeVerdict(vm=vm, fqdn=str(target.fqdn)[:253], resolved_ips=[], cname_chain=[],
                        expected_ip=target.expected_ips[0] if target.expected_ips else None, verdict="unknown",
                        detail=why, expected_ips=list(target.expected_ips))


async def probe_fqdns(
    session: SshProbeSession,
    fqdns_with_expectations: Iterable[ProbeTarget | tuple[str, Sequence[str]] | str],
    vm_private_ip: str | None,
    *,
    vm_name: str | None = None,
    curl_max_time: int = 5,
) -> list[ProbeVerdict]:
    """Probe each FQDN from the session's VM: ``getent hosts``, ``host``, and for vaults ``curl -i .../healthstatus``.

    The commands of one FQDN go down one channel, batched with markers; ``cat /etc/resolv.conf`` runs once. With
    8 channels in flight, N FQDNs take ceil((N + 1) / 8) rounds.

    Args:
        session: an open :class:`SshProbeSession`.
        fqdns_with_expectations: :class:`ProbeTarget` items, ``(fqdn, expected_ips)`` pairs or bare FQDNs.
        vm_private_ip: the probing VM's private IP.
        vm_name: the VM name to report (default: the session label).
        curl_max_time: curl's --max-time.

    Returns:
        One :class:`ProbeVerdict` per FQDN, in input order.
    """
    vm = vm_name or session.label
    targets = _targets(fqdns_with_expectations)
    nonce = new_nonce()

    async def one(target: ProbeTarget) -> ProbeVerdict | tuple[ProbeTarget, CommandResult]:
        try:
            cmds = probe_commands(target.fqdn, vault=target.is_vault, max_time=curl_max_time)
        except UnsafeName as exc:
            return _unsafe(vm, target, str(exc))
        line = "; ".join(wrap(nonce, kind, cmd) for kind, cmd in cmds.items())
        # the channel carries curl --max-time too: give it that on top of the per-command budget
        budget = session.command_timeout + (curl_max_time if target.is_vault else 0)
        return target, await session.run(line, timeout=budget)

    resolv_task = asyncio.ensure_future(session.run("; ".join(batch.resolver_lines(nonce))))
    results = await asyncio.gather(*(one(t) for t in targets))
    resolv_result = await resolv_task
    resolv = batch.resolver_from_sections(split_sections(resolv_result.stdout, nonce))

    verdicts: list[ProbeVerdict] = []
    for item in results:
        if isinstance(item, ProbeVerdict):
            verdicts.append(item)
            continue
        target, res = item
        problem = ""
        if res.timed_out:
            problem = "The probe command timed out."
        elif res.too_large:
            problem = "The probe output was too large to read."
        sections = split_sections(res.stdout, nonce) if not problem else {}
        verdicts.append(verdict_from_sections(vm=vm, target=target, vm_private_ip=vm_private_ip, sections=sections,
                                              resolv=resolv, problem=problem))
    return verdicts

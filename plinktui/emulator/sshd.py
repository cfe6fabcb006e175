"""Real SSH for the emulator's demo VMs: an asyncssh server per VM, on loopback only.

Each demo VM gets its own listener (its own port and its own ed25519 host key, which the emulator persists), so a
client pins a VM's key exactly as it would on Azure. Authentication is by public key only, against the VM's
``osProfile`` keys. Exec requests are answered by :func:`plinktui.emulator.vmshell.run_command` from a fresh
:class:`~plinktui.emulator.vmshell.VmView` per command, so model changes show at once; nothing runs on the host.
An interactive shell is served line by line for presenters. A VM can act as a jump host: direct-tcpip to another
demo VM's private IP on port 22 is forwarded to that VM's loopback listener, and nothing else is.

A single shared listener is not offered: the host key is presented before the client names the VM it wants.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from plinktui.emulator.vmshell import VmView, run_command

log = logging.getLogger(__name__)

ViewFactory = Callable[[], VmView]


def generate_host_key(comment: str = "") -> tuple[str, str]:
    """Make an ed25519 host key.

    Args:
        comment: the public key comment, e.g. ``root@<vm name>``.

    Returns:
        (private key in OpenSSH PEM form — keep it secret, persist it 0600; public key line
        ``ssh-ed25519 AAAA... <comment>``).
    """
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment or None)
    private = key.export_private_key("openssh").decode()
    public = key.export_public_key("openssh").decode().strip()
    return private, public


@dataclass
class ServerStats:
    """Counters a test or benchmark reads to see what the clients did."""

    connections: int = 0
    auth_failures: int = 0
    execs: int = 0
    channels_open: int = 0
    max_channels_open: int = 0
    exec_log: list[tuple[str, float, float]] = field(default_factory=list)  # (vm id, start, end), monotonic

    def reset(self) -> None:
        """Zero every counter."""
        self.__init__()  # type: ignore[misc]


@dataclass
class _Vm:
    vm_id: str
    keys: list[asyncssh.SSHKey]
    view_factory: ViewFactory
    admin_username: str | None
    private_ip: str | None
    acceptor: Any = None
    port: int = 0
    conns: set[Any] = field(default_factory=set)


class _VmSshServer(asyncssh.SSHServer):
    def __init__(self, owner: DemoSshServer, vm: _Vm) -> None:
        self._owner = owner
        self._vm = vm
        self._conn: Any = None

    def connection_made(self, conn: Any) -> None:
        self._conn = conn
        self._vm.conns.add(conn)
        self._owner.stats.connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._vm.conns.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        ok = (self._vm.admin_username in (None, username)) and any(key == k for k in self._vm.keys)
        if not ok:
            self._owner.stats.auth_failures += 1
        return ok

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> Any:
        # the jump-host case: only another demo VM's SSH port is reachable, mapped to its loopback listener
        port = self._owner._jump_target(dest_host, dest_port)
        if port is None:
            return False
        return self._conn.forward_connection("127.0.0.1", port)


class DemoSshServer:
    """SSH listeners for the emulator's demo VMs.

    Args:
        command_delay: seconds to wait before answering each exec request (benchmarks model a network round trip).
        host: the address to listen on; must be a loopback address.
    """

    def __init__(self, *, command_delay: float = 0.0, host: str = "127.0.0.1") -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the demo SSH server listens on loopback only")
        self.host = host
        self.command_delay = command_delay
        self.stats = ServerStats()
        self._vms: dict[str, _Vm] = {}
        self._started = False

    async def __aenter__(self) -> DemoSshServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Get ready to serve; listeners open per VM in :meth:`add_vm`."""
        self._started = True

    def port_of(self, vm_id: str) -> int | None:
        """The loopback port of a VM's SSH, or None."""
        vm = self._vms.get(vm_id)
        return vm.port if vm else None

    def _jump_target(self, dest_host: str, dest_port: int) -> int | None:
        for vm in self._vms.values():
            if dest_port == 22 and vm.private_ip and dest_host == vm.private_ip:
                return vm.port
            if dest_host == self.host and dest_port == vm.port:
                return vm.port
        return None

    async def add_vm(
        self,
        vm_id: str,
        host_key_private_pem: str,
        authorized_keys: list[str],
        view_factory: ViewFactory,
        *,
        admin_username: str | None = None,
        private_ip: str | None = None,
        port: int = 0,
    ) -> int:
        """Open (or re-open, keeping the port when it can) the SSH listener of one VM.

        Args:
            vm_id: the VM's ARM id (any unique key).
            host_key_private_pem: the VM's persisted host key (from :func:`generate_host_key`).
            authorized_keys: the VM's osProfile public keys (OpenSSH lines); unreadable lines are skipped.
            view_factory: returns a fresh VmView for each command.
            admin_username: when given, the only user allowed to log in.
            private_ip: lets other demo VMs reach this one through a jump host at ``private_ip:22``.
            port: a port to listen on (0: any free port).

        Returns:
            The loopback port.
        """
        if not self._started:
            await self.start()
        keys: list[asyncssh.SSHKey] = []
        for line in authorized_keys:
            with contextlib.suppress(asyncssh.KeyImportError, ValueError):
                keys.append(asyncssh.import_public_key(line.strip()))
        host_key = asyncssh.import_private_key(host_key_private_pem)
        old = self._vms.get(vm_id)
        if old is not None:
            port = port or old.port
            await self.remove_vm(vm_id)
        vm = _Vm(vm_id=vm_id, keys=keys, view_factory=view_factory, admin_username=admin_username,
                 private_ip=private_ip)

        async def listen(at: int) -> Any:
            return await asyncssh.create_server(
                lambda: _VmSshServer(self, vm),
                self.host,
                at,
                server_host_keys=[host_key],
                process_factory=lambda proc: self._handle(vm, proc),
                encoding="utf-8",
                errors="replace",
                agent_forwarding=False,
                x11_forwarding=False,
                allow_scp=False,
                login_timeout=30,
                reuse_address=True,
            )

        try:
            vm.acceptor = await listen(port)
        except OSError:
            if not port:
                raise
            vm.acceptor = await listen(0)
        vm.port = vm.acceptor.get_port()
        self._vms[vm_id] = vm
        return vm.port

    async def remove_vm(self, vm_id: str) -> None:
        """Close a VM's listener and its open connections (the VM was deleted or stopped)."""
        vm = self._vms.pop(vm_id, None)
        if vm is None:
            return
        vm.acceptor.close()
        with contextlib.suppress(Exception):
            await vm.acceptor.wait_closed()
        for conn in list(vm.conns):
            conn.close()

    async def close(self) -> None:
        """Close every listener and connection."""
        for vm_id in list(self._vms):
            await self.remove_vm(vm_id)
        self._started = False

    # -- sessions --------------------------------------------------------------------------------------------

    async def _handle(self, vm: _Vm, process: asyncssh.SSHServerProcess) -> None:
        stats = self.stats
        stats.channels_open += 1
        stats.max_channels_open = max(stats.max_channels_open, stats.channels_open)
        try:
            if process.command is None:
                await self._shell(vm, process)
                return
            start = time.monotonic()
            stats.execs += 1
            if self.command_delay:
                await asyncio.sleep(self.command_delay)
            try:
                out, err, rc = run_command(process.command, vm.view_factory())
            except Exception:  # a model bug must not take the server down; the client sees a failed command
                log.exception("demo VM %s failed to answer a command", vm.vm_id)
                out, err, rc = "", "plinktui demo VM: internal error\n", 255
            process.stdout.write(out)
            process.stderr.write(err)
            stats.exec_log.append((vm.vm_id, start, time.monotonic()))
            process.exit(rc)
        except (asyncssh.Error, OSError, BrokenPipeError):
            process.close()
        finally:
            stats.channels_open -= 1

    async def _shell(self, vm: _Vm, process: asyncssh.SSHServerProcess) -> None:
        crlf = process.get_terminal_type() is not None  # a PTY wants CRLF line ends

        def write(text: str, stream: Any) -> None:
            stream.write(text.replace("\n", "\r\n") if crlf else text)

        view = vm.view_factory()
        write(
            f"plinktui demo VM {view.name}. Commands: host, nslookup, dig +short, getent hosts, curl, cat, hostname,"
            " echo. 'exit' leaves.\n",
            process.stdout,
        )
        user = process.get_extra_info("username") or "azureuser"
        rc = 0
        while True:
            write(f"{user}@{view.name}:~$ ", process.stdout)
            try:
                line = await process.stdin.readline()
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                break
            except asyncssh.TerminalSizeChanged:
                continue
            if not line:
                break
            line = line.strip()
            if line in ("exit", "logout"):
                break
            if not line:
                continue
            view = vm.view_factory()
            out, err, rc = run_command(line, view)
            write(out, process.stdout)
            write(err, process.stderr)
        process.exit(rc)

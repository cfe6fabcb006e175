"""Demo SSH listeners: one loopback SSH server per reachable demo VM, kept in step with the model."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plinktui.emulator.providers.compute.models import VM_TYPE, VmNetwork, os_type, ssh_public_keys, vm_network
from plinktui.emulator.providers.compute.views import EmulatorVmView, view_for
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator
    from plinktui.emulator.sshd import DemoSshServer

log = logging.getLogger("plinktui.emulator.compute")


# ----------------------------------------------------------------------------------------------------------------
# Demo SSH listeners


@dataclass(frozen=True)
class _Listener:
    port: int
    signature: tuple[Any, ...]
    public_ip: str | None
    private_ip: str | None


class SshManager:
    """Keeps one SSH listener per reachable demo VM, in step with the model."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.server: DemoSshServer | None = None
        self.listeners: dict[str, _Listener] = {}  # by VM id (original case)
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.running = False

    def desired(self) -> dict[str, tuple[Record, VmNetwork]]:
        """The VMs that should answer SSH now."""
        out: dict[str, tuple[Record, VmNetwork]] = {}
        for rec in self.emu.store.of_type(VM_TYPE):
            if rec.props.get("provisioningState") != "Succeeded" or rec.internal.get("power") != "running":
                continue
            if os_type(rec.doc) != "Linux" or not rec.internal.get("host_key_private"):
                continue
            if not ssh_public_keys(rec.doc):
                continue
            net = vm_network(self.emu, rec.doc)
            if not net.public_ip:
                continue
            out[rec.id] = (rec, net)
        return out

    def kick(self) -> None:
        """Reconcile soon (from synchronous model code); a no-op while the emulator is not serving."""
        if not self.running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._quiet_reconcile())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quiet_reconcile(self) -> None:
        try:
            await self.reconcile()
        except Exception:  # a listener that cannot open must not take the emulator down
            log.exception("demo VM SSH reconcile failed")

    async def reconcile(self) -> None:
        """Open, re-open or close listeners so that they match :meth:`desired`."""
        if not self.running:
            return
        async with self._lock:
            want = self.desired()
            for vm_id in [v for v in self.listeners if v not in want]:
                await self._server().remove_vm(vm_id)
                del self.listeners[vm_id]
            for vm_id, (rec, net) in want.items():
                admin = (rec.props.get("osProfile") or {}).get("adminUsername")
                keys = ssh_public_keys(rec.doc)
                signature = (tuple(keys), admin, net.private_ip, rec.internal.get("host_key_public"))
                current = self.listeners.get(vm_id)
                if current is not None and current.signature == signature and current.public_ip == net.public_ip:
                    continue
                port = await self._server().add_vm(
                    vm_id, rec.internal["host_key_private"], keys, self._factory(vm_id),
                    admin_username=admin, private_ip=net.private_ip,
                    port=current.port if current else int(rec.internal.get("ssh_port") or 0))
                self.listeners[vm_id] = _Listener(port, signature, net.public_ip, net.private_ip)
                if rec.internal.get("ssh_port") != port:
                    rec.internal["ssh_port"] = port  # try the same port after a restart
                    self.emu.store.touch()

    def _factory(self, vm_id: str) -> Any:
        last: list[EmulatorVmView] = []

        def make() -> EmulatorVmView:
            view = view_for(self.emu, vm_id)
            if view is None:  # deleted under an open session: answer from what it was
                if last:
                    return last[0]
                raise RuntimeError(f"VM {vm_id} is gone")
            last[:] = [view]
            return view

        return make

    def _server(self) -> DemoSshServer:
        if self.server is None:
            from plinktui.emulator.sshd import DemoSshServer

            self.server = DemoSshServer(host="127.0.0.1")
        return self.server

    async def start(self) -> None:
        """Emulator start: open the listeners of the VMs that exist."""
        self.running = True
        await self._quiet_reconcile()

    async def stop(self) -> None:
        """Emulator stop: close every listener."""
        self.running = False
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self.server is not None:
            await self.server.close()
            self.server = None
        self.listeners.clear()

    def ssh_map(self) -> dict[str, Any]:
        """The ``/_emulator/ssh`` document."""
        by_ip: dict[str, Any] = {}
        by_vm: dict[str, Any] = {}
        for vm_id, lst in self.listeners.items():
            rec = self.emu.store.get(vm_id)
            admin = ((rec.props.get("osProfile") or {}).get("adminUsername")) if rec else None
            by_vm[vm_id] = {"host": "127.0.0.1", "port": lst.port, "public_ip": lst.public_ip,
                            "private_ip": lst.private_ip, "admin_username": admin}
            if lst.public_ip:
                by_ip[lst.public_ip] = {"host": "127.0.0.1", "port": lst.port, "vm_id": vm_id}
        return {"host": "127.0.0.1", "by_public_ip": by_ip, "by_vm_id": by_vm}


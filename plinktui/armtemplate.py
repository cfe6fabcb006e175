"""What a resource kind's template hook gets: the plan, the parameters and variables declared so far, and the ARM
template expressions for the plan's own names and ids.

``plinktui export`` walks the plan's graph and asks each created node's kind (:attr:`plinktui.kinds.Kind.template`)
for its resource(s); the kind declares the parameters it needs through :meth:`TemplateContext.param` and builds its
resources with :meth:`TemplateContext.resource`, which also records the resource's id so dependents get a
``dependsOn``. Nothing here knows a particular kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plinktui.dag import Node
    from plinktui.plan import Plan

API_VERSIONS = {"Microsoft.Network/privateDnsZones": "2024-06-01", "Microsoft.Network": "2026-03-01",
                "Microsoft.KeyVault": "2026-05-15", "Microsoft.Compute": "2026-04-01"}
"""The api-versions the official SDKs send (the same ones ``plinktui setup`` uses), by type prefix (longest wins)."""


class ExportError(ValueError):
    """A plan that cannot be expressed as a resource-group-scope template; the message says why and what to do."""


def param(name: str) -> str:
    """The expression for template parameter ``name``."""
    return f"parameters('{name}')"


def resource_id(rtype: str, *names: str, rg: str | None = None, sub: str | None = None) -> str:
    """A ``resourceId(...)`` expression (names are expressions: a parameter, or a quoted literal)."""
    lead = [f"'{sub}'"] if sub else []
    lead += [f"'{rg}'"] if rg else []
    return f"resourceId({', '.join([*lead, repr(rtype), *names])})"


def api_version(rtype: str) -> str:
    """The api-version for resource type ``rtype`` (its longest prefix in :data:`API_VERSIONS`)."""
    parts = rtype.split("/")
    for n in range(len(parts), 0, -1):
        found = API_VERSIONS.get("/".join(parts[:n]))
        if found:
            return found
    raise ExportError(f"no api-version is known for {rtype}: its kind's template hook passes api= to ctx.resource")


def _name(segments: tuple[str, ...]) -> str:
    """A child resource's name from its id segments: literals go into the format string, expressions are args."""
    if len(segments) == 1:
        return f"[{segments[0]}]"
    parts: list[str] = []
    args: list[str] = []
    for seg in segments:
        if len(seg) > 1 and seg[0] == seg[-1] == "'":
            parts.append(seg[1:-1])
        else:
            parts.append(f"{{{len(args)}}}")
            args.append(seg)
    return f"[format('{'/'.join(parts)}', {', '.join(args)})]"


_UNSET: Any = object()


@dataclass
class TemplateContext:
    """The template being built for ``plan``: what the kinds' hooks read and add to.

    Attributes:
        plan: the plan being exported.
        parameters / variables: declared so far, in declaration order (the template keeps that order).
        tags: the tags every taggable resource carries.
        ids: node key -> the ``resourceId(...)`` expression of the resource its hook declared (for ``dependsOn``).
    """

    plan: Plan
    parameters: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def tags(self) -> dict[str, str]:
        """The plan tag (a template deployment has no run id)."""
        return {"plinktui-plan": self.plan.name}

    def param(self, name: str, default: Any = _UNSET, *, type: str = "string", **spec: Any) -> str:
        """Declare parameter ``name`` (the first declaration wins) and return its expression."""
        if name not in self.parameters:
            body: dict[str, Any] = {"type": type}
            if default is not _UNSET:
                body["defaultValue"] = default
            self.parameters[name] = {**body, **spec}
        return param(name)

    def variable(self, name: str, value: str) -> str:
        """Declare variable ``name`` (the first declaration wins) and return ``[variables('name')]``."""
        self.variables.setdefault(name, value)
        return f"[variables('{name}')]"

    def resource(self, node: Node, *segments: str, rid: str | None = None, api: str | None = None,
                 **fields: Any) -> dict[str, Any]:
        """A resource of ``node``'s type named by ``segments`` (its id's name expressions, parent first), with
        ``fields`` (location, tags, sku, properties, ...); its id (``rid``, default from the segments) is recorded."""
        self.ids[node.key] = rid or resource_id(node.rtype, *segments)
        return {"type": node.rtype, "apiVersion": api or api_version(node.rtype), "name": _name(segments), **fields}

    # ------------------------------------------------------------------------ the plan's own names and ids

    def _scoped(self, sub: str, rg: str) -> dict[str, str | None]:
        return {"rg": rg if rg != self.plan.resource_group else None, "sub": sub or None}

    @property
    def vnet_id(self) -> str:
        """The plan's VNet (in its own group and subscription when it is an existing one elsewhere)."""
        return resource_id("Microsoft.Network/virtualNetworks", param("vnetName"),
                           **self._scoped(*self.plan.network.vnet_scope("", self.plan.resource_group)))

    def subnet_id(self, name_param: str = "subnetName") -> str:
        """A subnet of the plan's VNet, named by parameter ``name_param``."""
        return resource_id("Microsoft.Network/virtualNetworks/subnets", param("vnetName"), param(name_param),
                           **self._scoped(*self.plan.network.vnet_scope("", self.plan.resource_group)))

    def subnet_ref(self, var: str = "subnetId", name_param: str = "subnetName") -> str:
        """``[variables(var)]`` for the subnet named by ``name_param`` (declaring the variable)."""
        return self.variable(var, f"[{self.subnet_id(name_param)}]")

    @property
    def vault_id(self) -> str:
        """The plan's Key Vault (in its own group and subscription when it is an existing one elsewhere)."""
        return resource_id("Microsoft.KeyVault/vaults", param("vaultName"),
                           **self._scoped(*self.plan.vault.vault_scope("", self.plan.resource_group)))

    @property
    def zone_id(self) -> str:
        """The plan's private DNS zone (in the zone's resource group)."""
        zrg = self.plan.zone_resource_group
        return resource_id("Microsoft.Network/privateDnsZones", param("privateDnsZoneName"),
                           rg=zrg if zrg != self.plan.resource_group else None)

    def refuse_outside(self, rg: str, why: str) -> None:
        """Raise :class:`ExportError` ``why`` when ``rg`` is not the plan's group (a resource-group-scope template
        declares resources in one group)."""
        if rg != self.plan.resource_group:
            raise ExportError(why)

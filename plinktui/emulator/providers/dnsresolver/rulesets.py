"""DNS forwarding rulesets, their forwarding rules and their virtual network links.

Ruleset: ``dnsResolverOutboundEndpoints`` (a non-empty array of existing outbound endpoints in the ruleset's region)
is required. Rule (synchronous, no location): ``domainName`` is dot-terminated with zero labels (the wildcard ``.``)
or 2-34 labels, ``targetDnsServers`` is a non-empty array of ``{ipAddress, port=53}``, ``forwardingRuleState`` is
``Enabled`` (default) or ``Disabled``; the rule's name starts with a letter and holds letters, digits, ``_`` and
``-`` (docs). Link (no location): ``virtualNetwork`` is required, in the ruleset's region, and cannot change. A
ruleset with links or rules cannot be deleted (ARM's nested-resource rule).
"""

from __future__ import annotations

import re
from typing import Any

from plinktui.emulator import cidr, errors
from plinktui.emulator.providers.dnsresolver.common import (
    OUTBOUND,
    RULE,
    RULESET,
    RULESET_LINK,
    ResolverKind,
    fixed_vnet,
)
from plinktui.emulator.providers.dnsresolver.resolvers import nested_error
from plinktui.emulator.providers.network.common import RG_SCOPE, SUB_SCOPE, bad, invalid_reference
from plinktui.emulator.resource import Req, ref
from plinktui.emulator.store import Record

RULESET_ITEM = RG_SCOPE + "/dnsForwardingRulesets/{ruleset}"
LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def check_domain(name: Any) -> str:
    """A forwarding rule's domain name: dot-terminated, ``.`` or 2-34 labels (docs)."""
    if not isinstance(name, str) or not name:
        raise errors.InvalidRequestContent("The request content was invalid: 'domainName' is required.")
    if name == ".":
        return name
    labels = name[:-1].split(".") if name.endswith(".") else []
    if not name.endswith(".") or not 2 <= len(labels) <= 34 or not all(LABEL.match(x) for x in labels):
        raise bad("BadRequest", f"The domain name '{name}' is invalid: it must end with a dot and have 2 to 34 labels "
                                "(or be '.' for every name).")
    return name.lower()


class Rulesets(ResolverKind):
    """Microsoft.Network/dnsForwardingRulesets."""

    type, item, latency = RULESET, RG_SCOPE + "/dnsForwardingRulesets/{name}", "ruleset"
    sub_list = SUB_SCOPE + "/dnsForwardingRulesets"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        outs = props.get("dnsResolverOutboundEndpoints")
        if not isinstance(outs, list) or not outs:
            raise errors.InvalidRequestContent("The request content was invalid: 'dnsResolverOutboundEndpoints' (a "
                                               "non-empty array) is required.")
        location = str(body.get("location") or (existing.doc.get("location") if existing else "")).lower()
        kept = []
        for item in outs:
            oid = ref(item)
            rec = self.emu.store.get(oid or "")
            if rec is None or str(rec.doc.get("type", "")).lower() != OUTBOUND.lower():
                raise invalid_reference(str(oid), rid)
            if location and str(rec.doc.get("location", "")).lower() != location:
                raise bad("BadRequest", f"Outbound endpoint {rec.id} is in {rec.doc.get('location')}; a ruleset uses "
                                        "outbound endpoints of its own region.")
            kept.append({"id": rec.id})
        props["dnsResolverOutboundEndpoints"] = kept
        self.keep_guid(props, existing)
        return {"properties": props}

    def check_delete(self, req: Req, rec: Record) -> None:
        nested = self.emu.store.children(rec.id, RULESET_LINK) + self.emu.store.children(rec.id, RULE)
        if nested:
            raise nested_error(nested)


class ForwardingRules(ResolverKind):
    """Microsoft.Network/dnsForwardingRulesets/forwardingRules (synchronous)."""

    type, item = RULE, RULESET_ITEM + "/forwardingRules/{name}"
    has_location = location_required = resource_guid = False  # a proxy resource
    name_pattern = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")
    name_rule = "1-80 characters starting with a letter: letters, digits, underscores and hyphens"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        self.emu.find(rid.rsplit("/forwardingRules/", 1)[0])
        props = self.body_props(req, body)
        props["domainName"] = check_domain(props.get("domainName"))
        targets = props.get("targetDnsServers")
        if not isinstance(targets, list) or not targets:
            raise errors.InvalidRequestContent("The request content was invalid: 'targetDnsServers' (a non-empty "
                                               "array) is required.")
        clean = []
        for t in targets:
            ip = (t or {}).get("ipAddress") if isinstance(t, dict) else None
            if cidr.parse_address(ip) is None:
                raise bad("BadRequest", f"'{ip}' is not a valid target DNS server IP address.")
            port = t.get("port", 53)
            if not isinstance(port, int) or not 1 <= port <= 65535:
                raise bad("BadRequest", f"'{port}' is not a valid port for target DNS server {ip}.")
            clean.append({"ipAddress": str(ip), "port": port})
        props["targetDnsServers"] = clean
        state = props.get("forwardingRuleState", existing.props.get("forwardingRuleState", "Enabled")
                          if existing else "Enabled")
        if state not in ("Enabled", "Disabled"):
            raise bad("BadRequest", f"'{state}' is not a valid forwardingRuleState (Enabled or Disabled).")
        props["forwardingRuleState"] = state
        return {"properties": props}

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        doc, props = self.patched_copy(rec, body)
        if "forwardingRuleState" in props:
            if props["forwardingRuleState"] not in ("Enabled", "Disabled"):
                raise bad("BadRequest", "forwardingRuleState must be Enabled or Disabled.")
            doc["properties"]["forwardingRuleState"] = props["forwardingRuleState"]
        if "targetDnsServers" in props:
            doc["properties"]["targetDnsServers"] = props["targetDnsServers"]
        return doc


class RulesetLinks(ResolverKind):
    """Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks."""

    type, item, latency = RULESET_LINK, RULESET_ITEM + "/virtualNetworkLinks/{name}", "ruleset"
    has_location = location_required = resource_guid = False  # a proxy resource

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        ruleset = self.emu.find(rid.rsplit("/virtualNetworkLinks/", 1)[0])
        props = self.body_props(req, body)
        vnet = fixed_vnet(self.emu, props, rid, existing, "a ruleset link")
        if str(vnet.doc.get("location", "")).lower() != str(ruleset.doc.get("location", "")).lower():
            raise bad("BadRequest", f"Virtual network {vnet.id} is in {vnet.doc.get('location')}; a DNS forwarding "
                                    f"ruleset links to virtual networks of its own region ({ruleset.doc.get('location')}).")
        for other in self.emu.store.children(ruleset.id, RULESET_LINK):
            if other.id.lower() != rid.lower() and (ref(other.props.get("virtualNetwork")) or "").lower() == \
                    vnet.id.lower():
                raise bad("Conflict", f"Virtual network {vnet.id} is already linked to this ruleset by {other.id}.",
                          status=409)
        props["virtualNetwork"] = {"id": vnet.id}
        return {"properties": props}


__all__ = ["ForwardingRules", "RulesetLinks", "Rulesets", "check_domain"]

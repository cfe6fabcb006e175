"""A deployment template -> the ordered list of resource PUTs it stands for (pure: no emulator state).

What ARM does before it deploys anything, for the subset the emulator supports: check every expression's functions,
bind parameters (given values, ``defaultValue``, ``allowedValues``), flatten nested child resources (``type`` and
``name`` relative to the parent), expand resource ``copy`` loops, evaluate ``condition``, compute each resource's id,
resolve ``dependsOn`` (ids, ``type/name``, names, copy-loop names) plus the implicit dependencies of ``reference()``
and of a child on its parent, and refuse cycles. Properties are evaluated later, when the resource's turn comes,
because ``reference()`` reads what its dependencies became.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from plinktui.emulator.templates.expressions import Call, TemplateError, calls, is_expression, parse
from plinktui.emulator.templates.functions import Scope, expand, resource_id, unsupported

BODY_KEYS = ("location", "tags", "properties", "sku", "kind", "zones", "identity", "plan", "extendedLocation")
"""The members of a template resource that become the PUT body."""


@dataclass
class Planned:
    """One resource instance to PUT."""

    id: str
    type: str
    name: str
    api_version: str
    raw: dict[str, Any]
    scope: Scope
    symbolic: str = ""
    """The copy loop this instance belongs to (dependsOn may name the loop)."""
    depends_on: list[str] = field(default_factory=list)
    """Ids of the template resources this one waits for."""

    def body(self) -> dict[str, Any]:
        """The PUT body, evaluated now (``reference()`` sees the dependencies as deployed)."""
        return expand({k: copy.deepcopy(v) for k, v in self.raw.items() if k in BODY_KEYS}, self.scope)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def check_functions(template: dict[str, Any]) -> None:
    """Every expression parses and uses only supported functions; else ``InvalidTemplate`` naming them."""
    missing: set[str] = set()
    for text in _strings(template):
        if is_expression(text):
            node = parse(text)
            if isinstance(node, Call):
                missing.update(unsupported(node))
    if missing:
        names = ", ".join(f"'{m}'" for m in sorted(missing))
        raise TemplateError(f"The template function(s) {names} are not valid in the plinktui emulator, which "
                            "evaluates a subset of the template language. Please see https://aka.ms/arm-functions "
                            "for usage details.")


def bind_parameters(template: dict[str, Any], given: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """Parameter values from the deployment (``{"name": {"value": v}}``) and the template's defaults."""
    defs = template.get("parameters") or {}
    if not isinstance(defs, dict) or not isinstance(given, dict):
        raise TemplateError("The template 'parameters' and the deployment's 'parameters' must be objects.")
    lowered = {k.lower(): k for k in defs}
    extra = [k for k in given if k.lower() not in lowered]
    if extra:
        raise TemplateError(f"The template parameters '{', '.join(extra)}' in the parameters file are not valid; "
                            "they are not present in the original template and can therefore not be provided at "
                            "deployment time. The only supported parameters for this template are "
                            f"'{', '.join(defs)}'.")
    values: dict[str, Any] = {}
    scope.parameters = values
    given_by_lower = {k.lower(): v for k, v in given.items()}
    for name, spec in defs.items():
        spec = spec if isinstance(spec, dict) else {}
        if name.lower() in given_by_lower:
            entry = given_by_lower[name.lower()]
            if not isinstance(entry, dict) or "value" not in entry:
                raise TemplateError(f"The parameter '{name}' must be given as {{\"value\": ...}} (Key Vault "
                                    "references are not supported by the emulator).")
            value = entry["value"]
        elif "defaultValue" in spec:
            value = expand(spec["defaultValue"], scope)
        else:
            raise TemplateError(f"Deployment template validation failed: 'The value for the template parameter "
                                f"'{name}' is not provided. Please see https://aka.ms/arm-create-parameter-file "
                                "for usage details.'")
        allowed = spec.get("allowedValues")
        if isinstance(allowed, list) and value not in allowed:
            raise TemplateError(f"Deployment template validation failed: 'The provided value '{value}' for the "
                                f"template parameter '{name}' is not valid. The parameter value is not part of the "
                                f"allowed value(s): '{','.join(map(str, allowed))}'.'")
        values[name] = value
    return values


def _flatten(resources: Any, parent: tuple[str, str] | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Top-level and nested resources; a child's type and name get its parent's prefixed (as strings or
    expressions: ``[concat(parentName, '/', childName)]`` is evaluated per instance later)."""
    if not isinstance(resources, list):
        raise TemplateError("The template 'resources' must be an array.")
    for res in resources:
        if not isinstance(res, dict):
            raise TemplateError("Each template resource must be an object.")
        yield res, None if parent is None else f"{parent[0]}\x00{parent[1]}"
        children = res.get("resources")
        if children:
            yield from _flatten(children, (str(res.get("type", "")), str(res.get("name", ""))))


def plan(template: dict[str, Any], scope: Scope) -> list[Planned]:
    """The resource instances of a template, each with its dependencies resolved, in a valid deployment order."""
    if not isinstance(template, dict) or not isinstance(template.get("resources", []), list):
        raise TemplateError("The deployment template must be an object with a 'resources' array.")
    variables = template.get("variables") or {}
    if not isinstance(variables, dict):
        raise TemplateError("The template 'variables' must be an object.")
    scope.variables = variables
    out: list[Planned] = []
    pending_deps: list[tuple[Planned, list[Any], str | None]] = []
    for res, parent in _flatten(template.get("resources") or []):
        loop = res.get("copy")
        count = 1
        loop_name = ""
        if loop is not None:
            if not isinstance(loop, dict) or "name" not in loop or "count" not in loop:
                raise TemplateError("A resource copy loop needs 'name' and 'count'.")
            loop_name = str(loop["name"])
            count = expand(loop["count"], scope)
            if not isinstance(count, int) or count < 0 or count > 800:
                raise TemplateError(f"The copy loop '{loop_name}' count must be an integer from 0 to 800.")
        for index in range(count):
            inst = scope.with_copy(loop_name, index) if loop is not None else scope
            if "condition" in res and not expand(res["condition"], inst):
                continue
            rtype = expand(res.get("type", ""), inst)
            name = expand(res.get("name", ""), inst)
            api = expand(res.get("apiVersion", ""), inst)
            if not rtype or not name or not api:
                raise TemplateError("Each template resource needs 'type', 'name' and 'apiVersion'.")
            parent_id = None
            if parent is not None:
                ptype, pname = parent.split("\x00")
                ptype, pname = expand(ptype, inst), expand(pname, inst)
                if "/" not in rtype.split("/", 1)[0] and "." not in rtype.split("/", 1)[0]:
                    rtype = f"{ptype}/{rtype}"
                    name = f"{pname}/{name}"
                parent_id = resource_id(inst, [ptype, *pname.split("/")])
            names = str(name).split("/")
            rid = resource_id(inst, [str(rtype), *names])
            planned = Planned(rid, str(rtype), str(name), str(api), res, inst, loop_name)
            out.append(planned)
            pending_deps.append((planned, list(res.get("dependsOn") or []), parent_id))
    by_id = {p.id.lower(): p for p in out}
    for planned, deps, parent_id in pending_deps:
        wanted: list[str] = []
        for dep in deps:
            wanted.extend(_resolve_dep(expand(dep, planned.scope), out))
        if parent_id and parent_id.lower() in by_id:
            wanted.append(by_id[parent_id.lower()].id)
        wanted.extend(_implicit_references(planned, out))
        seen: list[str] = []
        for w in wanted:
            if w.lower() != planned.id.lower() and w.lower() not in [s.lower() for s in seen]:
                seen.append(w)
        planned.depends_on = seen
    return _ordered(out)


def _resolve_dep(dep: Any, resources: list[Planned]) -> list[str]:
    if not isinstance(dep, str) or not dep:
        raise TemplateError(f"A dependsOn entry must be a resource id or name, got {dep!r}.")
    low = dep.lower()
    hits = [p.id for p in resources if p.id.lower() == low]
    hits = hits or [p.id for p in resources if p.symbolic and p.symbolic.lower() == low]
    hits = hits or [p.id for p in resources if f"{p.type}/{p.name}".lower() == low]
    hits = hits or [p.id for p in resources if p.name.lower() == low]
    if not hits:
        raise TemplateError(f"Deployment template validation failed: 'The resource '{dep}' is not defined in the "
                            "template. Please see https://aka.ms/arm-syntax for usage details.'")
    return hits


def _implicit_references(planned: Planned, resources: list[Planned]) -> list[str]:
    """``reference(x)`` on a template resource makes this one wait for it, as ARM does."""
    found: list[str] = []
    for text in _strings({k: v for k, v in planned.raw.items() if k in BODY_KEYS}):
        if not is_expression(text):
            continue
        for call in calls(parse(text)):
            if call.name.lower() != "reference" or not call.args:
                continue
            try:
                target = expand(f"[{_source(call.args[0])}]", planned.scope)
            except TemplateError:
                continue
            if isinstance(target, str):
                low = target.lower()
                found.extend(p.id for p in resources if p.id.lower() == low or p.name.lower() == low)
    return found


def _source(node: Any) -> str:
    """Print a parsed node back as expression text (to evaluate a reference()'s first argument on its own)."""
    from plinktui.emulator.templates.expressions import Index, Literal, Member

    if isinstance(node, Literal):
        return "'" + node.value.replace("'", "''") + "'" if isinstance(node.value, str) else str(node.value)
    if isinstance(node, Member):
        return f"{_source(node.target)}.{node.name}"
    if isinstance(node, Index):
        return f"{_source(node.target)}[{_source(node.index)}]"
    return f"{node.name}({', '.join(_source(a) for a in node.args)})"


def _ordered(resources: list[Planned]) -> list[Planned]:
    """Kahn's order over dependsOn; a cycle is ARM's ``InvalidTemplate`` circular dependency."""
    by_id = {p.id.lower(): p for p in resources}
    indeg = {p.id.lower(): len(p.depends_on) for p in resources}
    out: list[Planned] = []
    ready = [k for k, d in indeg.items() if d == 0]
    while ready:
        key = ready.pop(0)
        out.append(by_id[key])
        for p in resources:
            if key in [d.lower() for d in p.depends_on]:
                indeg[p.id.lower()] -= 1
                if indeg[p.id.lower()] == 0:
                    ready.append(p.id.lower())
    if len(out) != len(resources):
        stuck = [by_id[k].id for k, d in indeg.items() if d > 0]
        raise TemplateError(f"Deployment template validation failed: 'Circular dependency detected on resource: "
                            f"'{stuck[0]}'. Please see https://aka.ms/arm-syntax-resources for usage details.'")
    return out

"""The template functions the emulator evaluates, and the scope they see.

Supported: ``parameters``, ``variables``, ``resourceId``, ``subscriptionResourceId``, ``concat``, ``format``,
``reference``, ``resourceGroup``, ``subscription``, ``deployment``, ``uniqueString``, ``guid``, ``copyIndex``,
``length``, ``toLower``, ``toUpper``, ``string``, ``int``, ``bool``, ``if``, ``equals``, ``not``, ``and``, ``or``,
``empty``, ``createArray``, ``createObject``, ``replace``, ``split``, ``substring``, ``first``, ``last``, ``add``,
``sub``, ``mul``, ``true``, ``false``, ``null``. Any other function is ``InvalidTemplate`` naming it.

``uniqueString`` and ``guid`` are deterministic (same inputs, same result, 13 lower-case characters for
``uniqueString``, a GUID for ``guid``) but are NOT Azure's values: ARM's hash is not published (a guess, README).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plinktui.emulator.templates.expressions import Call, TemplateError, evaluate, is_expression, parse, unescape

SUPPORTED = (
    "parameters", "variables", "resourceId", "subscriptionResourceId", "concat", "format", "reference",
    "resourceGroup", "subscription", "deployment", "uniqueString", "guid", "copyIndex", "length", "toLower",
    "toUpper", "string", "int", "bool", "if", "equals", "not", "and", "or", "empty", "createArray", "createObject",
    "replace", "split", "substring", "first", "last", "add", "sub", "mul", "true", "false", "null",
)
_BY_LOWER = {name.lower(): name for name in SUPPORTED}


def unsupported(node: Call) -> list[str]:
    """Names of the functions in a parsed expression that the emulator does not evaluate."""
    from plinktui.emulator.templates.expressions import calls

    return sorted({c.name for c in calls(node) if c.name.lower() not in _BY_LOWER})


def unique_string(*parts: str) -> str:
    """A deterministic 13-character lower-case string for the inputs (not ARM's own hash, which is unpublished)."""
    digest = hashlib.sha256("-".join(parts).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


@dataclass
class Scope:
    """What expressions see: the deployment's parameters and variables, where it runs, and the current loop."""

    subscription_id: str
    tenant_id: str
    resource_group: str
    location: str
    deployment_name: str
    parameters: dict[str, Any]
    variables: dict[str, Any]
    reference: Callable[[str, str | None, bool], Any]
    """``reference(resourceId, apiVersion, full)``: the deployed resource's properties (or whole document)."""
    resolve_name: Callable[[str], str | None] = lambda name: None
    """A bare resource name (``reference('vnet1')``) to the id of the template resource of that name."""
    copy_index: dict[str, int] = field(default_factory=dict)
    """Loop name -> current index; ``""`` is the innermost resource loop."""
    _evaluating: set[str] = field(default_factory=set)

    def rg_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    def with_copy(self, name: str, index: int) -> Scope:
        """A scope for one iteration of a copy loop."""
        loops = dict(self.copy_index)
        loops[name] = index
        if name != "" and "" not in self.copy_index:
            loops[""] = index
        out = Scope(self.subscription_id, self.tenant_id, self.resource_group, self.location, self.deployment_name,
                    self.parameters, self.variables, self.reference, self.resolve_name, loops)
        out._evaluating = self._evaluating
        return out


def expand(value: Any, scope: Scope) -> Any:
    """Evaluate every expression in a JSON value (objects, arrays, strings); property ``copy`` loops expand."""
    if isinstance(value, str):
        if is_expression(value):
            return run(value, scope)
        return unescape(value)
    if isinstance(value, list):
        return [expand(v, scope) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "copy" and isinstance(item, list):
                for loop in item:
                    out[loop["name"]] = _property_loop(loop, scope)
                continue
            out[key] = expand(item, scope)
        return out
    return value


def _property_loop(loop: dict[str, Any], scope: Scope) -> list[Any]:
    if not isinstance(loop, dict) or "name" not in loop or "count" not in loop or "input" not in loop:
        raise TemplateError("A property copy loop needs 'name', 'count' and 'input'.")
    count = expand(loop["count"], scope)
    if not isinstance(count, int) or count < 0:
        raise TemplateError(f"The copy loop '{loop['name']}' count must be a non-negative integer.")
    return [expand(loop["input"], scope.with_copy(loop["name"], i)) for i in range(count)]


def run(expression: str, scope: Scope) -> Any:
    """Parse and evaluate one ``[...]`` expression."""
    node = parse(expression)
    missing = unsupported(node) if isinstance(node, Call) else []
    if missing:
        raise TemplateError(f"The template function '{missing[0]}' is not valid. Please see "
                            "https://aka.ms/arm-functions for usage details. (The emulator evaluates: "
                            f"{', '.join(SUPPORTED)}.)")
    return evaluate(node, lambda call: _call(call, scope))


def _arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        want = str(low) if high == low else f"{low} to {high}" if high is not None else f"at least {low}"
        raise TemplateError(f"Unable to evaluate template language function '{name}': it expects {want} "
                            f"argument(s), got {len(args)}.")


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"Unable to evaluate template language function '{name}': expected a string, got "
                            f"{type(value).__name__}.")
    return value


def resource_id(scope: Scope, args: list[Any], subscription_level: bool = False) -> str:
    """``resourceId([subscriptionId], [resourceGroupName], type, name1, name2...)``."""
    fn = "subscriptionResourceId" if subscription_level else "resourceId"
    args = [_str(fn, a) for a in args]
    type_at = next((i for i, a in enumerate(args) if "/" in a and "." in a.split("/", 1)[0]), None)
    if type_at is None or type_at > (1 if subscription_level else 2):
        raise TemplateError(f"Unable to evaluate template language function '{fn}': no resource type "
                            "('Namespace/type') among its arguments.")
    rtype, names, lead = args[type_at], args[type_at + 1:], args[:type_at]
    segments = rtype.split("/")[1:]
    if len(names) != len(segments):
        raise TemplateError(f"Unable to evaluate template language function '{fn}': the type '{rtype}' requires "
                            f"{len(segments)} resource name argument(s).")
    sub, rg = scope.subscription_id, scope.resource_group
    if subscription_level:
        sub = lead[0] if lead else sub
        base = f"/subscriptions/{sub}"
    else:
        if len(lead) == 2:
            sub, rg = lead
        elif len(lead) == 1:
            rg = lead[0]
        base = f"/subscriptions/{sub}/resourceGroups/{rg}"
    path = "/".join(f"{t}/{n}" for t, n in zip(segments, names, strict=True))
    return f"{base}/providers/{rtype.split('/')[0]}/{path}"


def _format(template: str, values: list[Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(values):
            raise TemplateError(f"Unable to evaluate template language function 'format': no argument {index}.")
        value = values[index]
        spec = match.group(2)
        if spec and isinstance(value, int):
            if spec.upper().startswith("D"):
                return str(value).zfill(int(spec[1:] or 0))
            if spec.upper() == "X":
                return format(value, "X" if spec == "X" else "x")
        return _text(value)

    return re.sub(r"\{\{|\}\}|\{(\d+)(?::([^}]*))?\}", sub, template)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _lookup(kind: str, table: dict[str, Any], name: Any) -> tuple[str, Any]:
    key = _str(kind, name)
    for have, value in table.items():
        if have.lower() == key.lower():
            return have, value
    raise TemplateError(f"The template {kind[:-1]} '{key}' is not found. Please see https://aka.ms/arm-syntax for "
                        "usage details.")


def _call(node: Call, scope: Scope) -> Any:
    name = _BY_LOWER[node.name.lower()]

    def arg(i: int) -> Any:
        return evaluate(node.args[i], lambda call: _call(call, scope))

    if name == "if":
        _arity(name, list(node.args), 3, 3)
        return arg(1) if arg(0) else arg(2)
    args = [arg(i) for i in range(len(node.args))]
    if name == "parameters":
        _arity(name, args, 1, 1)
        return _lookup("parameters", scope.parameters, args[0])[1]
    if name == "variables":
        _arity(name, args, 1, 1)
        key, raw = _lookup("variables", scope.variables, args[0])
        if key in scope._evaluating:
            raise TemplateError(f"The template variable '{key}' refers to itself (a circular reference).")
        scope._evaluating.add(key)
        try:
            return expand(raw, scope)
        finally:
            scope._evaluating.discard(key)
    if name in ("resourceId", "subscriptionResourceId"):
        _arity(name, args, 2)
        return resource_id(scope, args, name == "subscriptionResourceId")
    if name == "concat":
        if args and all(isinstance(a, list) for a in args):
            return [x for a in args for x in a]
        return "".join(_text(a) for a in args)
    if name == "format":
        _arity(name, args, 1)
        return _format(_str(name, args[0]), args[1:])
    if name == "reference":
        _arity(name, args, 1, 3)
        target = _str(name, args[0])
        if "/" not in target:
            resolved = scope.resolve_name(target)
            if resolved is None:
                raise TemplateError(f"The resource '{target}' is not defined in the template.")
            target = resolved
        return scope.reference(target, args[1] if len(args) > 1 else None,
                               len(args) > 2 and str(args[2]).lower() == "full")
    if name == "resourceGroup":
        return {"id": scope.rg_id(), "name": scope.resource_group, "type": "Microsoft.Resources/resourceGroups",
                "location": scope.location, "properties": {"provisioningState": "Succeeded"}}
    if name == "subscription":
        return {"id": f"/subscriptions/{scope.subscription_id}", "subscriptionId": scope.subscription_id,
                "tenantId": scope.tenant_id, "displayName": "plinktui demo subscription"}
    if name == "deployment":
        return {"name": scope.deployment_name, "properties": {"templateLink": None}}
    if name == "uniqueString":
        _arity(name, args, 1)
        return unique_string(*[_str(name, a) for a in args])
    if name == "guid":
        _arity(name, args, 1)
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "-".join(_str(name, a) for a in args)))
    if name == "copyIndex":
        offset, loop = 0, ""
        for a in args:
            if isinstance(a, int):
                offset = a
            else:
                loop = _str(name, a)
        if loop not in scope.copy_index:
            raise TemplateError(f"The template function 'copyIndex' is not expected at this location"
                                f"{' for loop ' + repr(loop) if loop else ''}: it is valid only inside a copy loop.")
        return scope.copy_index[loop] + offset
    if name == "length":
        _arity(name, args, 1, 1)
        return len(args[0])
    if name in ("toLower", "toUpper"):
        _arity(name, args, 1, 1)
        text = _str(name, args[0])
        return text.lower() if name == "toLower" else text.upper()
    if name == "string":
        _arity(name, args, 1, 1)
        return _text(args[0])
    if name == "int":
        _arity(name, args, 1, 1)
        return int(args[0])
    if name == "bool":
        _arity(name, args, 1, 1)
        return args[0] if isinstance(args[0], bool) else str(args[0]).lower() == "true"
    if name == "equals":
        _arity(name, args, 2, 2)
        return args[0] == args[1]
    if name == "not":
        _arity(name, args, 1, 1)
        return not args[0]
    if name in ("and", "or"):
        _arity(name, args, 2)
        return all(args) if name == "and" else any(args)
    if name == "empty":
        _arity(name, args, 1, 1)
        return args[0] is None or len(args[0]) == 0
    if name == "createArray":
        return list(args)
    if name == "createObject":
        if len(args) % 2:
            raise TemplateError("The template function 'createObject' expects key/value pairs.")
        return {_str(name, args[i]): args[i + 1] for i in range(0, len(args), 2)}
    if name == "replace":
        _arity(name, args, 3, 3)
        return _str(name, args[0]).replace(_str(name, args[1]), _str(name, args[2]))
    if name == "split":
        _arity(name, args, 2, 2)
        seps = args[1] if isinstance(args[1], list) else [args[1]]
        return re.split("|".join(re.escape(_str(name, s)) for s in seps), _str(name, args[0]))
    if name == "substring":
        _arity(name, args, 1, 3)
        text = _str(name, args[0])
        start = args[1] if len(args) > 1 else 0
        return text[start:start + args[2]] if len(args) > 2 else text[start:]
    if name in ("first", "last"):
        _arity(name, args, 1, 1)
        seq = args[0]
        return (seq[0] if name == "first" else seq[-1]) if seq else None
    if name in ("add", "sub", "mul"):
        _arity(name, args, 2, 2)
        a, b = args
        return a + b if name == "add" else a - b if name == "sub" else a * b
    return {"true": True, "false": False, "null": None}[name]

"""Read a lazily built Dagger object without an engine: its call chain as data and as text.

The dagger-io SDK records each call (``docker_build``, ``with_exec``, ...) as a selection in the
object's query context and only talks to an engine when a leaf value is awaited. These helpers
read those selections; they never await, so no engine and no connection is needed. Secret
plaintext is masked in the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagger.client.base import Type

MASKED_ARGS = {"plaintext"}


@dataclass(frozen=True)
class Call:
    type_name: str  # GraphQL type the call is made on (Query, Directory, Container, ...)
    name: str  # GraphQL field name (dockerBuild, withExec, ...)
    args: dict[str, Any]  # raw arguments; nested Dagger objects stay objects


def calls(obj: Type) -> list[Call]:
    """Every call that built ``obj``, root first."""
    return [Call(f.type_name, f.name, dict(f.args)) for f in obj._ctx.selections]


def named(obj: Type, name: str) -> list[Call]:
    """The calls called ``name`` (GraphQL spelling, e.g. ``withExec``)."""
    return [call for call in calls(obj) if call.name == name]


def only(obj: Type, name: str) -> Call:
    found = named(obj, name)
    assert len(found) == 1, f"expected one {name} call, got {len(found)} in:\n{render(obj)}"
    return found[0]


def render(obj: Type, indent: int = 0) -> str:
    """The chain as text, one call a line; nested objects are rendered indented below."""
    pad = "  " * indent
    lines = []
    for call in calls(obj):
        nested = []
        shown = []
        for key, value in call.args.items():
            shown.append(f"{key}={_short(key, value, nested)}")
        lines.append(f"{pad}{call.type_name}.{call.name}({', '.join(shown)})")
        for label, child in nested:
            lines.append(f"{pad}  {label}:")
            lines.append(render(child, indent + 2))
    return "\n".join(lines)


def _short(key: str, value: Any, nested: list) -> str:
    if key in MASKED_ARGS:
        return "'***'"
    if isinstance(value, Type):
        label = f"<{type(value).__name__} #{len(nested) + 1}>"
        nested.append((label, value))
        return label
    if isinstance(value, list):
        return "[" + ", ".join(_short(key, item, nested) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(k, v, nested)}" for k, v in value.items()) + "}"
    return repr(value)


def secret_plaintext(secret: Type) -> str:
    """The plaintext of a secret made with ``dag.set_secret`` (for tests standing in for the engine)."""
    return only(secret, "setSecret").args["plaintext"]

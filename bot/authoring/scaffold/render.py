"""Filling ``@TOKEN@`` markers into the YAML templates without breaking the YAML.

Templates stay YAML files with their comments (a business reads them), so values are put in
as text rather than through a YAML dumper, which would drop the comments. Free text (the
business name...) may only stand inside a double-quoted scalar, where it is escaped, or in
a comment, where nothing needs escaping once newlines are refused; other values must be
plain words. Every rendering is then proven: parsing it must give exactly the data that
parsing the template with harmless stand-ins gives once the stand-ins are replaced, so no
name can change the structure of a file, whatever characters it has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

TOKEN = re.compile(r"@([A-Z][A-Z_]*)@")
# Values allowed outside quotes and comments: plain words, or a flow list of them. Such a
# value is YAML itself (``[en, zh]`` is a list), and the proof below reads it as such.
PLAIN = re.compile(r"^\[?[A-Za-z0-9_+/ ,.:-]*\]?$")


class RenderError(ValueError):
    """A template or a value that would not give the YAML intended (a bug, not user input)."""


def render(template: str, values: Mapping[str, str], *, source: str, as_yaml: bool = True) -> str:
    """``template`` with every ``@TOKEN@`` replaced; ``RenderError`` on an unknown token or
    a value that would change the structure of the YAML."""
    missing = sorted(set(TOKEN.findall(template)) - set(values))
    if missing:
        raise RenderError(f"{source}: no value for {', '.join(missing)}")
    if not as_yaml:
        return TOKEN.sub(lambda m: values[m.group(1)], template)
    plain: set[str] = set()
    rendered = "".join(_line(line, values, source, plain) for line in template.splitlines(True))
    _prove(template, rendered, values, plain, source)
    return rendered


def _line(line: str, values: Mapping[str, str], source: str, plain: set[str]) -> str:
    contexts = _contexts(line)
    out, last = [], 0
    for match in TOKEN.finditer(line):
        value = values[match.group(1)]
        if "\n" in value or "\r" in value:
            raise RenderError(f"{source}: @{match.group(1)}@ has a line break")
        where = contexts[match.start()]
        if where == "quoted":
            value = json.dumps(value, ensure_ascii=False)[1:-1]  # JSON escapes are YAML's
        elif where == "plain":
            if not PLAIN.match(value):
                raise RenderError(f"{source}: @{match.group(1)}@ must be quoted in the template")
            plain.add(match.group(1))
        out += [line[last : match.start()], value]
        last = match.end()
    return "".join(out) + line[last:]


def _contexts(line: str) -> list[str]:
    """For each character: inside a comment, a double-quoted scalar, or plain YAML."""
    kinds, state, escaped = [], "plain", False
    for i, ch in enumerate(line):
        if state == "plain" and ch == "#" and (i == 0 or line[i - 1] in " \t"):
            state = "comment"
        kinds.append(state)
        if state == "quoted":
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                state = "plain"
        elif state == "plain" and ch == '"':
            state = "quoted"
            kinds[-1] = "quoted"
    return kinds


def _prove(
    template: str, rendered: str, values: Mapping[str, str], plain: set[str], source: str
) -> None:
    keys = sorted(values)
    stand_ins = {key: f"zqstandin{i}zq" for i, key in enumerate(keys)}
    try:
        skeleton = yaml.safe_load(TOKEN.sub(lambda m: stand_ins[m.group(1)], template))
        whole = {stand_ins[k]: yaml.safe_load(values[k]) for k in plain}
        parts = {stand_ins[k]: values[k] for k in keys}
        expected = _replace(skeleton, whole, parts)
        actual = yaml.safe_load(rendered)
    except yaml.YAMLError as exc:
        raise RenderError(f"{source}: renders to invalid YAML ({exc})") from None
    if expected != actual:
        raise RenderError(f"{source}: a value changed the structure of the YAML")


def _replace(data: Any, whole: Mapping[str, Any], parts: Mapping[str, str]) -> Any:
    """``data`` with stand-ins replaced: a scalar that is one plain stand-in by the parsed
    value, stand-ins inside texts by the value's text."""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if node in whole:
                return whole[node]
            return re.sub(r"zqstandin\d+zq", lambda m: parts[m.group(0)], node)
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)

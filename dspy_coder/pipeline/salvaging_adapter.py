"""A ChatAdapter that keeps what a small model's answer holds instead of asking again.

Two things make DSPy's ChatAdapter reject a small local model's plan or tests:

- list fields written as bullet or numbered lines (``- check the length``), not as JSON;
- an answer cut off by the step's token budget, typically after the model started repeating
  itself ("Single character string: ..." thirty times): the last fields are missing.

On a parse failure the ChatAdapter then repeats the whole call with the JSONAdapter, which the
same model truncates the same way, so a plan is lost after two full-length calls. This adapter
reads the sections the answer does have, turns bullet lines into list items (repeats dropped,
and the last item of a cut-off answer, which the limit cut mid-line), gives missing fields an
empty value, and makes no second call. An answer without the ``required`` fields is still a
parse error.

Example:
    >>> with dspy.context(adapter=salvaging_adapter(required=("approach",))):  # doctest: +SKIP
    ...     plan = planner(task=text)
"""

from __future__ import annotations

import re
import typing
from typing import Any

import dspy
from dspy.adapters.chat_adapter import ChatAdapter, field_header_pattern
from dspy.adapters.utils import parse_value
from dspy.utils.exceptions import AdapterParseError

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _sections(completion: str) -> dict[str, str]:
    """Field name -> text for every ``[[ ## name ## ]]`` section (the first of each name)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in completion.splitlines():
        match = field_header_pattern.match(line.strip())
        if match:
            name = match.group(1)
            current = sections.setdefault(name, []) if name not in sections else None
            rest = line.strip()[match.end():].strip()
            if current is not None and rest:
                current.append(rest)
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def _is_str_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list and typing.get_args(annotation) in ((str,), ())


def _list_items(text: str) -> list[str]:
    """Bullet or numbered lines as items, in order, repeats dropped."""
    items: list[str] = []
    for line in text.splitlines():
        item = _BULLET.sub("", line).strip()
        if item and item not in items:
            items.append(item)
    return items


def _salvage_value(text: str, annotation: Any) -> Any:
    try:
        return parse_value(text, annotation)
    except (ValueError, TypeError):
        if _is_str_list(annotation):
            return _list_items(text)
        raise


def _empty_value(annotation: Any) -> Any:
    if annotation is str:
        return ""
    if typing.get_origin(annotation) is list:
        return []
    return None


class SalvagingChatAdapter(ChatAdapter):
    """ChatAdapter whose parse keeps the usable part of a malformed or truncated answer."""

    def __init__(self, required: tuple[str, ...] = ()) -> None:
        super().__init__(use_json_adapter_fallback=False)
        self.required = required

    def parse(self, signature: type[dspy.Signature], completion: str) -> dict[str, Any]:
        try:
            return super().parse(signature, completion)
        except AdapterParseError:
            pass
        sections = _sections(completion)
        cut_off = "[[ ## completed ## ]]" not in completion
        last = next(reversed(sections), None)
        fields: dict[str, Any] = {}
        for name, field in signature.output_fields.items():
            annotation = field.annotation
            if name not in sections:
                fields[name] = _empty_value(annotation)
                continue
            try:
                fields[name] = _salvage_value(sections[name], annotation)
            except (ValueError, TypeError):
                fields[name] = _empty_value(annotation)
            if cut_off and name == last and isinstance(fields[name], list):
                fields[name] = fields[name][:-1]  # the item the token limit cut
        missing = [name for name in self.required if not fields.get(name)]
        if missing or any(value is None for value in fields.values()):
            raise AdapterParseError(
                adapter_name="SalvagingChatAdapter",
                signature=signature,
                lm_response=completion,
                message=f"No usable value for {', '.join(missing) or 'a typed field'}.",
            )
        return fields


def salvaging_adapter(required: tuple[str, ...] = ()) -> dspy.Adapter:
    """The adapter to use for a step: ours when DSPy would use its default ChatAdapter, else
    the adapter the user configured (a JSONAdapter or XMLAdapter is left alone)."""
    configured = dspy.settings.adapter
    if configured is None or type(configured) is ChatAdapter:
        return SalvagingChatAdapter(required)
    return configured

"""What a person wants built, as project mode's ``Requirements``: from flags, a TOML file or
five questions in a terminal.

The record holds the goal, the algorithmic approach, the technologies, the libraries with the
features to use, documentation references and free-form context. Every way in ends in the same
validated record, and bad input raises ``UsageError`` saying what to write instead.

Example:
    >>> req = requirements_from_flags("an email validation library",
    ...                               libraries=["email-validator:validate_email"])
    >>> req.libraries[0].name, req.libraries[0].features
    ('email-validator', ['validate_email'])
    >>> print(req.render())
    Goal: an email validation library
    Libraries: email-validator (use: validate_email)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dspy_coder.errors import UsageError

_LIBRARY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?$")
_DOC_REFERENCE = re.compile(r"^(?:https?://\S+|\S+\.(?:md|rst|txt|html|pdf))$", re.IGNORECASE)


class Library(BaseModel):
    """A library the project should use, and the features of it to use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="The PyPI name, e.g. 'fastapi'.")
    features: list[str] = Field(default_factory=list, description="e.g. ['routes', 'models']")

    @field_validator("name")
    @classmethod
    def _named_like_a_package(cls, name: str) -> str:
        name = name.strip()
        if not _LIBRARY_NAME.match(name):
            raise ValueError(f"{name!r} is not a package name (e.g. 'fastapi' or 'requests')")
        return name


class Requirements(BaseModel):
    """What to build: project mode's input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    goal: str = Field(description="What the package should do, in a sentence or a paragraph.")
    approach: str = Field(default="", description="The algorithmic approach, if one is wanted.")
    technologies: list[str] = Field(default_factory=list, description="e.g. ['CLI', 'sqlite']")
    libraries: list[Library] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list, description="Documentation references.")
    context: str = Field(default="", description="Anything else the builder should know.")

    @field_validator("goal")
    @classmethod
    def _has_a_goal(cls, goal: str) -> str:
        if not goal.strip():
            raise ValueError("the goal is empty: say what the package should do")
        return goal.strip()

    def render(self) -> str:
        """The requirements as the text the planner reads (empty parts left out)."""
        lines = [f"Goal: {self.goal}"]
        if self.approach:
            lines.append(f"Approach: {self.approach}")
        if self.technologies:
            lines.append(f"Technologies: {', '.join(self.technologies)}")
        if self.libraries:
            lines.append("Libraries: " + "; ".join(
                f"{lib.name} (use: {', '.join(lib.features)})" if lib.features else lib.name
                for lib in self.libraries))
        if self.docs:
            lines.append(f"Documentation: {', '.join(self.docs)}")
        if self.context:
            lines.append(f"Context: {self.context}")
        return "\n".join(lines)


def parse_library(text: str) -> Library:
    """``'fastapi:routes,models'`` (or ``'fastapi'``) as a ``Library``."""
    name, _, features = text.partition(":")
    try:
        return Library(name=name, features=[f.strip() for f in features.split(",") if f.strip()])
    except ValidationError as exc:
        raise UsageError(f"--lib {text!r}: {_first_error(exc)}. Write NAME or "
                         "NAME:FEATURE,FEATURE (e.g. --lib fastapi:routes,models).") from exc


def _split(values: list[str] | None) -> list[str]:
    """Repeated or comma-separated flag values, stripped, empty ones dropped."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _build(source: str, **fields: object) -> Requirements:
    try:
        return Requirements(**fields)
    except ValidationError as exc:
        raise UsageError(f"{source}: {_first_error(exc)}.") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def requirements_from_flags(
    goal: str,
    approach: str = "",
    technologies: list[str] | None = None,
    libraries: list[str] | None = None,
    docs: list[str] | None = None,
    context: str = "",
) -> Requirements:
    """Requirements from ``dspy-coder project "goal" --approach ... --tech ... --lib ...``."""
    return _build(
        "The project's requirements",
        goal=goal, approach=approach, technologies=_split(technologies),
        libraries=[parse_library(text) for text in libraries or []],
        docs=_split(docs), context=context,
    )


def requirements_from_toml(path: Path) -> Requirements:
    """Requirements from a TOML file whose keys are the record's fields; ``libraries`` is a
    list of tables (``[[libraries]] name = "fastapi"  features = ["routes"]``) or of
    ``"name:feature,feature"`` strings."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{path} does not exist: pass the path of a requirements TOML file.") \
            from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path} is not a readable TOML file ({exc}).") from exc
    libraries = data.get("libraries", [])
    if isinstance(libraries, list):
        data["libraries"] = [parse_library(lib) if isinstance(lib, str) else lib
                             for lib in libraries]
    return _build(str(path), **data)


QUESTIONS = (
    "What should the package do? (the goal)",
    "Which algorithmic approach, if any? (Enter to skip)",
    "Which technologies (comma-separated, e.g. CLI, sqlite)? (Enter to skip)",
    "Which libraries, each with the features to use (e.g. fastapi:routes,models; requests)? "
    "(Enter to skip)",
    "Documentation references or anything else to know? (Enter to skip)",
)


def requirements_interactively(ask: Callable[[str], str], is_terminal: bool) -> Requirements:
    """The five ``QUESTIONS`` in order through ``ask`` (``input`` in a terminal). URLs and
    document names in the last answer become ``docs``, the rest ``context``."""
    if not is_terminal:
        raise UsageError("--interactive needs a terminal to ask its questions in; pass the "
                         "requirements as flags or with --requirements FILE.toml instead.")
    goal, approach, technologies, libraries, rest = (ask(q + " ").strip() for q in QUESTIONS)
    docs = [word for word in re.split(r"[\s,;]+", rest) if _DOC_REFERENCE.match(word)]
    context = rest
    for doc in docs:
        context = context.replace(doc, " ")
    context = re.sub(r"\s+([,;.])", r"\1", " ".join(context.split()))
    context = re.sub(r"([,;])[,;]+", r"\1", context).strip(" ,;")
    return requirements_from_flags(
        goal, approach, [technologies],
        [lib for lib in (part.strip() for part in libraries.split(";")) if lib],
        docs, context,
    )

"""Close a ``@pytest.mark.parametrize`` table the test writer's answer was cut off inside.

A small model often fills a parametrize table until its token budget runs out, so the
answer ends mid-row and the test function under the decorator never arrives. Reading only
the parsable prefix would lose the whole table. Instead, the table is cut after its last
complete row, closed, and given the test function the writer was about to write: the last
argument name is the expected value and the others, in order, are the call's arguments
(``("numbers, threshold, expected", ...)`` -> ``assert f(numbers, threshold) == expected``).

Example:
    >>> cut = '@pytest.mark.parametrize("x, expected", [\\n    (1, 2),\\n    (2, 4),\\n    ([1'
    >>> print(close_truncated_table(cut, "double"))
    <BLANKLINE>
    @pytest.mark.parametrize("x, expected", [
        (1, 2),
        (2, 4)
    ])
    def test_double_table(x, expected):
        assert double(x) == expected
    <BLANKLINE>
"""

from __future__ import annotations

import ast
import re

_DECORATOR = re.compile(r"^@pytest\.mark\.parametrize\(\s*(?P<names>.+?)\s*,\s*[\[(]\s*$")
_NAME_LIST = re.compile(r"""['"]([^'"]*)['"]""")


def _argnames(header: str) -> list[str] | None:
    """The parametrize argument names written on the decorator's line."""
    found = _NAME_LIST.findall(header)
    names = [n.strip() for part in found for n in part.split(",") if n.strip()]
    return names if len(names) >= 2 and all(n.isidentifier() for n in names) else None


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def close_truncated_table(source: str, entry_point: str | None) -> str | None:
    """``source`` with its trailing, unfinished parametrize table closed after the last
    complete row and its test function added; None when the answer does not end inside one
    (or no row of it is complete)."""
    if not entry_point or _parses(source):
        return None
    lines = source.splitlines()
    opened = [i for i, line in enumerate(lines) if _DECORATOR.match(line.strip())]
    if not opened or lines[opened[-1]].startswith((" ", "\t")):
        return None
    start = opened[-1]
    if any(line.startswith(("def ", "class ", "async def ")) for line in lines[start + 1:]):
        return None  # the test function arrived: the cut is elsewhere
    match = _DECORATOR.match(lines[start].strip())
    names = _argnames(match.group("names")) if match else None
    if names is None:
        return None
    closer = "]" if lines[start].rstrip().endswith("[") else ")"
    *arguments, expected = names
    test = (
        f"def test_{entry_point}_table({', '.join(names)}):\n"
        f"    assert {entry_point}({', '.join(arguments)}) == {expected}\n"
    )
    head = "\n".join(lines[:start])
    for end in range(len(lines), start + 1, -1):
        table = "\n".join(lines[start:end]).rstrip().rstrip(",")
        candidate = f"{head}\n{table}\n{closer})\n{test}"
        if _parses(candidate):
            return candidate
    return None

"""Reading an API request's input before any of it reaches a service or the database.

- `read_json(request)`: the JSON body, or the problems with it as `ErrorsOut` items, each in
  Chinese naming its field: not JSON, nested deeper than `MAX_DEPTH` (a body of 200 KB of `[[[…`
  would otherwise exhaust Python's recursion while decoding), or a string (value or key) no
  database can store (NUL, which PostgreSQL refuses in text; a lone surrogate, which no UTF-8
  column takes), found wherever it sits (`record.guardian.relationship`).
- `InvalidInput`: raised by an operation for a bad parameter; the API answers 422 with the same
  `{"errors": [{"field", "message"}]}` body as every other refused input (`shouhu/api/urls.py`).
- `query_problems(request)`: NUL in the path or the query string, refused for every operation by
  `ApiInputMiddleware` before ninja parses the parameters.

A body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` never gets this far: the middleware answers 413
when the request says its length, and `urls.py` maps Django's `RequestDataTooBig` to 413 otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from shouhu.core.input_text import text_problem

# The exchange format nests three levels (record → parents → a parent); an update wraps it in one more.
MAX_DEPTH = 16
MAX_REPORTED = 20  # problems listed per body; the rest would only repeat them
NOT_JSON = "请求体应为 JSON（Content-Type: application/json）"


class InvalidInput(Exception):
    """A parameter the operation refuses: 422 with `{"errors": [{"field": field, "message": message}]}`."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def json_problems(data: Any, labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Depth and unstorable strings of decoded JSON, walked without recursion; a field is named by
    its label when `labels` has one (「姓名」), by its path otherwise (「record.name」)."""
    labels = labels or {}
    problems: list[dict[str, Any]] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack and len(problems) < MAX_REPORTED:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                name = labels.get(path, path) or "请求体"
                problems.append({"field": path or None, "message": f"「{name}」{problem}"})
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            problems.append({"field": path or None, "message": f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）"})
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem:
                    problems.append({"field": path or None, "message": f"字段名 {key!r} {problem}"})
                    continue
                stack.append((item, _path(path, key), depth + 1))
        else:
            stack.extend((item, _path(path, i), depth + 1) for i, item in enumerate(value))
    return problems


def read_json(request: HttpRequest, labels: Mapping[str, str] | None = None) -> tuple[Any, list[dict[str, Any]]]:
    """(the decoded body, []) or (None, problems as `ErrorsOut` items; `labels` as in `json_problems`)."""
    try:
        data = json.loads(request.body or b"")
    except RecursionError:
        return None, [{"field": None, "message": f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）"}]
    except (ValueError, UnicodeDecodeError):
        return None, [{"field": None, "message": NOT_JSON}]
    problems = json_problems(data, labels)
    return (None, problems) if problems else (data, [])


def query_problems(request: HttpRequest) -> list[dict[str, Any]]:
    """NUL in the path or in a query parameter (its name or a value), as `ErrorsOut` items."""
    problems = []
    if "\x00" in request.path:
        problems.append({"field": None, "message": "网址路径含有空字符（U+0000）"})
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            name = key.replace("\x00", "\\x00")
            problems.append({"field": name, "message": f"「{name}」含有空字符（U+0000）"})
    return problems

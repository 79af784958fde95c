"""Replays Okta's "SCIM 2.0 SPEC Test" (a Runscope export, JSON) against a SCIM server.

Each `request` step is sent as written: method, URL with `{{SCIMBaseURL}}` and the other
`{{variables}}` substituted, headers (with `{{auth}}`), body. Its assertions are evaluated
on the response, and its `variables` are extracted from the response JSON for later steps.
`pause` steps are skipped. The variables that Okta's initial script sets are generated as
that script does (see `okta_variables`).

Runscope's comparisons, as evaluated here:

- `equal_number`: the source, read as a number, equals the value.
- `equal`: the source, as text (JSON `true` is `"true"`, numbers in decimal), equals the value.
- `not_empty`: the source exists and is not null, `""`, `[]` or `{}`.
- `has_value` / `contains`: the source array holds the value, or the source text contains it.
- `is_a_number`: the source is a JSON number.
- `is_less_than`: the source is a number below the value.

Sources: `response_status`, `response_time` (milliseconds), `response_json` with a `property`
path such as `Resources[0].name.familyName`.

The suite's one script (on "Verify Groups endpoint") is evaluated by `groups_script`: the body
must parse as JSON, and when `totalResults` is at least 1, `Resources` must be an array.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote, urlsplit

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
PROPERTY_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
REQUEST_TIMEOUT_S = 30.0

#: The text of the suite's only script, and what it checks.
GROUPS_SCRIPT_MARKER = 'assert("nogroups", "No Groups found in the endpoint")'


class ReplayError(Exception):
    """The suite file is not what this replayer understands."""


class UnsetVariable(ReplayError):
    """A step uses a variable that no earlier step set."""


def okta_variables(rng: random.Random) -> dict[str, str]:
    """The variables of Okta's `Initial_Script_Spec.txt`: a random given name `Runscope###`,
    a random capitalised family name with three digits, the email/userName made of both at
    atko.com, its upper-cased form, a user that does not exist and an id that does not exist."""
    given = f"Runscope{rng.randrange(100, 1000)}"
    family = rng.choice(string.ascii_uppercase) + "".join(
        rng.choice(string.ascii_lowercase) for _ in range(7)
    ) + str(rng.randrange(100, 1000))
    email = f"{given}{family}@atko.com"
    return {
        "randomGivenName": given,
        "randomFamilyName": family,
        "randomEmail": email,
        "randomUsername": email,
        "randomUsernameCaps": email.upper(),
        "InvalidUserEmail": "abcdefgh@atko.com",
        "UserIdThatDoesNotExist": "010101001010101011001010101011",
    }


def substitute(text: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UnsetVariable(f"variable {{{{{name}}}}} is not set")
        return variables[name]

    return VARIABLE.sub(one, text)


def encode_url(url: str) -> str:
    """Percent-encodes the query of a Runscope URL the way a client sends it (spaces, quotes,
    `@` and the like), leaving `&` and `=` separators alone."""
    parts = urlsplit(url)
    query = "&".join(
        "=".join(quote(piece, safe="") for piece in pair.split("=", 1))
        for pair in parts.query.split("&")
        if pair
    )
    path = quote(parts.path, safe="/")
    return path + (f"?{query}" if query else "")


_MISSING = object()


def json_property(document: Any, path: str) -> Any:
    """`Resources[0].name.familyName` in `document`; `_MISSING` when absent."""
    current = document
    for name, index in PROPERTY_TOKEN.findall(path):
        if name:
            if not isinstance(current, dict) or name not in current:
                return _MISSING
            current = current[name]
        else:
            if not isinstance(current, list) or int(index) >= len(current):
                return _MISSING
            current = current[int(index)]
    return current


def as_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def as_number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def evaluate(comparison: str, actual: Any, expected: Optional[str]) -> Optional[str]:
    """None when the assertion holds, else why it does not."""
    if actual is _MISSING:
        return "the property is missing"
    if comparison == "equal_number":
        a, e = as_number(actual), as_number(expected)
        return None if a is not None and a == e else f"{actual!r} is not the number {expected}"
    if comparison == "equal":
        return None if as_text(actual) == expected else f"{as_text(actual)!r} != {expected!r}"
    if comparison == "not_empty":
        return None if actual not in (None, "", [], {}) else f"{actual!r} is empty"
    if comparison in ("has_value", "contains"):
        if isinstance(actual, list):
            return None if expected in actual else f"{expected!r} not in {actual!r}"
        return None if expected is not None and expected in as_text(actual) else f"{expected!r} not in {actual!r}"
    if comparison == "is_a_number":
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        return None if ok else f"{actual!r} is not a number"
    if comparison == "is_less_than":
        a, e = as_number(actual), as_number(expected)
        return None if a is not None and e is not None and a < e else f"{actual!r} is not below {expected}"
    raise ReplayError(f"comparison {comparison!r} is not supported")


def groups_script(body: Any) -> Optional[str]:
    if body is _MISSING:
        return "the response is not JSON"
    total = body.get("totalResults") if isinstance(body, dict) else None
    if isinstance(total, int) and total >= 1 and not isinstance(body.get("Resources"), list):
        return "Resources is not an array"
    return None


@dataclass
class StepResult:
    """One request step as replayed."""

    note: str
    method: str
    url: str
    status: int
    elapsed_ms: float
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL " + "; ".join(self.failures)
        return f"{verdict}: {self.note.strip()} ({self.method} {self.url} -> {self.status})"


Send = Callable[[str, str, dict[str, str], Optional[bytes]], tuple[int, bytes]]


def http_sender(address: str, port: int, host: Optional[str]) -> Send:
    """Sends each request on a fresh connection to `address:port` (Host header `host`)."""

    def send(method: str, target: str, headers: dict[str, str], body: Optional[bytes]) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(address, port, timeout=REQUEST_TIMEOUT_S)
        try:
            sent = dict(headers)
            if host is not None:
                sent["Host"] = host
            conn.request(method, target, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    return send


def load_suite(path: Path) -> dict[str, Any]:
    suite = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(suite.get("steps"), list):
        raise ReplayError(f"{path} has no steps")
    return suite


def run_suite(
    suite: dict[str, Any],
    send: Send,
    base_path: str,
    auth: str,
    variables: dict[str, str],
    skip_notes: tuple[str, ...] = (),
) -> list[StepResult]:
    """Replays every request step (pauses skipped) and returns each step's result. `base_path`
    is what `{{SCIMBaseURL}}` becomes (a path: the sender connects to the server itself)."""
    values = dict(variables, SCIMBaseURL=base_path, auth=auth)
    results = []
    for step in suite["steps"]:
        kind = step.get("step_type")
        if kind == "pause" or step.get("skipped"):
            continue
        if kind != "request":
            raise ReplayError(f"step type {kind!r} is not supported")
        note = step.get("note", "")
        if note.strip() in skip_notes:
            continue
        if step.get("before_scripts") or step.get("multipart_form") or step.get("auth"):
            raise ReplayError(f"step {note!r} uses a feature this replayer does not implement")
        method = step["method"]
        try:
            url = encode_url(substitute(step["url"], values))
            headers = {
                name: substitute(", ".join(vals), values) for name, vals in step.get("headers", {}).items()
            }
            body = step.get("body")
            data = substitute(body, values).encode() if body else None
        except UnsetVariable as unset:
            # An earlier step did not yield the variable: this step fails without being sent.
            results.append(StepResult(note, method, step["url"], 0, 0.0, [str(unset)]))
            continue
        started = time.monotonic()
        status, raw = send(method, url, headers, data)
        elapsed_ms = (time.monotonic() - started) * 1000
        try:
            document: Any = json.loads(raw) if raw else _MISSING
        except ValueError:
            document = _MISSING
        result = StepResult(note, method, url, status, elapsed_ms)
        for assertion in step.get("assertions", []):
            source = assertion["source"]
            expected = assertion.get("value")
            if expected is not None:
                expected = substitute(expected, values)
            if source == "response_status":
                actual: Any = status
            elif source == "response_time":
                actual = elapsed_ms
            elif source == "response_json":
                actual = _MISSING if document is _MISSING else json_property(document, assertion["property"])
            else:
                raise ReplayError(f"assertion source {source!r} is not supported")
            why = evaluate(assertion["comparison"], actual, expected)
            if why is not None:
                where = assertion.get("property") or source
                result.failures.append(f"{assertion['comparison']} {where}: {why}")
        for script in step.get("scripts", []):
            if not script.strip():
                continue
            if GROUPS_SCRIPT_MARKER not in script:
                raise ReplayError(f"step {note!r} has a script this replayer does not know")
            why = groups_script(document)
            if why is not None:
                result.failures.append(f"script: {why}")
        for variable in step.get("variables", []):
            if variable.get("source") != "response_json":
                raise ReplayError(f"variable source {variable.get('source')!r} is not supported")
            value = _MISSING if document is _MISSING else json_property(document, variable["property"])
            if value is _MISSING:
                result.failures.append(f"variable {variable['name']}: {variable['property']} is missing")
            else:
                values[variable["name"]] = as_text(value)
        results.append(result)
    return results


def main() -> int:
    """`python -m scim_replay.okta_spec SUITE.json http://127.0.0.1:PORT/okta/scim TOKEN [HOST]`"""
    import sys

    if len(sys.argv) not in (4, 5):
        print(main.__doc__, file=sys.stderr)
        return 2
    suite_path, base_url, token = sys.argv[1:4]
    host = sys.argv[4] if len(sys.argv) == 5 else None
    url = urlsplit(base_url)
    if url.hostname is None or url.port is None:
        print("the base URL needs a host and a port", file=sys.stderr)
        return 2
    results = run_suite(
        load_suite(Path(suite_path)),
        http_sender(url.hostname, url.port, host),
        url.path.rstrip("/"),
        f"Bearer {token}",
        okta_variables(random.Random()),
    )
    for result in results:
        print(result)
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

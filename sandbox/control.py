"""/__sandbox__/: a small HTML page and JSON endpoints to inspect and inject faults."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.editing import edit_record
from sandbox.faults import KINDS
from sandbox.http import ApiError, json_response

if TYPE_CHECKING:
    from sandbox.app import SandboxApp

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sandbox CRM · control</title><style>
body{{font:14px/1.5 system-ui,sans-serif;max-width:820px;margin:32px auto;color:#1f2933}}
table{{border-collapse:collapse;width:100%}} td,th{{border-bottom:1px solid #e4e7eb;
padding:6px;text-align:left}} fieldset{{border:1px solid #cbd2d9;border-radius:8px;
margin:18px 0}} label{{display:inline-block;margin:4px 12px 4px 0}}
input,select{{padding:4px}} button{{padding:6px 14px}}</style></head><body>
<h1>Sandbox CRM control</h1>
<p>{records} records · API base <code>{base}/crm/v8</code> ·
accounts <code>{base}/oauth/v2</code></p>
<h2>Active faults</h2>
<table><tr><th>kind</th><th>method</th><th>path prefix</th><th>remaining</th><th>params</th></tr>
{rows}</table>
<form method="post" action="/__sandbox__/faults/clear"><button>Clear all faults</button></form>
<form method="post" action="/__sandbox__/faults"><fieldset><legend>Add a fault</legend>
<label>Kind <select name="kind">{kinds}</select></label>
<label>Method <input name="method" size="6" placeholder="any"></label>
<label>Path prefix <input name="path" placeholder="/crm/v8/Contacts"></label>
<label>Count <input name="count" size="4" value="1" title="empty: until cleared"></label>
<label>Seconds <input name="seconds" size="4"></label>
<label>Status <input name="status" size="4" placeholder="503"></label>
<label>Module <input name="module" size="10"></label>
<label>Record id(s) <input name="record_id" size="20" placeholder="id1,id2"></label>
<label>Field <input name="field" size="12"></label>
<label>Changes (edit_record) <textarea name="changes" rows="2" cols="30"
placeholder="Title = Head of Sales"></textarea></label>
<button>Add</button></fieldset></form>
<form method="post" action="/__sandbox__/actions"><fieldset>
<legend>Another user edits this record now</legend>{note}
<label>Module <input name="module" value="Contacts" size="10" required></label>
<label>Record id <input name="id" size="20" required></label>
<label>Fields that change, one <code>Field = value</code> a line (empty: only Modified_Time moves)
<textarea name="changes" rows="3" cols="50"
placeholder="Title = Head of Sales&#10;Phone = +1 555 0100"></textarea></label>
<input type="hidden" name="action" value="edit_record"><button>Edit as Morgan Lee</button>
</fieldset></form>
</body></html>"""
NUMERIC = {"count": int, "seconds": float, "status": int, "retry_after": int}
JSON_START = ("{", "[", '"')
JSON_WORDS = {"true": True, "false": False, "null": None}


def _params(raw: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in raw.items() if v not in ("", None)}
    for key, cast in NUMERIC.items():
        if key in params:
            params[key] = cast(params[key])
    if isinstance(params.get("changes"), str):
        params["changes"] = changes_parse(params["changes"])
    return params


def changes_parse(text: str) -> dict[str, Any]:
    """`Field = value` lines (from the control page) → {"Field": value}. Values are text, except
    JSON objects, arrays, quoted strings, true, false and null (`Account_Name = {"id": "1"}`)."""
    changes: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected “Field = value”, got {line.strip()!r}")
        value = value.strip()
        if value in JSON_WORDS:
            changes[name.strip()] = JSON_WORDS[value]
        elif value.startswith(JSON_START):
            changes[name.strip()] = json.loads(value)
        else:
            changes[name.strip()] = value
    return changes


def handle(app: SandboxApp, request: Request) -> Response:
    path = request.path.rstrip("/")
    if path in {"", "/__sandbox__"} and request.method == "GET":
        return _page(app)
    if path == "/__sandbox__/faults" and request.method == "GET":
        return json_response({"faults": app.faults.active()})
    if path == "/__sandbox__/faults/clear" or (
        path == "/__sandbox__/faults" and request.method == "DELETE"
    ):
        app.faults.clear()
        return redirect("/__sandbox__/") if request.form else json_response({"faults": []})
    if path == "/__sandbox__/faults" and request.method == "POST":
        return _add(app, request)
    if path == "/__sandbox__/counts" and request.method == "GET":
        updates = {f"{module}/{rid}": n for (module, rid), n in app.store.api_updates.items()}
        return json_response({"requests": dict(app.requests_served), "updates": updates})
    if path == "/__sandbox__/actions" and request.method == "POST":
        return _action(app, request)
    raise ApiError("INVALID_URL_PATTERN")


def _action(app: SandboxApp, request: Request) -> Response:
    """JSON from tests and scripts; the control page's form (Field = value lines) from people."""
    if request.is_json:
        body = request.get_json(silent=True) or {}
    else:
        body = request.form.to_dict()
        try:
            body["changes"] = changes_parse(body.get("changes", ""))
        except ValueError as error:
            return _page(app, note=str(error), status=400)
    if body.get("action") == "invalidate_tokens":
        app.tokens.revoke_all()
    elif body.get("action") == "edit_record":
        module, record_id = body.get("module", ""), str(body.get("id", "")).strip()
        try:
            edit_record(app.store, module, record_id, body.get("changes"))
        except KeyError:
            if request.is_json:
                raise
            return _page(app, note=f"There is no {module} record {record_id}.", status=404)
        if not request.is_json:
            changed = ", ".join(body["changes"]) or "only Modified_Time"
            return _page(app, note=f"Morgan Lee edited {module} {record_id}: {changed}.")
    else:
        raise ApiError("INVALID_DATA", {"api_name": "action"})
    return json_response({"status": "success"})


def _add(app: SandboxApp, request: Request) -> Response:
    if request.is_json:
        body = request.get_json(silent=True) or {}
        items = body.get("faults", [body]) if isinstance(body, dict) else body
    else:
        items = [request.form.to_dict()]
    try:
        for item in items:
            params = _params(dict(item))
            app.faults.set(params.pop("kind", ""), **params)
    except (TypeError, ValueError) as error:
        return json_response({"error": str(error)}, 400)
    if not request.is_json:
        return redirect("/__sandbox__/")
    return json_response({"faults": app.faults.active()})


def _page(app: SandboxApp, note: str = "", status: int = 200) -> Response:
    rows = (
        "".join(
            f"<tr><td>{f['kind']}</td><td>{f['method'] or 'any'}</td>"
            f"<td>{html.escape(f['path']) or '(all)'}</td>"
            f"<td>{'∞' if f['count'] is None else f['count']}</td>"
            f"<td>{html.escape(json.dumps({k: f[k] for k in ('seconds', 'status', 'module', 'record_id')}))}</td></tr>"  # noqa: E501
            for f in app.faults.active()
        )
        or '<tr><td colspan="5">No faults: the sandbox is healthy.</td></tr>'
    )
    kinds = "".join(f"<option>{k}</option>" for k in KINDS)
    page = PAGE.format(
        records=app.store.count(),
        base=html.escape(app.settings.base_url),
        rows=rows,
        kinds=kinds,
        note=f'<p role="status"><strong>{html.escape(note)}</strong></p>' if note else "",
    )
    return Response(page, status, content_type="text/html; charset=utf-8")

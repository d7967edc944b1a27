"""The accounts server: consent page, token endpoint and revoke (zoho-api.md §1)."""

from __future__ import annotations

import html
import urllib.parse

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.http import json_response
from sandbox.metadata import org
from sandbox.tokens import TokenError, Tokens

CONSENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox CRM · Authorize</title>
<style>
body{{font:15px/1.5 system-ui,sans-serif;background:#f4f6f8;color:#1f2933;margin:0}}
main{{max-width:440px;margin:8vh auto;background:#fff;border-radius:10px;padding:28px 32px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}}
h1{{font-size:20px;margin:0 0 4px}} .muted{{color:#616e7c;font-size:13px}}
ul{{padding-left:18px}} label{{display:block;margin:14px 0 6px;font-weight:600}}
select{{width:100%;padding:8px;border:1px solid #cbd2d9;border-radius:6px}}
.actions{{display:flex;gap:10px;margin-top:22px}}
button{{flex:1;padding:10px;border-radius:6px;border:1px solid #cbd2d9;background:#fff;
font-size:15px;cursor:pointer}} button.primary{{background:#2563eb;border-color:#2563eb;
color:#fff}}
</style></head><body><main>
<h1>Authorize {client}</h1>
<p class="muted">Sandbox CRM (a local Zoho CRM stand-in) · data centre: us</p>
<p>This application asks for:</p><ul>{scopes}</ul>
<form method="post" action="/oauth/v2/auth">
{hidden}
<label for="user">Act as sandbox user</label>
<select id="user" name="user_email">{users}</select>
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Accept</button>
</div></form></main></body></html>"""

KEPT_PARAMS = ("client_id", "redirect_uri", "scope", "state", "access_type", "response_type")


class Accounts:
    def __init__(self, tokens: Tokens, base_url: str) -> None:
        self.tokens, self.base_url = tokens, base_url

    def authorize(self, request: Request) -> Response:
        params = request.values
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not self._client_known(client_id):
            return Response("invalid_client: unknown client_id", status=400)
        if not redirect_uri:
            return Response("invalid_redirect_uri", status=400)
        if request.method == "GET":
            return self._consent_page(params)
        query: dict[str, str] = {}
        if params.get("state"):
            query["state"] = params["state"]
        if params.get("decision") != "approve":
            query["error"] = "access_denied"
            return redirect(self._append(redirect_uri, query))
        user = org.user_by_email(params.get("user_email", "")) or org.USERS[0]
        scopes = [s.strip() for s in params.get("scope", "").split(",") if s.strip()]
        code = self.tokens.mint_grant(
            client_id=client_id,
            scopes=scopes,
            user_id=user["id"],
            redirect_uri=redirect_uri,
            access_type=params.get("access_type", "online"),
        )
        query.update({"code": code, "location": "us", "accounts-server": self.base_url})
        return redirect(self._append(redirect_uri, query))

    def _consent_page(self, params: dict[str, str]) -> Response:
        hidden = "\n".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in KEPT_PARAMS
            if params.get(name)
        )
        scopes = "".join(
            f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split(",") if s
        )
        users = "".join(
            f'<option value="{html.escape(u["email"])}">{html.escape(org.full_name(u))}'
            f" — {html.escape(u['profile'])}</option>"
            for u in org.active_users()
        )
        page = CONSENT_PAGE.format(
            client=html.escape(params.get("client_id", "")),
            scopes=scopes,
            hidden=hidden,
            users=users,
        )
        return Response(page, content_type="text/html; charset=utf-8")

    def _client_known(self, client_id: str) -> bool:
        with self.tokens.store.read() as conn:
            return (
                conn.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone()
                is not None
            )

    @staticmethod
    def _append(url: str, query: dict[str, str]) -> str:
        joiner = "&" if urllib.parse.urlsplit(url).query else "?"
        return url + joiner + urllib.parse.urlencode(query)

    def token(self, request: Request) -> Response:
        # Zoho accepts the parameters as a form body or in the query string.
        params = request.values
        grant_type = params.get("grant_type", "")
        self.tokens.count(grant_type)
        client = (params.get("client_id", ""), params.get("client_secret", ""))
        try:
            if grant_type == "authorization_code":
                body = self.tokens.exchange_code(
                    client_id=client[0],
                    client_secret=client[1],
                    code=params.get("code", ""),
                    redirect_uri=params.get("redirect_uri"),
                )
            elif grant_type == "refresh_token":
                body = self.tokens.refresh(
                    client_id=client[0],
                    client_secret=client[1],
                    refresh_token=params.get("refresh_token", ""),
                )
            else:
                body = {"error": "unsupported_grant_type"}
        except TokenError as error:
            body = error.body
        # Zoho reports token errors with HTTP 200; clients must read the body.
        return json_response(body, 200)

    def revoke(self, request: Request) -> Response:
        if self.tokens.revoke(request.values.get("token", "")):
            return json_response({"status": "success"})
        return json_response({"error": "invalid_token", "status": "failure"}, 400)

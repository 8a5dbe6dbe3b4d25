"""What every console page shares: the template call, formatting helpers, redirects."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from watchword.services import render
from watchword.services.accounts import Principal
from watchword.services.search import snippet_parts
from watchword.web.templating import templates


def when(at: dt.datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def label(value: str | None) -> str:
    return (value or "").replace("_", " ")


def size(n: int) -> str:
    step = 1024.0
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < step or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= step
    return f"{n} B"


def plural(n: int, word: str, many: str = "") -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def qs(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in ("", None, False)})


# What the keyboard does on the queue and report pages (static/shortcuts.js reads the same keys).
SHORTCUTS = [
    ("j", "Next row in the queue"),
    ("k", "Previous row in the queue"),
    ("o or Enter", "Open the selected row"),
    ("x", "Select or clear the selected report for a bulk action"),
    ("a", "Assign to me (the selected row on the queue, this report or campaign on its page)"),
    ("v", "Verdict menu (report and campaign pages)"),
    ("/", "Search"),
    ("?", "Show or hide this list"),
    ("Esc", "Close this list"),
]


HELPERS = {
    "when": when,
    "label": label,
    "size": size,
    "qs": qs,
    "plural": plural,
    "safe": render.safe_text,
    "defang": render.defang,
    "snippet_parts": snippet_parts,
    "shortcuts": SHORTCUTS,
}


def page(
    request: Request, template: str, principal: Principal | None, status_code: int = 200, **context: Any
) -> Response:
    return templates.TemplateResponse(
        request,
        f"console/{template}",
        {
            "me": principal,
            "csrf": principal.csrf_token if principal else "",
            "h": HELPERS,
            "flash": flash(request),
            **context,
        },
        status_code=status_code,
    )


def see_other(url: str) -> RedirectResponse:
    # 303: after a POST the browser fetches the result page with GET, so a
    # reload never repeats the action.
    return RedirectResponse(url, status_code=303)


# Confirmations travel as a code in the redirect, never as free text: a link
# crafted by someone else must not be able to put words on a console page.
FLASH = {
    "verdict": "Verdict saved.",
    "note": "Note added.",
    "merged": "Campaigns merged.",
    "split": "Report split out into its own campaign.",
    "password": "Password changed.",
    "totp": "Two-factor sign-in is on.",
    "token": "Token revoked.",
    "message": "Message sent to the reporter.",
    "flagged": "Saved: the value is left out of every export.",
    "unflagged": "Flag removed: the value may be exported again.",
    "assigned": "Assignment saved.",
    "case_status": "Status saved.",
    "bulk": "Done for every selected report.",
    "bulk_skipped": (
        "Done, except for some reports: a report in a campaign takes its verdict there,"
        " and is split out before it joins another."
    ),
    "bulk_campaigns": "Done for every selected campaign.",
    "bulk_campaigns_skipped": "Done, except for campaigns that are gone or were merged into another.",
    "saved": "Search saved.",
    "unsaved": "Saved search deleted.",
    "totp_required": "Two-factor sign-in is required here: set it up to use the console.",
    "drafted": "Bulletin drafted from the campaign, with names and addresses removed. Check it before publishing.",
    "bulletin_saved": "Bulletin saved.",
    "bulletin_published": "Bulletin published.",
    "bulletin_withdrawn": "Bulletin withdrawn: it is no longer public.",
    "notifications_saved": "Notification settings saved.",
    "notification_test": "Test notification sent: check that it arrived.",
}


def flash_url(url: str, code: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode({'done': code})}"


def flash(request: Request) -> str:
    return FLASH.get(request.query_params.get("done", ""), "")

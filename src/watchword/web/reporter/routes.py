"""Reporter pages: server-rendered, no account, work without JavaScript and over Tor.

Screens: choose what happened (1) -> the guided form (2) -> receipt, guidance
and first assessment (3). Returning: receipt code + passphrase -> status,
outcome and messages.

Nothing here stores or logs the reporter's address: the rate limiter sees an
in-memory HMAC of it and forgets it on restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from watchword.analysis.language import detect_language
from watchword.analysis.pipeline import analyze_report
from watchword.analysis.scope import NEEDS_DETAIL_QUESTION
from watchword.domain import Analysis, Channel, IncomingReport
from watchword.errors import WatchwordError
from watchword.intake.files import looks_like_email
from watchword.intake.submit import IntakeError, TooLarge, submit
from watchword.runtime import Runtime
from watchword.security.ratelimit import Limiter, Limits
from watchword.services import detail, followup, receipts
from watchword.services.guidance import OUT_OF_SCOPE_ELSEWHERE, TYPE_NAMES, FirstLook, first_look
from watchword.translation import N_, gettext_for, refusal_in, supported
from watchword.web.deps import runtime
from watchword.web.errors import FORM_TOO_LONG
from watchword.web.reporter import challenge
from watchword.web.reporter.forms import FORMS, ORDER, GuidedForm, approach_for, read_answers, too_long_answers
from watchword.web.templating import LANGUAGE_COOKIE, choose_language, environment_for

log = logging.getLogger("watchword.reporter")
router = APIRouter(tags=["reporter pages"], include_in_schema=False)

SESSION_COOKIE = "ww_receipts"
MAX_FILES = 6
MAX_CONTACT_CHARS = 500
EMAIL_SUFFIXES = (".eml", ".msg")


# -- per-application state: keys and limits --------------------------------------------


@dataclass
class ReporterState:
    limits: Limits
    pow_key: bytes
    receipt_key: bytes
    session_key: bytes


_STATE_LOCK = threading.Lock()


def state(request: Request) -> ReporterState:
    app_state = request.app.state
    found: ReporterState | None = getattr(app_state, "reporter", None)
    if found is not None:
        return found
    # Built on first use (the app factory is not ours to change), and only once: two sets of buckets
    # side by side would each let through a full allowance.
    with _STATE_LOCK:
        built_meanwhile: ReporterState | None = getattr(app_state, "reporter", None)
        if built_meanwhile is not None:
            return built_meanwhile
        rt: Runtime = app_state.rt
        secret = rt.contact_key
        found = ReporterState(
            limits=Limits.from_settings(rt.settings),
            pow_key=receipts.derive_key(secret, "form challenge"),
            receipt_key=receipts.derive_key(secret, "receipt code"),
            session_key=receipts.derive_key(secret, "reporter session"),
        )
        app_state.reporter = found
    return found


def client_key(request: Request, rt: Runtime, st: ReporterState) -> bytes:
    address = ""
    header = rt.settings.client_ip_header
    if header:
        # Only behind a reverse proxy that sets it: otherwise anyone could pick their own bucket.
        address = request.headers.get(header, "").split(",")[0].strip()
    if not address and request.client is not None:
        address = request.client.host
    return st.limits.namer(address or "unknown")


def _limit(request: Request, rt: Runtime, limiter: Limiter) -> float:
    st = state(request)
    return limiter.check(client_key(request, rt, st))


# -- rendering ---------------------------------------------------------------------------


def page_language(request: Request, stored: str | None = None) -> str:
    """The language this page is in: the switcher, its cookie, the one remembered with the report, the browser."""
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        stored,
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    language: str | None = None,
) -> HTMLResponse:
    asked = request.query_params.get("lang")
    language = language or page_language(request)
    env = environment_for(language)
    forward = request.app.state.rt.settings.published_forward_address
    html = env.get_template(name).render({"forward_address": forward, **context, "request": request})
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    # Forms carry a one-time challenge and receipts are shown once: never from a cache or the back button.
    response.headers["Cache-Control"] = "no-store"
    if asked == language:
        # Remembered for the next pages; only a language we have, so the cookie never carries input back.
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


def _busy(request: Request, wait: float) -> HTMLResponse:
    return render(
        request,
        "reporter_busy.html",
        {"wait": max(1, round(wait))},
        status.HTTP_429_TOO_MANY_REQUESTS,
        {"Retry-After": str(max(1, round(wait)))},
    )


def _form_page(
    request: Request,
    rt: Runtime,
    form: GuidedForm,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
    carried: challenge.Challenge | None = None,
    files_dropped: bool = False,
) -> HTMLResponse:
    """The form; sent back to the person (`carried`: the challenge they sent) it keeps its token,
    so the no-JavaScript wait counts from the first render and one form still gives one receipt,
    and it carries the resend mark: its next send is never refused for speed."""
    st = state(request)
    issued = carried or challenge.issue(st.pow_key, rt.settings.pow_difficulty_bits)
    resend = challenge.resend_mark(st.pow_key, carried.token) if carried is not None else ""
    return render(
        request,
        "report_form.html",
        {
            "form": form,
            "values": values or {},
            "error": error,
            "challenge": issued,
            "resend": resend,
            "files_dropped": files_dropped,
            "max_mb": rt.settings.max_upload_bytes // (1024 * 1024),
        },
        status_code,
    )


# -- pages ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    wait = _limit(request, rt, state(request).limits.pages)
    if wait:
        return _busy(request, wait)
    return render(request, "report_choose.html", {"forms": [FORMS[k] for k in ORDER]})


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> Response:
    return render(request, "about.html", {"type_names": TYPE_NAMES})


@router.get("/report/status", response_class=HTMLResponse)
def status_sign_in(request: Request) -> Response:
    return render(request, "status_sign_in.html", {"signed_in": bool(_session_ids(request))})


# -- returning with a receipt ----------------------------------------------------------------


def _session_ids(request: Request) -> tuple[int, ...]:
    found = receipts.read_session(state(request).session_key, request.cookies.get(SESSION_COOKIE))
    return found.receipt_ids if found else ()


def _with_session(request: Request, rt: Runtime, response: Response, ids: list[int] | tuple[int, ...]) -> Response:
    minutes = rt.settings.reporter_session_minutes
    response.set_cookie(
        SESSION_COOKIE,
        receipts.session_token(state(request).session_key, ids, minutes),
        max_age=minutes * 60,
        path="/report/status",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/report/status", response_class=HTMLResponse)
async def status_post(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    code: Annotated[str, Form(max_length=100)] = "",
    passphrase: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    st = state(request)
    wait = st.limits.status.check(client_key(request, rt, st))
    if wait:
        return _busy(request, wait)
    try:
        receipt_id = await run_in_threadpool(receipts.sign_in, rt.db, rt.settings, code, passphrase)
    except receipts.SignInRefused as exc:
        error = refusal_in(exc, page_language(request))
        return render(request, "status_sign_in.html", {"error": error, "code": code}, status.HTTP_401_UNAUTHORIZED)
    ids = [receipt_id, *(i for i in _session_ids(request) if i != receipt_id)]
    redirect = RedirectResponse("/report/status/view", status.HTTP_303_SEE_OTHER)
    return _with_session(request, rt, redirect, ids)


def _load_statuses(rt: Runtime, ids: tuple[int, ...], request: Request) -> tuple[list[followup.ReceiptStatus], str]:
    """The receipts' states, and the page's language: without a choice of the person's own, the
    one they reported in (a receipt checked from another device still reads in their language)."""
    with rt.db.session() as session:
        return followup.receipt_statuses(session, ids, lambda stored: page_language(request, stored))


@router.get("/report/status/view", response_class=HTMLResponse)
async def status_view(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    ids = _session_ids(request)
    if not ids:
        return RedirectResponse("/report/status", status.HTTP_303_SEE_OTHER)
    statuses, language = await run_in_threadpool(_load_statuses, rt, ids, request)
    return render(
        request,
        "status_view.html",
        {
            "statuses": statuses,
            "forms": FORMS,
            "gone": len(ids) - len(statuses),
            "sent": request.query_params.get("sent") == "1",
        },
        language=language,
    )


@router.post("/report/status/message", response_class=HTMLResponse)
async def status_message(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    receipt_id: Annotated[int, Form()],
    text: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    ids = _session_ids(request)
    if receipt_id not in ids:
        return RedirectResponse("/report/status", status.HTTP_303_SEE_OTHER)
    st = state(request)
    wait = st.limits.status.check(client_key(request, rt, st))
    if wait:
        return _busy(request, wait)

    def post() -> WatchwordError | None:
        try:
            with rt.db.write() as session:
                detail.message_from_reporter(session, receipt_id, text)
        except (followup.FollowupError, detail.DetailError) as exc:
            return exc
        return None

    problem = await run_in_threadpool(post)
    if problem is not None:
        statuses, language = await run_in_threadpool(_load_statuses, rt, ids, request)
        # Said in the language the page is in (the one remembered with the receipt, when no other).
        error = refusal_in(problem, language)
        return render(
            request,
            "status_view.html",
            {"statuses": statuses, "forms": FORMS, "gone": 0, "error": error, "draft": text},
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            language=language,
        )
    return RedirectResponse(f"/report/status/view?sent=1#receipt-{receipt_id}", status.HTTP_303_SEE_OTHER)


@router.post("/report/detail", response_class=HTMLResponse)
async def report_detail(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    token: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """The answer to "What did they do or ask you for?", added to the same report."""
    st = state(request)
    language = page_language(request)
    wait = st.limits.status.check(client_key(request, rt, st))
    if wait:
        return _busy(request, wait)

    def add() -> tuple[str, FirstLook | None]:
        try:
            report_id = detail.check_token(st.session_key, token)
            with rt.db.write() as session:
                report = detail.add_detail(session, report_id, text)
                words, answers, hint = report.text, dict(report.answers or {}), report.approach_hint
        except detail.DetailError as exc:
            return refusal_in(exc, language), None
        # The instant first look again, on the whole report now; the worker's analysis follows.
        incoming = IncomingReport(channel=Channel.WEB, text=words, approach_hint=hint, answers=answers)
        analysis = _instant_analysis(incoming)
        return "", first_look(answers.get("form", "other"), answers, analysis, language=language)

    problem, look = await run_in_threadpool(add)
    context: dict[str, Any] = {
        "look": look or FirstLook(steps=[]),
        "error": problem,
        "draft": text,
        "token": token,
        "question": NEEDS_DETAIL_QUESTION,
        "type_names": TYPE_NAMES,
        "elsewhere": OUT_OF_SCOPE_ELSEWHERE,
    }
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if problem else status.HTTP_200_OK
    return render(request, "report_detail.html", context, code)


@router.post("/report/status/leave")
def status_leave() -> Response:
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/report/status")
    return response


# -- the guided forms (registered last: /report/{form_key} would catch /report/status) ----


@router.get("/report/{form_key}", response_class=HTMLResponse)
def report_form(form_key: str, request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    form = FORMS.get(form_key)
    if form is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    wait = _limit(request, rt, state(request).limits.pages)
    if wait:
        return _busy(request, wait)
    return _form_page(request, rt, form)


@dataclass
class _Upload:
    filename: str
    content_type: str
    data: bytes


async def _read_files(items: list[Any]) -> list[_Upload]:
    uploads = []
    for item in items[:MAX_FILES]:
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read()
            if data:
                uploads.append(_Upload(item.filename[:255], (item.content_type or "")[:100], data))
    return uploads


def _is_email(upload: _Upload) -> bool:
    return upload.filename.lower().endswith(EMAIL_SUFFIXES) or (
        not upload.content_type.startswith("image/") and looks_like_email(upload.data)
    )


@router.post("/report/{form_key}", response_class=HTMLResponse)
async def post_report(form_key: str, request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    form = FORMS.get(form_key)
    if form is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    # The context manager closes uploaded files' temporary spools whatever happens below.
    async with request.form(max_files=MAX_FILES + 2, max_fields=60) as data:
        return await _handle_report(request, rt, form, data)


async def _handle_report(request: Request, rt: Runtime, form: GuidedForm, data: FormData) -> Response:
    st = state(request)
    settings = rt.settings
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    # Everything the person typed comes back on a refusal, the passphrase they chose included (the
    # page is never cached); only the challenge's own fields and the honeypot are not theirs.
    keep = {k: v for k, v in values.items() if k not in ("pow_token", "pow_solution", "pow_resend", "website")}
    # Files cannot be put back into a form by the server: the person is told to add them again.
    attached = any(isinstance(item, UploadFile) and item.filename for item in data.getlist("files"))

    def refuse(error: str, status_code: int, carried: challenge.Challenge | None) -> HTMLResponse:
        return _form_page(request, rt, form, keep, error, status_code, carried, files_dropped=attached)

    if values.get("website", "").strip():
        # The honeypot: people never see this field. Nothing is stored, but a person whose browser
        # filled it in by mistake only has to press Send again (content kept, honeypot cleared).
        carried = challenge.parse(st.pow_key, values.get("pow_token", ""))
        return refuse(N_("Please check your report and press Send again."), 422, carried)

    verdict, chal = challenge.check(
        st.pow_key,
        values.get("pow_token", ""),
        values.get("pow_solution", ""),
        settings.pow_difficulty_bits,
        settings.pow_max_age_seconds,
        settings.pow_nojs_min_age_seconds,
        resend=values.get("pow_resend", ""),
    )
    if verdict in (challenge.Check.INVALID, challenge.Check.EXPIRED) or chal is None:
        # A form of ours left open too long gets a new token, marked as sent back: no second refusal.
        renewed = (
            challenge.issue(st.pow_key, settings.pow_difficulty_bits) if verdict is challenge.Check.EXPIRED else None
        )
        return refuse(
            N_("This form had expired. Your text is still here: please press Send again."),
            422,
            renewed,
        )
    if verdict is challenge.Check.TOO_FRESH:
        return refuse(N_("Please check your report and press Send again."), 422, chal)
    code = receipts.code_for(st.receipt_key, chal.nonce)
    # A form already sent (a double click, or a bot replaying one solved form) costs one lookup and
    # no allowance: it must not use up the limit that people behind the same address share.
    if await run_in_threadpool(_already_made, rt, code):
        return _already_sent(request, form)
    limiter = st.limits.submit if verdict is challenge.Check.SOLVED else st.limits.submit_nojs
    wait = limiter.check(client_key(request, rt, st))
    if wait:
        page = refuse(
            # Translated here: the page's `_(error)` cannot look up a sentence with a number in it.
            gettext_for(page_language(request))(
                N_(
                    "Many reports are arriving right now. Yours has not been sent yet and nothing is lost: "
                    "please press Send again in %(seconds)s seconds."
                )
            )
            % {"seconds": max(1, round(wait))},
            429,
            chal,
        )
        page.headers["Retry-After"] = str(max(1, round(wait)))
        return page

    chosen = values.get("passphrase", "")
    if chosen.strip():
        problem = receipts.passphrase_problem(chosen, gettext_for(page_language(request)))
        if problem:
            return refuse(problem, 422, chal)
    generated = "" if chosen.strip() else receipts.passphrase_for(st.receipt_key, chal.nonce)

    if too_long_answers(form, values):
        return refuse(FORM_TOO_LONG, 422, chal)
    uploads = await _read_files(data.getlist("files"))
    answers = read_answers(form, values)
    reader = page_language(request)
    # The form is context the reading uses ("in person" starts from a conversation); kept with the
    # answers so that the worker's analysis, and any later one, reads the report the same way.
    answers["form"] = form.key
    emails = [u for u in uploads if _is_email(u)]
    others = [u for u in uploads if u not in emails[:1]]
    if others:
        # Named in the answers so that the analyst sees them and a different screenshot is a different report.
        answers["files"] = "; ".join(f"{u.filename} ({len(u.data) // 1024 + 1} kB)" for u in others)[:500]
    incoming = IncomingReport(
        channel=Channel.WEB,
        text=values.get("text", ""),
        raw_email=emails[0].data if emails else None,
        approach_hint=approach_for(form, answers) or None,
        answers=answers,
        contact=values.get("contact", "").strip()[:MAX_CONTACT_CHARS] or None,
        source_name=emails[0].filename if emails else None,
        # The language of their words, for the console to lay them out by: a guess from the text,
        # else the page's. Their receipt keeps the page's (what they read) for the status and outcome.
        language=supported(detect_language(values.get("text", ""))) or reader,
    )
    try:
        result = await run_in_threadpool(
            _store, rt, form, incoming, others, code, chosen or generated, not chosen.strip(), reader
        )
    except TooLarge as exc:
        return refuse(refusal_in(exc, reader), status.HTTP_413_CONTENT_TOO_LARGE, chal)
    except IntakeError as exc:
        return refuse(refusal_in(exc, reader), status.HTTP_422_UNPROCESSABLE_CONTENT, chal)
    except IntegrityError:
        # The same form sent twice at the same moment: the other request made the receipt.
        if not await run_in_threadpool(_already_made, rt, code):
            raise
        return _already_sent(request, form)
    look, sightings, report_id = result
    return render(
        request,
        "report_thanks.html",
        {
            "form": form,
            "code": receipts.group(code),
            "passphrase": generated,
            "look": look,
            "sightings": sightings,
            "elsewhere": OUT_OF_SCOPE_ELSEWHERE,
            "type_names": TYPE_NAMES,
            # Only the first sender of a report may add to it: a repeat adds to someone else's words.
            "detail_token": detail.detail_token(st.session_key, report_id)
            if look.needs_detail and sightings <= 1
            else "",
            "question": NEEDS_DETAIL_QUESTION,
        },
        status.HTTP_201_CREATED,
    )


def _already_made(rt: Runtime, code: str) -> bool:
    with rt.db.session() as session:
        return receipts.exists(session, code)


def _already_sent(request: Request, form: GuidedForm) -> Response:
    """The answer to a form sent again: it was stored once, and its receipt is not shown again.

    A receipt (code and made-up passphrase) is shown once, on the answer to the first send.
    Showing it to whoever resends the same form body (the back button and "resend" on a
    shared computer, a replayed request) would hand the way into the report to them.
    """
    return render(
        request,
        "report_thanks.html",
        {
            "form": form,
            "code": "",
            "passphrase": "",
            "look": FirstLook(steps=[]),
            "sightings": 0,
            "already_sent": True,
            "elsewhere": OUT_OF_SCOPE_ELSEWHERE,
            "type_names": TYPE_NAMES,
        },
    )


def _instant_analysis(incoming: IncomingReport) -> Analysis | None:
    try:
        return analyze_report(incoming.text, incoming.raw_email, incoming.approach_hint or "", incoming.answers)
    except Exception:
        log.exception("instant analysis failed")
        return None


def _store(
    rt: Runtime,
    form: GuidedForm,
    incoming: IncomingReport,
    files: list[_Upload],
    code: str,
    passphrase: str,
    generated: bool,
    reader: str,
) -> tuple[FirstLook, int, int]:
    """The report, its files and its receipt in one transaction (submit's `also`): the receipt
    is shown only once all of it is durable, and a failure leaves none of it."""
    analysis = _instant_analysis(incoming)
    passphrase_hash = receipts.hash_passphrase(rt.settings, passphrase)
    stored = [(u, rt.blobs.put(u.data)) for u in files]  # fsynced before any row points at them
    restricted = analysis.scope_reason if analysis is not None and analysis.scope == "out_of_scope" else None

    rows = receipts.web_report_rows(
        code,
        passphrase_hash,
        form.key,
        generated=generated,
        language=reader,
        files=[receipts.SentFile(sha, len(u.data), u.filename, u.content_type) for u, sha in stored],
        restricted=restricted,
    )
    result = submit(rt, incoming, also=[rows])
    look = first_look(form.key, incoming.answers, analysis, language=reader)
    return look, result.sightings, result.report_id

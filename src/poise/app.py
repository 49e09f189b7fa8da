"""The application factory: ``create_app(settings)`` builds a configured FastAPI app.

No import-time side effects: tests build as many differently configured apps as they need.
The lifespan opens the engine once; every route gets sessions from it.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, request_response

from poise import __version__
from poise.assist import panel as assist
from poise.auth import routes as auth_routes
from poise.auth.deps import LoginRequired, current_user, session_user
from poise.background import collect_praise, make_jobs
from poise.connectors import routes as connector_routes
from poise.connectors.alerts import routes as alert_routes
from poise.connectors.alerts.service import AlertService
from poise.connectors.alerts.targets import system_resolver
from poise.connectors.client import Seam
from poise.connectors.helpdesks import HELPDESKS
from poise.connectors.schedule import start_sync_schedule
from poise.conversations import api as conversation_api
from poise.conversations import routes as conversation_routes
from poise.conversations.feeling import feeling_word, readable_evidence
from poise.db import make_engine, make_sessionmaker
from poise.db.meta import DEMO_FLAG, get_fact
from poise.errors import Gone, InvalidFields, InvalidInput, NotFound, PermissionDenied, PoiseError
from poise.faults import log_failure
from poise.hooks import Hooks
from poise.insights import api as insights_api
from poise.insights import routes as insights_routes
from poise.insights.exposure import RollupWeeks
from poise.job_pages import routes as job_pages
from poise.jsonbounds import MAX_JSON_DEPTH
from poise.knowledge import api as knowledge_api
from poise.knowledge import routes as knowledge_routes
from poise.knowledge.search import load_index
from poise.mail import Mailer
from poise.minilm.encoder import get_encoder, get_intent_encoder
from poise.model_cards import routes as model_cards
from poise.morale import api as morale_api
from poise.morale import routes as morale_routes
from poise.scheduler import start_local_periodic
from poise.settings import Settings
from poise.signals import get_scorer
from poise.training import api as training_api
from poise.training import queries as training_queries
from poise.training import routes as training_routes
from poise.training.drills import api as drill_api
from poise.training.drills import routes as drill_routes
from poise.training.reflections import api as reflection_api
from poise.training.reflections import routes as reflection_routes
from poise.training.reminders import remind_daily
from poise.web import pages
from poise.web.admission import Admission
from poise.web.apidocs import install_api_docs
from poise.web.bodies import BodyCap
from poise.web.charts import bar_chart, sparkline
from poise.web.csrf import csrf_token
from poise.web.deps import render
from poise.web.faults import install_fault_handlers
from poise.web.headers import SecurityHeaders
from poise.web.health import database_health, disk_health
from poise.web.inputs import CHECKED_BODY_BYTES, is_json_body, refuse_control_characters
from poise.web.nav import visible_nav
from poise.web.openapi import document_errors
from poise.web.readers import Readers
from poise.web.staticfiles import SafeStaticFiles
from poise.web.weeks import week_label
from poise.words import counted, grouped

PACKAGE = Path(__file__).parent
OPENAPI_URL = "/api/v1/openapi.json"
# How long a stopping server waits for its warming threads before it closes the pool: their
# reads take a second or two; AutoQA's labelling after them can take longer but holds no
# connection, so past this the server stops anyway (and says so).
READERS_GRACE_SECONDS = 10.0
TEMPLATE_DIRS = [
    PACKAGE / "web" / "templates",
    PACKAGE / "auth" / "templates",
    PACKAGE / "conversations" / "templates",
    PACKAGE / "assist" / "templates",
    PACKAGE / "model_cards" / "templates",
    PACKAGE / "job_pages" / "templates",
    PACKAGE / "knowledge" / "templates",
    PACKAGE / "morale" / "templates",
    PACKAGE / "training" / "templates",
    PACKAGE / "insights" / "templates",
    PACKAGE / "connectors" / "templates",
    PACKAGE / "connectors" / "alerts" / "templates",
]

if TYPE_CHECKING:
    from poise.auth.models import User
    from poise.conversations.models import Message
    from poise.jobs.broker import BrokerHealth


def _format_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def make_templates() -> Jinja2Templates:
    """One Jinja environment over every area's ``templates/<area>/`` folder."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        csrf_token=csrf_token,
        visible_nav=visible_nav,
        version=__version__,
        sparkline=sparkline,
        bar_chart=bar_chart,
        nav_badges=_nav_badges,
        feeling_word=feeling_word,
        readable_evidence=readable_evidence,
    )
    env.filters["dt"] = _format_dt
    env.filters["zip"] = lambda left, right: list(zip(left, right, strict=False))
    env.filters["counted"] = counted
    env.filters["grouped"] = grouped
    env.filters["week_label"] = week_label
    return Jinja2Templates(env=env)


@functools.cache
def shared_templates() -> Jinja2Templates:
    """The one template environment of this process: it depends on no setting, and Jinja
    compiles each template once per environment, so every app of the process (the tests build
    hundreds) shares the compiled templates instead of compiling them again."""
    return make_templates()


@functools.cache
def _area_routes() -> tuple[BaseRoute, ...]:
    """Every area's routes under the app-wide input check, analysed once per process.

    FastAPI analyses each endpoint's signature and dependencies again for every app that
    includes a router (most of the cost of building an app). No route depends on the settings,
    so each app of the process takes its copies of this one analysed set (see ``_bound``).
    """
    shared = APIRouter(dependencies=[Depends(refuse_control_characters)])
    for router in (
        pages.build_router(current_user),
        auth_routes.router,
        auth_routes.api,
        conversation_routes.router,
        model_cards.router,
        job_pages.router,
        conversation_api.router,
        assist.api,
        assist.pages,
        insights_routes.router,  # before the manual's /manual/{article_id}: it serves /manual/fcr
        knowledge_routes.router,
        knowledge_api.router,
        morale_routes.router,
        morale_routes.public,
        morale_api.router,
        training_routes.router,
        training_api.router,
        drill_routes.router,
        drill_api.router,
        reflection_routes.router,
        reflection_api.router,
        insights_api.router,
        connector_routes.router,
        connector_routes.api,
        alert_routes.router,
    ):
        shared.include_router(router)
    return tuple(shared.routes)


def _bound(route: BaseRoute, app: FastAPI) -> BaseRoute:
    """An analysed route bound to ``app``, as ``app.include_router`` would make it: it reads
    that app's dependency overrides (the handler is rebuilt; the analysis is shared)."""
    if not isinstance(route, APIRoute):
        return route
    bound = copy.copy(route)
    bound.dependency_overrides_provider = app
    bound.app = request_response(bound.get_route_handler())
    return bound


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _error(
    request: Request, status: int, message: str, fields: dict[str, str] | None = None
) -> Response:
    """A refusal: JSON for a script (``fields`` names each refused field with its own
    message, so it need not parse ``detail``), else the error page."""
    if _wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if fields:
            body["fields"] = utf8_safe(fields)
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status)


def _refused_fields(exc: Exception) -> dict[str, str] | None:
    """Each field an ``InvalidInput`` names, with its message (several for ``InvalidFields``)."""
    if isinstance(exc, InvalidFields):
        return exc.problems
    if isinstance(exc, InvalidInput) and exc.field:
        return {exc.field: str(exc)}
    return None


def utf8_safe(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by "?", keys and nested values alike.

    A refusal echoes the input it refused; JSON text may spell a lone surrogate
    (``"\\ud800"``) that UTF-8 cannot carry, so echoing it as it came made the refusal itself
    fail with a 500 instead of a 422 naming the field."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [utf8_safe(item) for item in value]
    if isinstance(value, dict):
        return {utf8_safe(key): utf8_safe(item) for key, item in value.items()}
    return value


ECHOED_CHARS = 200


def short_echo(value: Any) -> Any:
    """``value`` with every string over ``ECHOED_CHARS`` cut, saying so with "…": a refusal
    echoes the input it refused, and a 100,000-character text over a field's limit came back
    whole in the 422, the caller's own paste sent back at them."""
    if isinstance(value, str):
        return value if len(value) <= ECHOED_CHARS else value[: ECHOED_CHARS - 1] + "…"
    if isinstance(value, list):
        return [short_echo(item) for item in value]
    if isinstance(value, dict):
        return {key: short_echo(item) for key, item in value.items()}
    return value


def _names_nothing(problems: list[dict[str, Any]]) -> str | None:
    """What a reader is told of an address whose path names no row, or None when the path fits.

    ``/conversations/99999999999999999999`` (or ``/0``, ``/-5``, ``/abc``) answered a 422
    quoting pydantic ("Input should be less than or equal to 2147483647"): no row has such an
    id, so it is a missing thing like any other, a 404 in the words a missing row gets
    ("no conversation with id 0"), on the not-found page or as the API's usual 404 body.
    """
    path = next((p for p in problems if p.get("loc", [None])[0] == "path"), None)
    if path is None:
        return None
    name, given = str(path["loc"][-1]), short_echo(str(path.get("input", "")))
    if name.endswith("_id"):
        return f"no {name.removesuffix('_id').replace('_', ' ')} with id {given}"
    return HTTP_MESSAGES[404]


def _install_error_handlers(app: FastAPI) -> None:
    statuses: dict[type[PoiseError], int] = {
        PermissionDenied: 403,
        Gone: 410,  # before NotFound, which it is a kind of
        NotFound: 404,
        InvalidInput: 400,
    }

    async def poise_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, LoginRequired):
            if _wants_json(request):
                return JSONResponse(
                    {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        status = next((s for cls, s in statuses.items() if isinstance(exc, cls)), 400)
        return _error(request, status, str(exc), _refused_fields(exc))

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = utf8_safe(jsonable_encoder(exc.errors()))
        missing = _names_nothing(problems)
        if missing:
            return _error(request, 404, missing)
        content_type = request.headers.get("content-type", "")
        for problem in problems:
            if "input" in problem:
                problem["input"] = short_echo(problem["input"])
            if problem.get("loc") == ["body"] and not is_json_body(content_type):
                problem["msg"] = _NOT_JSON.format(type=content_type.split(";")[0].strip())
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in problems]
        return _error(request, 422, "; ".join(parts))

    async def pool_exhausted(request: Request, exc: Exception) -> Response:
        logging.getLogger("poise").warning("no free database connection for %s", request.url.path)
        response = _error(request, 503, "Poise is busy right now: please try again in a moment.")
        response.headers["Retry-After"] = "2"
        return response

    app.add_exception_handler(PoiseError, poise_error)
    app.add_exception_handler(RequestValidationError, invalid_request)

    async def data_error(request: Request, exc: Exception) -> Response:
        # Last resort: a value the database refused that no edge check caught.
        logging.getLogger("poise").warning(
            "database refused a value on %s: %s", request.url.path, exc
        )
        return _error(request, 400, "A value could not be stored: please check what you sent.")

    app.add_exception_handler(PoolTimeoutError, pool_exhausted)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


# What a person is told for an address no route answers, or a method it does not take.
HTTP_MESSAGES = {
    404: "There is no page at this address. The menu above leads to every part of Poise.",
    405: "This address does not take that kind of request.",
}


_NOT_JSON = (
    "the body must be a JSON object sent with Content-Type: application/json (it came as "
    "{type}, so it was not read as JSON)"
)
"""A whole body refused because its type was not JSON (a script's forgotten header): said so,
instead of FastAPI's "Input should be a valid dictionary", which names neither."""

UNPARSED_BODY = "There was an error parsing the body"
"""FastAPI's refusal of a JSON body its parser raised on (not a ``JSONDecodeError``)."""
UNPARSED_BODY_SAID = (
    "the body could not be read as JSON: send it as UTF-8 text, nesting "
    f"arrays and objects at most {MAX_JSON_DEPTH} levels deep"
)


def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no route, wrong method) as a page for a browser, as JSON else.

    Without this a person who mistypes an address gets ``{"detail":"Not Found"}``; clients
    that do not ask for HTML (the API, webhooks, scripts) keep the JSON they get today. A
    plain ``def``: Starlette runs it on the thread pool, so reading who is signed in (the
    page keeps its menu) never blocks the event loop.
    """
    assert isinstance(exc, StarletteHTTPException)
    json_body = is_json_body(request.headers.get("content-type", ""))
    if exc.status_code == 400 and exc.detail == UNPARSED_BODY and json_body:
        # Bytes that are not UTF-8, or nesting past the parser's recursion, said only that.
        exc = StarletteHTTPException(400, UNPARSED_BODY_SAID, exc.headers)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if _wants_json(request) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    with request.app.state.sessionmaker() as session:
        request.state.session = session
        try:
            signed_in = "session" in request.scope
            request.state.user = session_user(request, session) if signed_in else None
            response = _error(request, exc.status_code, message)
        finally:
            request.state.session = None
    response.headers.update(headers)
    return response


def _start_reminders(settings: Settings, maker: sessionmaker[Session]) -> asyncio.Task[None] | None:
    """With SMTP configured, the server e-mails training reminders once a day."""
    mailer = Mailer.from_url(settings.smtp_url, settings.mail_from)
    if mailer is None:
        return None
    return asyncio.create_task(
        remind_daily(maker, mailer, base_url=settings.base_url, hour=settings.reminder_hour)
    )


def _warm_up(state: Any, settings: Settings) -> None:
    """Load the models and the manual's index on a thread of their own as the process starts.

    Each of ``poise serve --workers N``'s processes loaded them on first use, about two
    seconds of work that every request queued behind it in that process waited for: under 50
    clients the assist API's p99 was 1.8-1.9 s on a fresh server and 0.35-0.45 s on a warm
    one. ``/healthz`` says how far this process got (``models``). Tests build many
    short-lived apps and load what they use themselves.
    """
    state.models = "on first use"
    if settings.environment == "test":
        return
    state.models = "loading"
    state.readers.start(_load_models, state, name="poise-warm-up")


def _load_models(state: Any) -> None:
    try:
        get_scorer("negativity").score("Hello, my order has not arrived yet.")
        get_scorer("drift")
        get_encoder()  # reply feedback and explanatory style
        get_intent_encoder()  # the manual: search, gaps, mining, FCR
        with state.sessionmaker() as session:
            load_index(session)
        state.models = "ready"
    except Exception as exc:  # the first requests then load what they need, as before
        log_failure(logging.getLogger("poise"), "warming up the models failed", exc=exc)
        state.models = f"on first use (warming up failed: {type(exc).__name__})"
        return
    from poise.training import autoqa

    autoqa.warm_quietly(state.sessionmaker, None)  # the opted-in teams' first views


def _broker_health(settings: Settings) -> BrokerHealth | None:
    """With a broker, /healthz also reports it and the workers consuming Poise's queue."""
    if not settings.broker_url:
        return None
    from poise.jobs.broker import BrokerHealth

    return BrokerHealth(settings)


def _background_health(health: BrokerHealth | None) -> tuple[dict[str, Any], bool]:
    """The broker's part of /healthz, and whether background work can run."""
    if health is None:
        return {"broker": "none"}, True  # jobs run inside this process
    found = health.check()
    body = {"broker": found["broker"], "workers": f"{found['workers']} alive"}
    return body, found["broker"] == "ok" and found["workers"] > 0


def _nav_badges(request: Request) -> dict[str, int]:
    """Counts shown beside nav items: the in-app reminder of what is due in training."""
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    if user is None or session is None:
        return {}
    return {"/training": training_queries.due_count(session, actor=user)}


def _autoqa_on_replies(
    session: Session, reader: User, messages: Sequence[Message]
) -> dict[int, list[Any]]:
    """Training's AutoQA on the reader's own replies in a thread, for the conversation page,
    which shows it without importing training (imported on first use, as before)."""
    from poise.training.autoqa import verdicts_on_replies

    return dict(verdicts_on_replies(session, author=reader, messages=messages))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Poise web app for ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
        )
        # As many request threads as pooled connections: a thread never waits on a connection
        # that another request thread holds (background work has connections of its own).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        with app.state.sessionmaker() as session:
            app.state.demo_mode = get_fact(session, DEMO_FLAG) == "1"
        app.state.alerts = AlertService(
            settings, app.state.sessionmaker, resolve=app.state.alert_resolver
        )
        # Areas react to each other's events through hooks the face fills (see poise.hooks):
        # webhook routes and the background jobs of this process (connector syncs, scoring)
        # alike; the conversation page shows AutoQA on the reader's own replies through one,
        # and a lead's import learns the connectors' sources, which it may not take.
        app.state.hooks = Hooks(
            conversations_scored=[app.state.alerts.on_scored],
            scoring_finished=[collect_praise],
            feedback_on_replies=_autoqa_on_replies,
            connector_sources=HELPDESKS,
        )
        app.state.jobs = make_jobs(
            settings, app.state.sessionmaker, seam=app.state.connector_seam, hooks=app.state.hooks
        )
        app.state.jobs.resume_orphans()  # work left by a process that died
        app.state.broker_health = _broker_health(settings)
        reminders = _start_reminders(settings, app.state.sessionmaker)
        syncs = start_sync_schedule(app.state, settings)
        periodic = start_local_periodic(app.state, settings)
        app.state.readers = Readers()
        _warm_up(app.state, settings)
        yield
        for task in (reminders, syncs, *periodic):
            if task is not None:
                task.cancel()
        app.state.jobs.shutdown()
        if app.state.broker_health is not None:
            app.state.broker_health.close()
        app.state.alerts.shutdown()  # after the jobs, whose syncs may still raise alerts
        if not app.state.readers.join(READERS_GRACE_SECONDS):
            logging.getLogger("poise").warning("a warming thread still reads as the server stops")
        engine.dispose()

    app = FastAPI(
        title="Poise",
        version=__version__,
        description="Helps customer-support teams deal with negativity. JSON API: send "
        "`Authorization: Bearer TOKEN` (create one on Account → API tokens or with `poise tokens "
        "create --email E`; it works until it expires, after 30, 90 or 365 days or never; in its "
        "last 7 days every answer carries `Poise-Token-Expires: <ISO 8601 UTC time>`). "
        "Errors: a 422 lists every problem of a request that does not fit the schema "
        '(`{"detail": [{"loc", "msg", "type", …}]}`); every other refusal carries one message '
        '(`{"detail": "…"}`).',
        lifespan=lifespan,
        docs_url=None,  # served offline by poise.web.apidocs, under the strict policy
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.settings = settings
    app.state.templates = shared_templates()
    app.state.connector_seam = Seam()  # outbound HTTP to helpdesks; tests replay through it
    app.state.alert_resolver = system_resolver  # alert hosts' DNS; tests answer without network
    app.state.kept_weeks = RollupWeeks()  # morale's team balance reads the insights rollup's
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="poise_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    # Outermost: a request waits for admission before it takes a thread or a connection.
    app.add_middleware(
        Admission, limit=settings.db_pool_size, wait_seconds=settings.request_queue_seconds
    )
    app.add_middleware(BodyCap, limit=CHECKED_BODY_BYTES)  # refused before admission's wait
    app.add_middleware(SecurityHeaders)  # outermost: busy answers get the headers too (and a
    # token's coming expiry, Poise-Token-Expires, when the token check asked for it)
    install_api_docs(app, OPENAPI_URL)
    app.mount("/static", SafeStaticFiles(directory=PACKAGE / "web" / "static"), name="static")
    _install_error_handlers(app)
    install_fault_handlers(app, _error)
    app.router.routes.extend(_bound(route, app) for route in _area_routes())

    @app.get("/healthz", tags=["health"], summary="Health: database, models and workers")
    def healthz(request: Request) -> JSONResponse:
        """Liveness, whether the database answers and accepts writes, disk room (no write),
        and with a broker whether it answers and how many workers consume Poise's queue.
        ``models``: whether this process has loaded its models yet (``loading``, ``ready``).

        503 when this process cannot serve (database, disk); a broker down or no worker is
        ``degraded`` with 200: pages still work, background work waits.
        """
        database = database_health(request.app.state.engine)
        disk = disk_health(settings.data_dir)
        ok = database == "ok" and disk == "ok"
        broker, working = _background_health(request.app.state.broker_health)
        body = {
            "status": "ok" if ok and working else "degraded",
            "database": database,
            "disk": disk,
            **broker,
            "models": getattr(request.app.state, "models", "on first use"),
            "version": __version__,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        """Browsers ask for /favicon.ico on pages with no ``<link rel=icon>`` (the JSON API,
        health): send them to the icon the pages name instead of a 404 in every log."""
        return RedirectResponse("/static/poise.svg", status_code=301)

    document_errors(app)
    return app

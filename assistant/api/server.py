"""Serving: ``run(settings, host=, port=, ui=)`` for ``assistant serve``/``chat``, and :class:`BackgroundServer`.

``run`` builds :class:`Services` once (store, embedder, LLM), creates the app and, when ``ui`` is set, mounts
the Gradio UI from ``assistant.ui.build_ui(services)`` at ``/`` (the API keeps ``/v1``, ``/healthz``...). A
missing or incomplete UI module is a :class:`ConfigError` naming the way out (``--no-ui``), never a traceback.
Then uvicorn serves in the foreground until interrupted. :class:`BackgroundServer` runs uvicorn in a thread on
loopback for tests, benchmarks and notebooks (``with BackgroundServer(app) as url: ...``). Limits: one worker
process (the services hold a model and an embedded store that must not be shared across processes).
"""

from __future__ import annotations

import importlib
import logging
import socket
import threading
import time
from typing import Literal

from assistant.errors import AssistantError, ConfigError
from assistant.settings import Settings

log = logging.getLogger(__name__)


def mount_ui(app, services):
    try:
        ui_module = importlib.import_module("assistant.ui")
    except ImportError as e:
        raise ConfigError(
            f"the web UI is not available ({e}); start the API alone with `assistant serve --no-ui`"
        ) from e
    build_ui = getattr(ui_module, "build_ui", None)
    if build_ui is None:
        raise ConfigError("assistant.ui has no build_ui(services); start the API alone with `assistant serve --no-ui`")
    import gradio

    from assistant.api.auth import UIAuthMiddleware

    keys = [k.get_secret_value() for k in services.settings.api_keys]
    if keys:  # the UI's own routes (/gradio_api/*) would otherwise read and delete articles without a key
        app.add_middleware(UIAuthMiddleware, keys=keys)
    return gradio.mount_gradio_app(app, build_ui(services), path="/")


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def exposure_warning(settings: Settings, host: str, *, ui: bool) -> str | None:
    """A warning when the server would listen beyond loopback with no API key set (anyone who reaches the port
    could then read, add and delete articles through the UI and the API); None otherwise."""
    if host in LOOPBACK or host.startswith("127.") or settings.api_keys:
        return None
    what = "the UI and the API" if ui else "the API"
    return (
        f"WARNING: listening on {host} with no ASSISTANT_API_KEYS: anyone who can reach this port can read, "
        f"add and delete articles through {what}. Set ASSISTANT_API_KEYS (and ASSISTANT_API_READ_AUTH=true) "
        "or listen on 127.0.0.1."
    )


def build(settings: Settings, *, ui: bool, warm: bool = False):
    """The app over one :class:`Services`; with ``warm``, the model loads and reads the answer prompt's fixed
    start in a background thread while the server starts (:func:`warm_in_background`)."""
    from assistant.api.app import create_app
    from assistant.services import Services

    services = Services.from_settings(settings)
    app = create_app(services, ui=ui)
    if ui:
        app = mount_ui(app, services)
    if warm:
        warm_in_background(services)
    return app


def warm_in_background(services) -> threading.Thread:
    """Load the model and fill its prompt cache off the request path; a request that arrives first waits for
    the model as it would have anyway. A failure is logged here and reported again by the first question."""

    def warm():
        t = time.perf_counter()
        try:
            if services.answerer().warm():
                log.info("model ready, answer prompt read in %.1f s", time.perf_counter() - t)
        except AssistantError as e:
            log.warning("model warm-up failed: %s", e)

    thread = threading.Thread(target=warm, name="model-warm-up", daemon=True)
    thread.start()
    return thread


def run(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, ui: bool = False) -> None:
    import uvicorn

    warning = exposure_warning(settings, host, ui=ui)
    if warning:
        log.warning(warning)
    app = build(settings, ui=ui, warm=True)
    uvicorn.run(app, host=host, port=port, log_level="info", workers=1, timeout_graceful_shutdown=5)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """uvicorn in a daemon thread (``lifespan="on"`` for a mounted UI, whose queue starts with the app); the context value is the base URL (``http://127.0.0.1:PORT``)."""

    def __init__(
        self,
        app,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_level: str = "warning",
        lifespan: Literal["auto", "on", "off"] = "off",
    ):
        import uvicorn

        self.host = host
        self.port = port or free_port(host)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=self.port, log_level=log_level, lifespan=lifespan)
        )
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

"""The Gradio chat UI: ``build_ui(services) -> gr.Blocks``.

A thin adapter over the library (no answering logic here): :mod:`assistant.ui.render` turns answers, citations
and articles into escaped HTML (pure functions), :mod:`assistant.ui.chat`, :mod:`assistant.ui.library` and
:mod:`assistant.ui.evaluation` hold the tab handlers, :mod:`assistant.ui.app` lays out the Blocks. The server mounts
the result with ``gradio.mount_gradio_app(app, build_ui(services), path="/")``; ``build_ui(services).launch()``
works too.
"""

from __future__ import annotations


def build_ui(services):
    """Build the Blocks (Gradio is imported only when a UI is actually built)."""
    from assistant.ui.app import build_ui as _build

    return _build(services)


__all__ = ["build_ui"]

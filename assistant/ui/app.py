"""The Gradio Blocks: Chat, Library and Eval tabs wired to the handlers in :mod:`chat`, :mod:`library` and
:mod:`evaluation`.

Design: layout and wiring only. Styles ship inside the page (a ``<style>`` element in an HTML component) rather
than through ``launch(css=...)``, because the server mounts the Blocks with ``gradio.mount_gradio_app``, which
does not carry a Blocks-level stylesheet. Chat messages are HTML built by :mod:`render` (every text escaped), so
the chat component's own sanitizer and Markdown/LaTeX rendering are turned off: they would strip the chips' data
attributes or re-interpret escaped article text.

Citation clicks: the article viewer (an HTML component) installs, once per page, a capturing click listener on
the document. A click on any element with ``data-citation`` (a chip in an answer or in the sources panel) calls
the viewer's ``trigger('click', {turn, citation})``; the Python listener receives that as ``gr.EventData``, reads
the article from the store and returns it with the span in ``<mark id="cite-N">``; the viewer's ``watch('value')``
hook then scrolls the mark into view.

Limits: the listener is bound to the first viewer rendered on the page (one UI per page).
"""

from __future__ import annotations

import gradio as gr

from assistant.ui import render
from assistant.ui.chat import ANY_LANG, ChatHandlers, new_state
from assistant.ui.evaluation import EvalHandlers
from assistant.ui.library import LIST_HEADERS, RESULT_HEADERS, UPLOAD_TYPES, LibraryHandlers, gradio_uploads

CITE_JS = """
window.__nqaOpenCitation = (turn, n) => trigger('click', {turn: Number(turn), citation: Number(n)});
if (!window.__nqaCiteBound) {
  window.__nqaCiteBound = true;
  document.addEventListener('click', (ev) => {
    const el = ev.target instanceof Element ? ev.target.closest('[data-citation]') : null;
    if (!el) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__nqaOpenCitation(el.getAttribute('data-turn') ?? '-1', el.getAttribute('data-citation'));
  }, true);
}
watch('value', () => {
  const mark = element.querySelector('mark[id^="cite-"]');
  if (mark) mark.scrollIntoView({block: 'center'});
});
"""

VIEWER_HINT = "Click a citation to see its article, with the cited span highlighted."


def build_ui(services) -> gr.Blocks:
    """The whole UI over one :class:`assistant.services.Services`; mount it or ``launch()`` it."""
    demo = gr.Blocks(title="News QA assistant", analytics_enabled=False)
    chat = ChatHandlers(services)
    lib = LibraryHandlers(services, received=gradio_uploads(demo))
    ev = EvalHandlers(services)
    settings = services.settings
    try:
        backend = render.render_backend(services.answerer().config())
    except Exception as e:  # shown, not fatal: the chat reports the real error when asked
        backend = f"unavailable: {e}"

    with demo:
        gr.HTML(render.style_tag(), js_on_load=None, elem_id="nqa-style", padding=False)
        state = gr.State(new_state())
        with gr.Tab("Chat", id="chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        elem_id="nqa-chat",
                        label="Answers with cited spans",
                        height=460,
                        sanitize_html=False,
                        render_markdown=False,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=[],
                        placeholder="Ask about the articles, in Arabic or English.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder="What did Russia say about Idlib?",
                            scale=6,
                            elem_id="nqa-question",
                            rtl=False,
                            lines=1,
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="nqa-ask")
                        clear = gr.Button("New chat", scale=1, elem_id="nqa-clear")
                    with gr.Accordion("Search settings", open=True):
                        with gr.Row():
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Chunks retrieved (top-k)")
                            lang = gr.Radio([ANY_LANG, "ar", "en"], value=ANY_LANG, label="Article language")
                        with gr.Row():
                            source = gr.Textbox(label="Source", placeholder="any")
                            date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD")
                            date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD")
                            reference = gr.Textbox(
                                label="Today is (for “yesterday”, “last week”)",
                                placeholder="YYYY-MM-DD (blank: today)",
                                elem_id="nqa-reference-date",
                            )
                        with gr.Row():
                            gr.Textbox(
                                backend, label="Backend in use", interactive=False, scale=3, elem_id="nqa-backend"
                            )
                            show_trace = gr.Checkbox(False, label="Show retrieval trace", scale=1)
                    trace = gr.HTML("", visible=False, js_on_load=None, elem_id="nqa-trace")
                with gr.Column(scale=2):
                    gr.Markdown("**Sources**")
                    sources = gr.HTML(render.render_sources(None, {}, 0), js_on_load=None, elem_id="nqa-sources")
                    gr.Markdown("**Article**")
                    viewer = gr.HTML(render.render_placeholder(VIEWER_HINT), js_on_load=CITE_JS, elem_id="nqa-viewer")

        with gr.Tab("Library", id="library"):
            with gr.Row():
                files = gr.File(
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    type="filepath",
                    scale=3,
                    label=f"Upload articles ({', '.join(UPLOAD_TYPES)}; at most 20 MB each)",
                    elem_id="nqa-upload",
                )
                with gr.Column(scale=1):
                    up_lang = gr.Radio(["auto", "ar", "en"], value="auto", label="Language")
                    up_source = gr.Textbox(label="Source name", placeholder="from the file")
                    ingest_btn = gr.Button("Ingest", variant="primary", elem_id="nqa-ingest")
            up_status = gr.HTML("", js_on_load=None, elem_id="nqa-upload-status")
            results = gr.Dataframe(
                headers=RESULT_HEADERS,
                value=[],
                interactive=False,
                wrap=True,
                label="Per-file results",
                elem_id="nqa-upload-results",
            )
            with gr.Row():
                query = gr.Textbox(label="Search titles", placeholder="title contains…", scale=4, elem_id="nqa-search")
                refresh = gr.Button("Refresh", scale=1)
            articles = gr.Dataframe(
                headers=LIST_HEADERS,
                value=[],
                interactive=False,
                wrap=True,
                label="Articles (click a row to select it)",
                elem_id="nqa-library-list",
            )
            with gr.Row():
                doc_id = gr.Textbox(label="Article id", scale=4, elem_id="nqa-doc-id")
                show_btn = gr.Button("Show", scale=1, elem_id="nqa-show")
                delete_btn = gr.Button("Delete", variant="stop", scale=1, elem_id="nqa-delete")
            lib_status = gr.HTML("", js_on_load=None, elem_id="nqa-library-status")
            lib_viewer = gr.HTML(
                render.render_placeholder("Select an article to read it."),
                js_on_load=None,
                elem_id="nqa-library-viewer",
            )

        with gr.Tab("Eval", id="eval"):
            gr.Markdown(
                "Retrieval eval on a dataset (SQuAD v1.1 `.json`, or `.jsonl` with a corpus), in a fresh "
                "temporary store: your library is not touched. Datasets are read from "
                f"`{ev.folder}` only (`ASSISTANT_UI_EVAL_DIR`)."
            )
            with gr.Row():
                ds_path = gr.Textbox(
                    label="Dataset file (in the datasets folder)", placeholder="xquad.en.dev.json", scale=3
                )
                corpus = gr.Textbox(label="Corpus (JSONL datasets only)", placeholder="corpus", scale=2)
                limit = gr.Number(value=50, precision=0, minimum=1, label="Limit (questions)", scale=1)
            with gr.Row():
                run_eval = gr.Button("Run retrieval eval", variant="primary", elem_id="nqa-run-eval")
                cancel_eval = gr.Button("Cancel", variant="stop", elem_id="nqa-cancel-eval")
                latest = gr.Button("Show latest report")
            eval_status = gr.HTML("", js_on_load=None, elem_id="nqa-eval-status")
            eval_summary = gr.HTML("", js_on_load=None, elem_id="nqa-eval-summary")
            eval_report = gr.HTML("", js_on_load=None, elem_id="nqa-eval-report")

        # -- wiring -------------------------------------------------------------------------------------------
        chat_inputs = [question, chatbot, state, top_k, lang, source, date_from, date_to, show_trace, reference]
        chat_outputs = [chatbot, sources, trace, state, question]
        # The article viewer follows the latest answer: its first citation, once the answer is complete.
        question.submit(chat.respond, chat_inputs, chat_outputs).then(chat.latest_article, [state], [viewer])
        ask.click(chat.respond, chat_inputs, chat_outputs).then(chat.latest_article, [state], [viewer])
        clear.click(chat.clear, None, [chatbot, sources, trace, viewer, state])
        chatbot.clear(chat.clear, None, [chatbot, sources, trace, viewer, state])  # its own trash button
        show_trace.change(lambda on: gr.update(visible=bool(on)), show_trace, trace)

        def open_citation(conv, evt: gr.EventData):
            return chat.open_citation(conv, evt)

        viewer.click(open_citation, [state], [viewer])

        def upload(paths, language, src, q, progress=gr.Progress()):
            return (*lib.upload(paths, language, src, q, progress), None)  # the picker is emptied for the next

        ingest_btn.click(upload, [files, up_lang, up_source, query], [results, up_status, articles, files])
        query.submit(lib.list_rows, [query], [articles])
        refresh.click(lib.list_rows, [query], [articles])
        demo.load(lib.list_rows, [query], [articles])

        def pick(evt: gr.SelectData):
            row = getattr(evt, "row_value", None) or []
            return row[1] if len(row) > 1 else gr.skip()

        articles.select(pick, None, [doc_id]).then(lib.show, [doc_id], [lib_viewer])
        show_btn.click(lib.show, [doc_id], [lib_viewer])
        doc_id.submit(lib.show, [doc_id], [lib_viewer])
        delete_btn.click(lib.delete, [doc_id, query], [lib_status, articles])

        def evaluate(path, corpus_path, n, progress=gr.Progress()):
            return ev.run(path, corpus_path, n, progress)

        run_eval.click(evaluate, [ds_path, corpus, limit], [eval_summary, eval_report])
        cancel_eval.click(ev.cancel, None, [eval_status], queue=False)
        latest.click(ev.show_latest, None, [eval_summary, eval_report])
    return demo

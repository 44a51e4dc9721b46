"""The query page in a real browser (Debian's chromium, driven by Playwright): the vendored
CodeMirror editor, keyboard use (Ctrl+Enter runs, Tab leaves the editor), no request leaves the
server, and axe-core finds no accessibility violation."""

from __future__ import annotations

import pytest
from browser_support import inject_axe

pytestmark = pytest.mark.browser


@pytest.fixture()
def tab(browser, server):
    """A page that records every URL it requests."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


def test_editor_highlights_and_runs_with_the_keyboard(tab, server):
    tab.goto(server.sparql + "?lang=en")
    editor = tab.locator(".CodeMirror")
    editor.wait_for()
    assert tab.locator("#sparql-query").is_hidden()  # the textarea stays the form field
    editor.click()
    tab.keyboard.press("Control+A")
    tab.keyboard.type("SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type")
    assert tab.locator(".CodeMirror .cm-keyword").count() > 0  # SPARQL mode highlights keywords
    with tab.expect_navigation():
        tab.keyboard.press("Control+Enter")
    header = [text.strip() for text in tab.locator("table th").all_inner_texts()]
    assert header == ["type", "n"]
    assert tab.locator("table tbody tr").count() > 0


def test_tab_leaves_the_editor(tab, server):
    tab.goto(server.sparql)
    tab.locator(".CodeMirror").click()
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "sparql-format"


def test_an_example_runs_in_one_click(tab, server):
    tab.goto(server.sparql + "?lang=en")
    with tab.expect_navigation():
        tab.locator(".sparql-examples a").first.click()
    assert tab.locator("table tbody tr").count() > 0
    assert tab.locator(".CodeMirror").inner_text().count("SELECT") >= 1


def test_no_request_leaves_the_server(tab, server):
    tab.goto(server.sparql + "?query=ASK+%7B%3Fs+%3Fp+%3Fo%7D")
    tab.wait_for_load_state("networkidle")
    assert tab.requested
    assert all(url.startswith(server.url) for url in tab.requested), tab.requested


@pytest.mark.parametrize("query", ["", "?lang=en&query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D+LIMIT+5"])
def test_axe_finds_no_violation(tab, server, query):
    tab.goto(server.sparql + query)
    inject_axe(tab)
    violations = tab.evaluate("async () => (await axe.run()).violations.map(v => v.id + ': ' + v.help)")
    assert violations == []

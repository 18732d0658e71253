"""The web page (``GET /``) and the API's human docs (``GET /docs``).

The page is a plain HTML form: paste German text or choose a file, and the browser posts
it to ``/v1/translate`` with ``format=html``, which answers with the review page (the one
``--format html`` writes). No script at all, no asset from anywhere: the stylesheet is
inline and allowed by its hash in a Content-Security-Policy that forbids everything else;
the form may post only to this server. Native controls keep it keyboard-usable, and the
layout is one column on a phone.
"""

from __future__ import annotations

import base64
import hashlib
import html
from functools import cache
from typing import Any

_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0 auto; max-width: 52rem; padding: 1rem; }
h1 { font-size: 1.4rem; }
label { display: block; font-weight: 600; margin: 1rem 0 0.3rem; }
textarea { box-sizing: border-box; width: 100%; min-height: 14rem; font: inherit; padding: 0.5rem; }
input[type=file], input[type=password] { max-width: 100%; font: inherit; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin-top: 1rem; }
button { font: inherit; padding: 0.5rem 1.5rem; }
:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.hint { color: GrayText; font-size: 0.9rem; }
code { font-size: 0.95em; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid GrayText; padding: 0.3rem; text-align: left; }
"""


@cache
def _style_source() -> str:
    digest = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def page_policy(header: bool = True) -> str:
    """The Content-Security-Policy of the page and the docs: their inline stylesheet, a form
    that posts back here, nothing else. The header also forbids framing (browsers ignore
    frame-ancestors in a <meta> policy, with a console warning)."""
    policy = (
        f"default-src 'none'; style-src {_style_source()}; img-src 'none'; "
        "form-action 'self'; base-uri 'none'"
    )
    return policy + "; frame-ancestors 'none'" if header else policy


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{page_policy(header=False)}">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def index_page(key_required: bool) -> str:
    """The form: text or a file, an optional summary, a key when the server needs one."""
    key = (
        '<label for="api_key">API key</label>\n'
        '<input type="password" id="api_key" name="api_key" required autocomplete="off">\n'
        if key_required
        else ""
    )
    body = f"""<main>
<h1>German to English, quotations kept</h1>
<form method="post" action="/v1/translate" enctype="multipart/form-data">
<input type="hidden" name="format" value="html">
<label for="text">German text</label>
<textarea id="text" name="text" placeholder="Paste a German article here"></textarea>
<label for="file">or a file</label>
<input type="file" id="file" name="file" accept=".txt,.md,.markdown,.html,.htm,.docx">
<p class="hint">A file wins over the text: plain text, Markdown, an HTML page (its article)
or a Word file.</p>
{key}<div class="row">
<label><input type="checkbox" name="summarize" value="true"> Add an English summary</label>
<button type="submit">Translate</button>
</div>
</form>
<p class="hint">The answer is the review page: source and translation side by side, each
quotation linked to its original. The same server answers the translation API
(<a href="/docs">API docs</a>).</p>
</main>"""
    return _document("translator", body)


def docs_page(openapi: dict[str, Any]) -> str:
    """The endpoints of the OpenAPI description as a table (the description itself is
    ``/openapi.json``)."""
    rows = []
    for path, operations in sorted(openapi.get("paths", {}).items()):
        for method, operation in operations.items():
            summary = operation.get("summary") or operation.get("operationId", "")
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                f"<td><code>{html.escape(path)}</code></td><td>{html.escape(summary)}</td></tr>"
            )
    info = openapi.get("info", {})
    body = f"""<main>
<h1>{html.escape(str(info.get("title", "API")))} API</h1>
<p>{html.escape(str(info.get("description", "")))}</p>
<p>The machine-readable description: <a href="/openapi.json">/openapi.json</a>.</p>
<table>
<thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
</main>"""
    return _document("translator API", body)

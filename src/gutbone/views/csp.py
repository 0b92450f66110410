"""Content-Security-Policy for the generated pages: no outside requests, only our scripts.

Every HTML page gutbone writes (the report, its views, ``gutbone view``) carries a
``<meta http-equiv="Content-Security-Policy">`` tag, added by :func:`with_csp` once the page
is complete. The policy allows:

- scripts: the inline ``<script>`` blocks the page's generator declares, each by its
  SHA-256 hash (so an injected script, inline event handler or ``javascript:`` URL does
  not run), and script files next to the page (``'self'``: the report's one shared copy of
  vis-network). Pages rendered by an autoescaping template (the views), where data cannot
  open a ``<script>``, may let every inline script of the page be hashed;
- styles: the page's ``<style>`` blocks by hash; styles that scripts set on elements
  (vis-network positions its tooltip that way) are not restricted by CSP;
- images, frames: files next to the page (plots, embedded views) and ``data:`` images;
- nothing else: no fetch/XHR/WebSocket, fonts, objects, forms or ``<base>``.

No ``'unsafe-inline'`` and no ``'unsafe-eval'`` are needed.

>>> page = '<html><head><meta charset="utf-8"><script>go()</script></head></html>'
>>> "script-src 'self' 'sha256-" in with_csp(page, scripts=["go()"])
True
>>> "script-src 'self';" in with_csp(page, scripts=[])  # an undeclared script does not run
True
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

__all__ = ["content_security_policy", "with_csp"]

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_CHARSET = '<meta charset="utf-8">'


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(html: str, scripts: Iterable[str] | None = None) -> str:
    """The policy for ``html``: inline scripts and styles allowed by hash, nothing remote.

    :param html: the page (its ``<style>`` blocks are allowed by hash).
    :param scripts: the bodies of the inline scripts to allow; None allows every
        ``<script>`` block of ``html`` (only for autoescaped templates).

    >>> content_security_policy("<p>no script</p>").split("; ")[:2]
    ["default-src 'none'", "script-src 'self'"]
    """
    bodies = _INLINE_SCRIPT.findall(html) if scripts is None else scripts
    hashes = sorted({_hash(body) for body in bodies})
    styles = sorted({_hash(body) for body in _INLINE_STYLE.findall(html)})
    return "; ".join(
        [
            "default-src 'none'",
            " ".join(["script-src 'self'", *hashes]),
            " ".join(["style-src 'self'", *styles]),
            "img-src 'self' data:",
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
        ]
    )


def with_csp(html: str, scripts: Iterable[str] | None = None) -> str:
    """``html`` with a Content-Security-Policy meta tag right after ``<meta charset>``.

    :param html: the complete page.
    :param scripts: the inline script bodies to allow (see :func:`content_security_policy`).

    :raises ValueError: the page has no ``<meta charset="utf-8">`` (the tag must come before
        any script or style, so it is placed after that first element of ``<head>``).
    """
    if _CHARSET not in html:
        raise ValueError('a gutbone page must start its <head> with <meta charset="utf-8">')
    tag = (
        '<meta http-equiv="Content-Security-Policy" content="'
        + content_security_policy(html, scripts).replace('"', "&quot;")
        + '">'
    )
    return html.replace(_CHARSET, _CHARSET + "\n" + tag, 1)

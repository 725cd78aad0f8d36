"""A comment's Markdown as safe HTML, made once when the comment is written.

``render_comment(markdown)`` runs two well-kept libraries in turn:

1. markdown-it-py (CommonMark, plus ``~~strikethrough~~`` and ``mdit-py-plugins``'
   dollarmath for ``$...$`` and ``$$...$$``). Raw HTML in the Markdown is text, not
   markup (``html=False``); headings are plain paragraphs (a comment sits under the
   page's own headings); images are off, so ``![alt](url)`` is a link and no remote
   image is ever loaded. A formula is its TeX, escaped, in ``<span class="math">``
   (``class="math display"`` for ``$$``), which KaTeX typesets in the browser;
   without JavaScript, in feeds and in mail, the TeX stays readable text. Blocks
   (quotes, lists) nest at most ``MAX_NESTING`` deep; what is nested deeper is left out.
2. nh3 (ammonia) over the result, with an allow-list (``TAGS``, ``ATTRIBUTES``,
   ``CLASSES``): every link gets ``rel="nofollow ugc noopener"``, and a link whose
   address is not ``http:``, ``https:`` or ``mailto:`` loses its address. Comments are
   stripped; anything not on the list goes, its text kept as text.

Control characters (``normalize.CONTROL_CHARS``) are taken out of the Markdown before
either runs. A body longer than ``MAX_BODY`` characters is refused by the caller
(``discussion.check_body``) before it gets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

from paperwire.normalize import strip_control

#: The most characters of one comment's Markdown.
MAX_BODY = 10_000
#: How deeply blocks (quotes, lists) may nest; what is nested deeper is left out.
MAX_NESTING = 20

TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "span",
        "div",
    }
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
CLASSES = {"span": {"math", "display"}, "div": {"math", "display"}}
SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _math_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<span class="math">{escape(tokens[idx].content)}</span>'


def _math_display_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<span class="math display">{escape(tokens[idx].content.strip())}</span>'


def _math_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<div class="math display">{escape(tokens[idx].content.strip())}</div>\n'


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.enable("strikethrough")
    md.disable(["image", "heading", "lheading", "html_block", "html_inline"])
    dollarmath_plugin(md, allow_labels=False, allow_digits=False, double_inline=True)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display_inline)
    md.add_render_rule("math_block", _math_block)
    return md


_MD = _markdown()


def _address(tag: str, attribute: str, value: str) -> str | None:
    """Keep only addresses of the allowed schemes (a relative one has none: it goes)."""
    if tag == "a" and attribute == "href":
        scheme, colon, _ = value.partition(":")
        if not colon or scheme.strip().lower() not in SCHEMES:
            return None
    return value


_CLEANER: Any = nh3.Cleaner(
    tags=set(TAGS),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    allowed_classes={tag: set(names) for tag, names in CLASSES.items()},
    url_schemes=set(SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    attribute_filter=_address,
)


def clean_markdown(markdown: str) -> str:
    """The Markdown as stored: control characters out, line ends as ``\\n``, trimmed."""
    return strip_control(markdown.replace("\r\n", "\n").replace("\r", "\n")).strip()


def render_comment(markdown: str) -> str:
    """The comment's HTML: rendered (markdown-it-py) and sanitised (nh3); see the module."""
    html = _MD.render(clean_markdown(markdown))
    cleaned: str = _CLEANER.clean(html)
    return cleaned.strip()


def sanitise_html(html: str) -> str:
    """Any HTML through the same allow-list (what feeds and mail are given is already
    clean; this is for text that was not rendered here)."""
    cleaned: str = _CLEANER.clean(html)
    return cleaned

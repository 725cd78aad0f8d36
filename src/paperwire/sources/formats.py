"""The file formats ``paperwire import`` reads, and how ``auto`` recognises them."""

from __future__ import annotations

import importlib
import re

from paperwire.sources.base import Parser

# format name -> "module:function"; modules load on first use.
FORMATS: dict[str, str] = {
    "arxiv-atom": "paperwire.sources.arxiv_atom:parse_arxiv_atom",
    "arxiv-oai": "paperwire.sources.arxiv_oai:parse_arxiv_oai",
    "arxiv-rss": "paperwire.sources.arxiv_rss:parse_arxiv_rss",
    "arxiv-jsonl": "paperwire.sources.arxiv_jsonl:parse_arxiv_jsonl",
    "hf-daily": "paperwire.sources.hf_daily:parse_hf_daily",
    "abs": "paperwire.sources.abs:parse_abs",
    "listing": "paperwire.sources.listing:parse_listing",
}

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s>/]")


def get_parser(name: str) -> Parser:
    module_name, _, attr = FORMATS[name].partition(":")
    parser: Parser = getattr(importlib.import_module(module_name), attr)
    return parser


def _xml_root(head: bytes) -> bytes | None:
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S).lstrip()
    match = _XML_ROOT.match(body)
    return match.group(1) if match else None


def sniff_format(head: bytes, name: str = "") -> str | None:
    """The format of a file from its first few KiB (already decompressed) and its name."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.endswith(".abs") or text.startswith(b"---------") and b"arXiv:" in text[:400]:
        return "abs"
    if text.startswith(b"["):
        return "hf-daily" if b'"paper"' in text or text.rstrip() == b"[]" else None
    if text.startswith(b"{"):
        return "arxiv-jsonl"
    if text.startswith(b"<"):
        root = _xml_root(text)
        if root == b"OAI-PMH":
            return "arxiv-oai"
        if root == b"rss" or (root == b"feed" and b"rss.arxiv.org" in text):
            return "arxiv-rss"
        if root == b"feed" and b"arxiv:announce_type" in text and b"opensearch" not in text:
            return "arxiv-rss"
        if root == b"feed":
            return "arxiv-atom"
        return None
    if name.endswith((".txt", ".text")) or text[:1].isalpha():
        return "listing"
    return None

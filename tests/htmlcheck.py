"""Reading generated HTML in tests: links, ids, text and diff tables, with html.parser."""

from __future__ import annotations

import dataclasses
import html.parser
import pathlib
import urllib.parse

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclasses.dataclass
class Cell:
    classes: tuple[str, ...]
    attrs: dict
    text: str = ""


@dataclasses.dataclass
class Row:
    classes: tuple[str, ...]
    cells: list[Cell]


@dataclasses.dataclass
class Table:
    classes: tuple[str, ...]
    rows: list[Row]


class Page(html.parser.HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.tags: list[str] = []
        self.tables: list[Table] = []
        self.text_parts: list[str] = []
        self._cell: Cell | None = None
        self._stack: list[str] = []
        self.feed(text)
        self.close()

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag not in VOID:
            self._stack.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("href", "src", "action", "srcset", "poster", "data"):
            if key in a and a[key] is not None:
                self.links.append((tag, key, a[key]))
        classes = tuple((a.get("class") or "").split())
        if tag == "table":
            self.tables.append(Table(classes, []))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append(Row(classes, []))
        elif tag == "td" and self.tables and self.tables[-1].rows:
            self._cell = Cell(classes, a)
            self.tables[-1].rows[-1].cells.append(self._cell)

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        while self._stack:
            if self._stack.pop() == tag:
                break

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._cell is not None:
            self._cell.text += data


def read_site(site: pathlib.Path) -> dict[str, Page]:
    return {p.name: Page(p.read_text(encoding="utf-8")) for p in sorted(site.glob("*.html"))}


def broken_links(site: pathlib.Path, pages: dict[str, Page] | None = None) -> list[str]:
    """Every relative link that names no generated file (or no id in it), and every external
    resource a page would load; external <a> links are returned apart by `external_links`."""
    pages = pages or read_site(site)
    problems = []
    for name, page in pages.items():
        for tag, attr, url in page.links:
            parts = urllib.parse.urlsplit(url)
            if tag == "img" and attr == "src" and url.startswith("data:image/svg+xml;base64,"):
                continue  # a plot inside the page (the Content-Security-Policy allows data:)
            if parts.scheme or parts.netloc:
                if not (tag == "a" and attr == "href" and parts.scheme == "https"):
                    problems.append(f"{name}: external or odd {tag} {attr}={url!r}")
                continue
            target = parts.path or name
            if target not in pages:
                problems.append(f"{name}: {tag} {attr}={url!r} names no generated page")
                continue
            if parts.fragment and urllib.parse.unquote(parts.fragment) not in pages[target].ids:
                problems.append(f"{name}: {url!r}: no id {parts.fragment!r} in {target}")
    return problems


def external_links(pages: dict[str, Page]) -> list[str]:
    return [
        url
        for p in pages.values()
        for tag, _, url in p.links
        if urllib.parse.urlsplit(url).scheme and urllib.parse.urlsplit(url).scheme != "data"
    ]

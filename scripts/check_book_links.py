#!/usr/bin/env python3
"""Checks the built book (book/book): every internal link and image points to a file
that exists, every #fragment to an id on that page, and no {{#include}} was left
unresolved. Usage: mdbook build book && python3 scripts/check_book_links.py
"""
import html.parser
import pathlib
import sys
import urllib.parse

BOOK = pathlib.Path(__file__).resolve().parent.parent / "book" / "book"


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])


def parse(path, cache={}):
    if path not in cache:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        cache[path] = page
    return cache[path]


def main():
    if not BOOK.is_dir():
        sys.exit(f"{BOOK} is missing: run `mdbook build book` first")
    problems, checked = [], 0
    # The book's own chapters (mdbook's print page and 404 page repeat them).
    pages = [p for p in BOOK.glob("*.html") if p.name not in ("print.html", "404.html", "toc.html")]
    for path in pages:
        text = path.read_text(encoding="utf-8")
        if "{{#include" in text:
            problems.append(f"{path.name}: an unresolved {{{{#include}}}}")
        for link in parse(path).links:
            url = urllib.parse.urlparse(link)
            if url.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = (path.parent / urllib.parse.unquote(url.path)).resolve() if url.path else path
            checked += 1
            if not target.exists():
                problems.append(f"{path.name}: {link} points to nothing")
            elif url.fragment and target.suffix == ".html" and url.fragment not in parse(target).ids:
                problems.append(f"{path.name}: {link}: no id '{url.fragment}' on {target.name}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{checked} internal links and images in {len(pages)} pages checked, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The link check of scripts/book: every relative link and #anchor of the
built book's pages, and of the Markdown files named after it (README.md),
leads to a file that exists and, for an anchor, to an element of that page
with that id (a Markdown file's anchors are its headings' ids).

    python3 scripts/book_links.py BUILT_BOOK_DIR [FILE.md ...]

Links to other sites are not followed (CI has no network): only where a
link leads inside the repository is checked. Prints every broken link with
the page it is on and exits 1 if there is one.
"""

import html.parser
import os
import re
import sys
import urllib.parse

EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class Page(html.parser.HTMLParser):
    """The ids a page defines and the links it makes."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("id", "name"):
            if attrs.get(name):
                self.ids.add(attrs[name])
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.links.append(attrs[name])


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as file:
        page.feed(file.read())
    return page


def heading_ids(path):
    """The ids mdBook and the usual Markdown renderers give a file's headings:
    lower case, letters, digits, `-` and `_` kept, spaces made `-`, the rest
    dropped; a repeated id gets `-1`, `-2`…"""
    ids, seen, fenced = set(), {}, False
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not match:
                continue
            text = re.sub(r"[`*_]{1,2}(?=\S)|(?<=\S)[`*_]{1,2}", "", match.group(1))
            slug = "".join(
                c.lower() if c.isalnum() or c in "-_" else "-" if c.isspace() else ""
                for c in text
            )
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def check_book(root):
    """Broken links of every page under root, as (page, link, why)."""
    pages = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".html"):
                pages[os.path.normpath(os.path.join(folder, name))] = None
    broken = []
    for page_path in sorted(pages):
        # mdBook's 404 page resolves its links against the site's root URL.
        if os.path.relpath(page_path, root) == "404.html":
            continue
        page = pages[page_path] or parse(page_path)
        pages[page_path] = page
        for link in page.links:
            why = resolve(page_path, link, pages, root)
            if why:
                broken.append((os.path.relpath(page_path, root), link, why))
    return broken


def resolve(page_path, link, pages, root):
    """Why link, made on page_path, leads nowhere (None when it leads somewhere)."""
    if not link or EXTERNAL.match(link):
        return None
    target, _, fragment = link.partition("#")
    target = urllib.parse.unquote(target.split("?", 1)[0])
    if target.startswith("/"):
        return "an absolute path: the book is read from any folder"
    path = os.path.normpath(os.path.join(os.path.dirname(page_path), target)) if target else page_path
    if os.path.isdir(path):
        path = os.path.join(path, "index.html")
    if not os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
        return "leads out of the book"
    if not os.path.isfile(path):
        return "no such file"
    if not fragment or not path.endswith(".html"):
        return None
    if pages.get(path) is None:
        pages[path] = parse(path)
    if urllib.parse.unquote(fragment) not in pages[path].ids:
        return f"no id {fragment!r} in {os.path.relpath(path, root)}"
    return None


def check_markdown(path):
    """Broken relative links of one Markdown file, as (file, link, why)."""
    with open(path, encoding="utf-8") as file:
        text = re.sub(r"```.*?```", "", file.read(), flags=re.DOTALL)
    links = re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
    links += re.findall(r"<(?:img|a)\s[^>]*(?:src|href)=\"([^\"]+)\"", text)
    broken = []
    for link in links:
        if EXTERNAL.match(link):
            continue
        target, _, fragment = link.partition("#")
        target_path = (
            os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(target)))
            if target
            else path
        )
        if not os.path.exists(target_path):
            broken.append((path, link, "no such file"))
        elif fragment and target_path.endswith(".md") and fragment not in heading_ids(target_path):
            broken.append((path, link, f"no heading with id {fragment!r}"))
    return broken


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    broken = check_book(root)
    for path in sys.argv[2:]:
        broken += check_markdown(path)
    for where, link, why in broken:
        print(f"book: broken link in {where}: {link} ({why})", file=sys.stderr)
    pages = sum(1 for _, _, names in os.walk(root) for name in names if name.endswith(".html"))
    if broken:
        print(f"book: {len(broken)} broken link(s)", file=sys.stderr)
        sys.exit(1)
    print(f"book: every relative link and anchor of {pages} pages and {', '.join(sys.argv[2:]) or 'no other file'} resolves")


if __name__ == "__main__":
    main()

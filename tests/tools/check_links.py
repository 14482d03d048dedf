#!/usr/bin/python3
"""check_links.py: every link in the repository's Markdown leads somewhere.

    tests/tools/check_links.py [--root DIR]

It checks each Markdown file of the repository at DIR (by default the one
this script is in). It takes the files git lists, tracked or new but not
ignored; without git, it walks the tree and skips hidden folders, build/
and bin/. For each link and image whose target is relative:

  - the file or folder it names exists, and git does not ignore it (an
    ignored file, such as bin/sync, is not in the repository);
  - an #anchor, in the same file or in another Markdown file, is the id of
    one of that file's headings. Ids follow GitHub's rules: the heading's
    text in lower case, punctuation dropped except - and _, each space a -,
    and the second heading of the same name gets -1, the third -2.

Links with a scheme (http:, https:, mailto:) are skipped: nothing is
fetched. Last, every page under docs/ must be linked from README.md: a
page nobody can reach is a defect.

markdown-it-py (Debian's python3-markdown-it) reads the Markdown as
CommonMark with GitHub's tables, so that what it calls a link is one: not
in code (fenced, indented, `inline`), not in an HTML comment, a title not
part of the target, a reference link checked where it is used. What is
GitHub's own, the ids of headings, is worked out here; so are <a href>,
<img src> and id= in HTML, which CommonMark leaves as it is.

Exit status: 0 every link resolves; 1 something is broken, one line each on
stdout, "FILE:LINE: link 'TARGET': why", and a count on stderr; 2 a usage
error.
"""

import argparse
import os
import re
import subprocess
import sys
from urllib.parse import unquote

from markdown_it import MarkdownIt

PROGRAM = "check_links"
MARKDOWN = (".md", ".markdown")
WALK_SKIP = {"build", "bin", "node_modules", "__pycache__"}


# ---- Which files ----

def git_files(root):
    """The files git tracks or would track under root, or None without git.

    Only when root is the top of its work tree: a folder that merely sits
    inside some repository is walked instead."""
    try:
        top = subprocess.run(["git", "-C", root, "rev-parse", "--show-prefix"],
                             capture_output=True, text=True, timeout=30)
        if top.returncode != 0 or top.stdout.strip():
            return None
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    # A tracked file deleted from the work tree is gone all the same.
    return {p for p in out.stdout.split("\0") if p and os.path.lexists(os.path.join(root, p))}


def walked_files(root):
    """Every file under root, as relative paths, but for hidden and build folders."""
    found = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in WALK_SKIP]
        for name in names:
            found.add(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return found


class Repository:
    """The files a link may point to: those of git, or of the walk."""

    def __init__(self, root):
        self.root = root
        files = git_files(root)
        self.from_git = files is not None
        self.files = files if files is not None else walked_files(root)
        self.folders = {""}
        for path in self.files:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self.folders.add("/".join(parts[:i]))

    def markdown(self):
        return sorted(p for p in self.files if p.lower().endswith(MARKDOWN))

    def why_missing(self, path):
        """None when path (relative to the root) is a file or folder of the
        repository; else why not."""
        if path in self.files or path in self.folders:
            return None
        if os.path.lexists(os.path.join(self.root, path)):
            if self.from_git:
                return "exists here, but git ignores it: not in the repository"
            return "exists here, but in a folder left out (hidden, build/, bin/)"
        return "no such file or folder"


# ---- Reading Markdown ----

HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
HTML_ID = re.compile(r"<[a-z][^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']*)[\"']", re.I)


def noting_position(rule):
    """rule, which also marks each token it makes with meta["pos"]: where
    in its block's text the token starts. markdown-it numbers the lines of
    blocks only; a link's line is its block's first line plus the line
    breaks before it."""
    def rule_noting_position(state, silent):
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        for token in state.tokens[count:]:
            token.meta.setdefault("pos", start)
        return True
    return rule_noting_position


def markdown_parser():
    """CommonMark with GitHub's tables, as GitHub reads it; its inline
    tokens know where they start."""
    md = MarkdownIt("commonmark").enable("table")
    ruler = md.inline.ruler
    for name, rule in zip(ruler.get_active_rules(), ruler.getRules("")):
        ruler.at(name, noting_position(rule))
    return md


MARKDOWN_IT = markdown_parser()


def in_html(html, first_line):
    """The links and ids in a piece of HTML that starts on first_line:
    ([(line number, target)], {id}). Comments hold neither."""
    html = HTML_COMMENT.sub(lambda c: "\n" * c.group(0).count("\n"), html)
    links = [(first_line + html.count("\n", 0, m.start()), m.group(1))
             for m in HTML_LINK.finditer(html)]
    return links, set(HTML_ID.findall(html))


def heading_text(children):
    """A heading as GitHub renders it: its text and code, without tags or images."""
    return "".join(" " if c.type == "softbreak" else c.content
                   for c in children if c.type in ("text", "code_inline", "softbreak")).strip()


def slug(text):
    """GitHub's id for a heading's text, before repeats are numbered."""
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def read_page(text):
    """A Markdown file's links and anchors: ([(line number, target)], {id}).
    The links: those of links, images (a reference link where it is used)
    and HTML <a href> and <img src>. The anchors: the headings' ids,
    numbered as GitHub numbers repeats, and any id or name given in HTML."""
    links = []
    headings = set()
    repeats = {}
    html_ids = set()
    tokens = MARKDOWN_IT.parse(text)
    for previous, token in zip([None] + tokens, tokens):
        if token.type == "html_block":
            found, ids = in_html(token.content, token.map[0] + 1)
            links += found
            html_ids |= ids
        if token.type != "inline":
            continue
        for child in token.children:
            line = token.map[0] + 1 + token.content.count("\n", 0, child.meta.get("pos", 0))
            if child.type == "link_open":
                links.append((line, child.attrs["href"]))
            elif child.type == "image":
                links.append((line, child.attrs["src"]))
            elif child.type == "html_inline":
                found, ids = in_html(child.content, line)
                links += found
                html_ids |= ids
        if previous is not None and previous.type == "heading_open":
            base = slug(heading_text(token.children))
            name = base
            while name in headings:
                repeats[base] = repeats.get(base, 0) + 1
                name = f"{base}-{repeats[base]}"
            headings.add(name)
    return links, headings | html_ids


# ---- Checking ----

def read_markdown(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        return read_page(f.read())


def check(repo):
    """Returns (problems, files checked, links checked, links skipped)."""
    problems = []
    files = repo.markdown()
    pages = {path: read_markdown(repo.root, path) for path in files}
    checked = skipped = 0
    linked_from_readme = set()
    for source in files:
        folder = os.path.dirname(source)
        for number, target in pages[source][0]:
            def broken(why):
                problems.append((source, number, f"{source}:{number}: link '{target}': {why}"))

            if not target.strip():
                checked += 1
                broken("empty target")
                continue
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
                skipped += 1
                continue
            checked += 1
            path, _, fragment = target.partition("#")
            path = unquote(path.split("?", 1)[0])
            fragment = unquote(fragment)
            if path:
                base = "" if path.startswith("/") else folder
                resolved = os.path.normpath(os.path.join(base, path.lstrip("/")))
                resolved = "" if resolved == "." else resolved.replace(os.sep, "/")
                if resolved == ".." or resolved.startswith("../"):
                    broken("leads out of the repository")
                    continue
                why = repo.why_missing(resolved)
                if why:
                    broken(why)
                    continue
            else:
                resolved = source
            if source == "README.md":
                linked_from_readme.add(resolved)
            if not fragment:
                continue
            page = resolved
            if page in repo.folders:     # GitHub shows a folder's README under it
                page = next((f"{page}/{name}".lstrip("/") for name in ("README.md", "readme.md")
                             if f"{page}/{name}".lstrip("/") in repo.files), None)
                if page is None:
                    continue
            if not page.lower().endswith(MARKDOWN):
                continue                 # a line anchor in code (#L10): GitHub's own
            if fragment not in pages[page][1]:
                broken(f"no heading with the id '{fragment}' in {page}")

    for page in files:
        if page.startswith("docs/") and page not in linked_from_readme:
            problems.append((page, 1, f"{page}:1: link '{page}': README.md has no link to "
                                      f"this page, so nobody can reach it"))
    problems.sort(key=lambda p: (p[0], p[1]))
    return [p[2] for p in problems], len(files), checked, skipped


class Parser(argparse.ArgumentParser):
    def error(self, message):       # one line, exit 2
        sys.stderr.write(f"{PROGRAM}: {message} (see --help)\n")
        sys.exit(2)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = Parser(prog="tests/tools/check_links.py",
                    description="Checks that every relative link and image in the "
                                "repository's Markdown files leads to a file, folder or "
                                "heading that exists, and that README.md links every "
                                "page under docs/. Exit status: 0 all resolve, 1 some "
                                "are broken (one line each), 2 usage.")
    parser.add_argument("--root", metavar="DIR",
                        default=os.path.normpath(os.path.join(here, "..", "..")),
                        help="the repository to check (default: the one this script is in)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.root):
        parser.error(f"--root {args.root}: not a folder")
    repo = Repository(os.path.abspath(args.root))
    problems, files, checked, skipped = check(repo)
    for line in problems:
        print(line)
    where = "git's files" if repo.from_git else "a walk of the tree"
    summary = (f"{PROGRAM}: {files} Markdown files ({where}), {checked} links checked, "
               f"{skipped} with a scheme skipped")
    if problems:
        sys.stderr.write(f"{summary}: {len(problems)} broken\n")
        return 1
    sys.stderr.write(f"{summary}: all resolve\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

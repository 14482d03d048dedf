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
fetched. Links in code (fenced blocks, indented blocks, `inline code`) and
in HTML comments are not links. Last, every page under docs/ must be linked
from README.md: a page nobody can reach is a defect.

Exit status: 0 every link resolves; 1 something is broken, one line each on
stdout, "FILE:LINE: link 'TARGET': why", and a count on stderr; 2 a usage
error. Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys
from urllib.parse import unquote

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

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")   # in a list item, indented too
LIST_ITEM = re.compile(r"^ {0,3}([-*+]|\d{1,9}[.)])(\s|$)")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*(<[^>]*>|\S+)")
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
HTML_ID = re.compile(r"<[a-z][^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']*)[\"']", re.I)


def blocks(lines):
    """The file's text outside code, as paragraphs: lists of (line number,
    text). Fenced and indented code blocks and HTML comments are left out."""
    paragraph = []
    fence = None            # the opening fence's character and length, inside a block
    indented_code = False   # inside an indented code block
    in_comment = False
    in_list = False         # an indented line continues a list item: it is not code
    previous_blank = True
    for number, line in enumerate(lines, 1):
        blank = not line.strip()
        indented = line.startswith("    ") or line.startswith("\t")
        if fence:
            m = FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] \
                    and not m.group(2).strip():
                fence = None
            continue
        if indented_code:
            if blank or indented:
                continue
            indented_code = False
        if in_comment:
            if "-->" not in line:
                continue
            end = line.index("-->") + 3
            line = " " * end + line[end:]
            in_comment = False
        m = FENCE.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            if paragraph:
                yield paragraph
                paragraph = []
            fence = (m.group(1)[0], len(m.group(1)))
            previous_blank = False
            continue
        if blank:
            if paragraph:
                yield paragraph
                paragraph = []
            previous_blank = True
            continue
        if indented and previous_blank and not in_list:
            indented_code = True
            continue
        if not indented:
            in_list = bool(LIST_ITEM.match(line)) or (in_list and not previous_blank)
        previous_blank = False
        # Comments: blank out the closed ones, and note one left open.
        line = re.sub(r"<!--.*?-->", lambda c: " " * len(c.group(0)), line)
        if "<!--" in line:
            line = line[:line.index("<!--")]
            in_comment = True
        paragraph.append((number, line))
    if paragraph:
        yield paragraph


def without_code_spans(text):
    """text with every `code span` blanked out (newlines kept, so that line
    numbers still count): a backtick run closes only at a run as long."""
    out = list(text)
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] != "`":
            i += 1
            continue
        j = i
        while j < len(text) and text[j] == "`":
            j += 1
        run = j - i
        k = j
        close = None
        while k < len(text):
            if text[k] == "`":
                m = k
                while m < len(text) and text[m] == "`":
                    m += 1
                if m - k == run:
                    close = m
                    break
                k = m
            else:
                k += 1
        if close is None:
            i = j       # an unmatched run is literal
            continue
        for p in range(i, close):
            if out[p] != "\n":
                out[p] = " "
        i = close
    return "".join(out)


def matching_bracket(text, start):
    """The index of the ] that closes the [ at start, or -1."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def destination(text, start):
    """Parses the (destination "title") that starts at text[start] == '(':
    returns the destination, or None when this is no inline link."""
    i = start + 1
    n = len(text)
    while i < n and text[i] in " \t\n":
        i += 1
    if i < n and text[i] == "<":
        end = text.find(">", i + 1)
        if end < 0 or "\n" in text[i + 1:end]:
            return None
        dest = text[i + 1:end]
        i = end + 1
    else:
        depth = 0
        begin = i
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n:
                i += 2
                continue
            if c in " \t\n":
                break
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        dest = text[begin:i]
    while i < n and text[i] in " \t\n":
        i += 1
    if i < n and text[i] in "\"'(":       # a title: the destination is what came before it
        close = {'"': '"', "'": "'", "(": ")"}[text[i]]
        i += 1
        while i < n and text[i] != close:
            i += 2 if text[i] == "\\" else 1
        i += 1
        while i < n and text[i] in " \t\n":
            i += 1
    if i < n and text[i] == ")":
        return dest
    return None


def links(lines):
    """Every link in the file: (line number, target), code left out."""
    found = []
    for paragraph in blocks(lines):
        first = paragraph[0][0]
        text = without_code_spans("\n".join(t for _, t in paragraph))

        def line_of(pos):
            return first + text.count("\n", 0, pos)

        for number, line in paragraph:
            m = REF_DEF.match(line)
            if m:
                found.append((number, m.group(2).strip("<>")))
        for m in HTML_LINK.finditer(text):
            found.append((line_of(m.start()), m.group(1)))
        for start in (m.start() for m in re.finditer(r"\[", text)):
            if start > 0 and text[start - 1] == "\\":
                continue
            end = matching_bracket(text, start)
            if end < 0 or end + 1 >= len(text) or text[end + 1] != "(":
                continue
            dest = destination(text, end + 1)
            if dest is not None:
                found.append((line_of(start), dest))
    return found


def heading_text(raw):
    """A heading as GitHub renders it, roughly: code, links, emphasis and
    tags reduced to their text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)     # links and images
    text = re.sub(r"<[^>]+>", "", text)                        # HTML tags
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)             # _emphasis_, not snake_case
    return text.strip()


def slug(text):
    """GitHub's id for a heading's text, before duplicates are numbered."""
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(lines):
    """The ids of a Markdown file's headings (numbered as GitHub numbers
    repeats), and any id or name given in HTML."""
    headings = set()
    seen = {}
    html_ids = set()
    for paragraph in blocks(lines):
        texts = []
        for number, line in paragraph:
            m = ATX.match(line)
            setext = SETEXT.match(line)
            if m:
                heading = m.group(2) or ""
            elif setext and texts and not LIST_ITEM.match(texts[0]):
                heading = " ".join(t.strip() for t in texts)
            else:
                texts.append(line)
                html_ids.update(idm.group(1) for idm in HTML_ID.finditer(line))
                continue
            texts = []
            base = slug(heading_text(heading))
            name = base
            while name in headings:
                seen[base] = seen.get(base, 0) + 1
                name = f"{base}-{seen[base]}"
            headings.add(name)
    return headings | html_ids


# ---- Checking ----

def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def check(repo):
    """Returns (problems, files checked, links checked, links skipped)."""
    problems = []
    anchor_cache = {}
    checked = skipped = 0
    linked_from_readme = set()

    def anchors_of(path):
        if path not in anchor_cache:
            anchor_cache[path] = anchors(read_lines(os.path.join(repo.root, path)))
        return anchor_cache[path]

    files = repo.markdown()
    for source in files:
        folder = os.path.dirname(source)
        for number, target in links(read_lines(os.path.join(repo.root, source))):
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
            if fragment not in anchors_of(page):
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

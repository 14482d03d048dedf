#!/usr/bin/env bash
# test_links.sh: every link in the repository's Markdown leads somewhere.
#
# tests/tools/check_links.py over the repository: each relative link and
# image names a file or folder that exists, each #anchor a heading, and
# README.md links every page under docs/. Then the checker itself, on a
# copy of the tree with one defect planted at a time (a link to a missing
# file, an anchor to no heading, a docs page nobody links): each must be
# reported on its own line, with its file and line, and nothing else. Links
# in code, titles and repeated headings are read as GitHub reads them. Last,
# its command line.
. "$(dirname "$0")/../lib.sh"

# The documents are the same whatever the build variant: checked once.
release_only "links"

CHECK="$ROOT/tests/tools/check_links.py"

# check_links ARGS...: runs the checker; stdout to $TEST_TMP/out, stderr to
# $TEST_TMP/err; sets STATUS.
check_links() {
    timeout -s KILL 60 /usr/bin/python3 -B "$CHECK" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# ---- The repository's documents ----

check_links --root "$ROOT"
expect_eq "links: every link in the repository's Markdown resolves" "$STATUS" 0
sed 's/^/#   /' "$TEST_TMP/out" "$TEST_TMP/err"
sort "$TEST_TMP/out" >"$TEST_TMP/repository"

# ---- The checker finds what is broken ----

# A copy of the tree, without git: the checker walks it.
COPY=$TEST_TMP/copy
mkdir "$COPY"
(cd "$ROOT" && tar --exclude=./.git --exclude=./build --exclude=./bin \
    --exclude='./results/.tmp*' -cf - .) | tar -xf - -C "$COPY"
check_links --root "$COPY"
sort "$TEST_TMP/out" >"$TEST_TMP/base"
expect_true "links: the copy reads as the repository does" cmp -s "$TEST_TMP/base" "$TEST_TMP/repository"

# new_lines: the lines the last run printed that the unchanged copy did not.
new_lines() {
    sort "$TEST_TMP/out" | comm -13 "$TEST_TMP/base" -
}

# plant FILE TEXT: appends a line to FILE in the copy, after keeping the
# original; sets LINE to its line number.
plant() {
    cp "$COPY/$1" "$TEST_TMP/kept"
    printf '%s\n' "$2" >>"$COPY/$1"
    LINE=$(wc -l <"$COPY/$1")
}

# restore FILE: undoes plant.
restore() {
    cp "$TEST_TMP/kept" "$COPY/$1"
}

plant README.md "See [a page that is not there](docs/no-such-page.md)."
check_links --root "$COPY"
expect_eq "links: a link to a missing file: exit 1" "$STATUS" 1
expect_eq "links: a link to a missing file: its one line" "$(new_lines)" \
    "README.md:$LINE: link 'docs/no-such-page.md': no such file or folder"
restore README.md

plant docs/options.md "See [nowhere](summary.md#no-such-heading \"a title\")."
check_links --root "$COPY"
expect_eq "links: an anchor to no heading of another page: exit 1" "$STATUS" 1
expect_eq "links: an anchor to no heading of another page: its one line" "$(new_lines)" \
    "docs/options.md:$LINE: link 'summary.md#no-such-heading': no heading with the id 'no-such-heading' in docs/summary.md"
restore docs/options.md

printf '# A page nobody links\n\nBack to the [README](../README.md).\n' >"$COPY/docs/unlinked-page.md"
check_links --root "$COPY"
expect_eq "links: a docs page that README.md does not link: exit 1" "$STATUS" 1
expect_eq "links: a docs page that README.md does not link: its one line" "$(new_lines)" \
    "docs/unlinked-page.md:1: link 'docs/unlinked-page.md': README.md has no link to this page, so nobody can reach it"
rm "$COPY/docs/unlinked-page.md"

# ---- Read as GitHub reads it ----

# A page of its own, linked from the README, so that only its lines count.
cat >"$COPY/docs/rules.md" <<'EOF'
# Rules: one, two!

## Twice
## Twice
## `snake_case` and more

[titled](../README.md "the README") [self](#rules-one-two) [second](#twice-1)
[code name](#snake_case-and-more) [folder](../docs) [web](https://example.com/none)
`[in code](gone-1.md)` and a span `that crosses
[a line](gone-2.md)` are code.

```
[in a fence](gone-3.md)
```

    [indented code](gone-4.md)

[third](#twice-2)
EOF
plant README.md "[Rules](docs/rules.md)"
check_links --root "$COPY"
expect_eq "links: titles, repeated headings, code: one broken, the third 'Twice'" "$(new_lines)" \
    "docs/rules.md:18: link '#twice-2': no heading with the id 'twice-2' in docs/rules.md"
restore README.md
rm "$COPY/docs/rules.md"

# ---- The command line ----

check_links --help
expect_eq "links: --help exits 0" "$STATUS" 0
expect_true "links: --help says how to use it" grep -q '^usage:' "$TEST_TMP/out"
check_links --no-such-option
expect_eq "links: an unknown option exits 2" "$STATUS" 2
expect_eq "links: an unknown option: one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
check_links --root "$TEST_TMP/no-such-folder"
expect_eq "links: --root that is not a folder exits 2" "$STATUS" 2

"""options.py: the Python programs' command line, in the C programs' rules and words.

base/units.c and client/cli.c read every value of the C programs strictly
and say what is wrong in one line that names the option and the value. This
is their twin for peers/python_asyncio, scripts/bench.py and
scripts/compare.py: each value is checked by a type function as argparse
meets it, so a bad value is refused wherever it stands (before a later
--help, and before a later good value of the same option), and argparse's
own complaints are put in the C programs' words (base/option_refusal.c).
tests/integration/test_options.sh holds both halves to one table.
Python 3 standard library only.
"""

import argparse
import re
import sys

# base/bounds.h's, typed again: test_options.sh gives the C clients and
# python_asyncio one table of bounds, and test_options_doc.sh holds
# python_asyncio's --help to the C clients' ranges.
COUNT_MAX = 1_000_000                  # base/bounds.h: COUNT_MAX
SIZE_MAX_BYTES = 16 << 30              # base/bounds.h: SIZE_MAX_BYTES
RATE_MAX = 1_000_000                   # base/bounds.h: RATE_MAX
SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
VERIFY_MODES = ("content", "id", "status")


class UsageError(Exception):
    """A bad command line: one line on stderr, "PROGRAM: what is wrong", exit 2."""


class HelpRequested(Exception):
    """--help was met: the caller prints the help and exits 0."""


def read_command_line(parse_args, argv, program):
    """What each Python program's main does first: parse_args(argv), which
    returns the options, or None once it has printed the help. Returns
    (options, None) when there is a run to do, else (None, the exit status):
    0 after --help; 2 after a UsageError, said on stderr in one line,
    "PROGRAM: what is wrong"."""
    try:
        args = parse_args(argv)
    except UsageError as err:
        sys.stderr.write(f"{program}: {err}\n")
        return None, 2
    return (None, 0) if args is None else (args, None)


class HelpAction(argparse.Action):
    """-h, --help: stops the parse where it stands, as the C programs' does,
    after every value before it was checked and none after it."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        raise HelpRequested()


def long_name(option_strings):
    """The name messages give an option: its long one ("--count" for -n)."""
    longs = [o for o in option_strings if o.startswith("--")]
    return longs[0] if longs else option_strings[0]


def option_word(word):
    """An option as typed, without its "=VALUE"."""
    return word.split("=", 1)[0]


class Parser(argparse.ArgumentParser):
    """argparse, with every complaint one line in the C programs' words.

    parse() returns the namespace, or None after --help; it raises
    UsageError for anything else wrong. A word left over (an unknown
    option, a positional too many) is said by extra(), which a program may
    override."""

    def __init__(self, prog, **kwargs):
        super().__init__(prog=prog, add_help=False, **kwargs)
        self.add_argument("-h", "--help", action=HelpAction, help="print this help and exit")

    def parse(self, argv):
        try:
            args, extras = self.parse_known_args(argv)
        except HelpRequested:
            return None
        if extras:
            raise UsageError(self.extra(args, extras[0]))
        return args

    def extra(self, args, word):
        """The message for the first word nothing took."""
        if word.startswith("-") and word != "-":
            return f"unknown option '{option_word(word)}' (see --help)"
        return f"unexpected argument '{word}' (see --help)"

    def error(self, message):
        raise UsageError(c_words(message))


# argparse's messages (Python 3.11) and the C programs' words for them.
ARGPARSE_WORDS = (
    (r"argument (\S+): expected one argument",
     lambda m: f"{long_name(m[1].split('/'))}: needs a value"),
    (r"argument (\S+): ignored explicit argument '.*'",
     lambda m: f"{long_name(m[1].split('/'))}: takes no value"),
    (r"ambiguous option: (\S+) could match .*",
     lambda m: f"ambiguous option '{option_word(m[1])}' (see --help)"),
    (r"argument (\S+): not allowed with argument (\S+)",
     lambda m: f"{long_name(m[1].split('/'))}: not allowed with "
               f"{long_name(m[2].split('/'))}"),
)


def c_words(message):
    """argparse's message in the C programs' words; as it is when none fits."""
    for pattern, words in ARGPARSE_WORDS:
        match = re.fullmatch(pattern, message)
        if match:
            return words(match)
    return message


# ---- Values: each a type function for argparse, named for its option ----

def whole_number(option, low, high):
    """DIGITS from low to high, as base/units.c reads one: no sign, blank,
    suffix or point (str.isdigit would take other scripts' digits too)."""
    def parse(text):
        if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
            raise UsageError(f"{option}: '{text}' is not a whole number from {low} to {high}")
        return int(text)
    return parse


def byte_count(option):
    """DIGITS and an optional K, M or G (either case, powers of 1024), at most 16G."""
    def parse(text):
        match = re.fullmatch(r"([0-9]+)([KkMmGg]?)", text)
        if match is None or int(match[1]) * SIZE_UNITS[match[2].upper()] > SIZE_MAX_BYTES:
            raise UsageError(f"{option}: '{text}' is not a byte count from 0 to 16G "
                             "(K, M, G suffixes allowed)")
        return int(match[1]) * SIZE_UNITS[match[2].upper()]
    return parse


def decimal(option, accepted, within):
    """DIGITS or DIGITS.DIGITS, as units_parse_decimal reads one (no sign,
    blank, exponent, "nan", "inf", "0x" or "_", all of which float() takes),
    for which within(value) holds; accepted says which in the message."""
    def parse(text):
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) or not within(float(text)):
            raise UsageError(f"{option}: '{text}' is not a number {accepted}")
        return float(text)
    return parse


def one_of(option, names):
    """One of names, exactly: "'x' is not content, id or status"."""
    def parse(text):
        if text not in names:
            raise UsageError(f"{option}: '{text}' is not {', '.join(names[:-1])} "
                             f"or {names[-1]}")
        return text
    return parse


def non_empty(option, what):
    """A folder's or a file's name: "" would read as the option's absence."""
    def parse(text):
        if text == "":
            raise UsageError(f"{option}: the {what} name is empty")
        return text
    return parse


def base_url_fault(text):
    """Why text cannot be a base URL, or None when it can: the same rules,
    words and order as client/cli.c's base_url_fault. A task's URL is the
    base and its path joined as text, so the base must end where a path
    may go on: http://HOST[:PORT][/PATH], without a query or a fragment
    (every task's path would land in it), user info, a blank or a control
    character, or a port out of 1..65535. Plain string tests, not
    urllib.parse, which reads some of these otherwise than libcurl."""
    port_fault = ": the port is not a number from 1 to 65535"
    if not text.startswith("http://"):
        return " is not an http:// URL"
    if any(c <= " " or c == "\x7f" for c in text):
        return " holds a blank or a control character"
    if "?" in text:
        return " has a query ('?'): every task's path would be appended to it"
    if "#" in text:
        return " has a fragment ('#'): every task's path would be appended to it"
    authority = text[len("http://"):].split("/", 1)[0]
    if "@" in authority:
        return " has user info ('NAME@'), which is not taken"
    if authority.startswith("["):           # an IPv6 address, [::1]
        close = authority.find("]")
        if close <= 1:
            return " is not an http:// URL"
        port = authority[close + 1:]
        if port and not port.startswith(":"):
            return port_fault
    else:
        colon = authority.find(":")
        port = authority[colon:] if colon >= 0 else ""
        if authority == "" or colon == 0:   # no host
            return " is not an http:// URL"
    if port:
        digits = port[1:]
        if not (digits and all("0" <= c <= "9" for c in digits) and 1 <= int(digits) <= 65535):
            return port_fault
    return None


def base_url(source):
    """--url (or $MOCK_URL, named so), checked, without trailing slashes."""
    def parse(text):
        fault = base_url_fault(text)
        if fault is not None:
            raise UsageError(f"{source}: '{text}'{fault}")
        return text.rstrip("/")
    return parse


PATH_FIELDS = ("{id}", "{size}")        # client/workload.c: path_fields
PATH_TEMPLATE_MAX = 256                 # client/options.h, its NUL included


def path_template(option):
    """A task's path under the base URL, as client/workload.c's
    path_template_check takes one, with its words, character by character:
    it starts with '/', holds no blank, control character or '#', and no
    brace but those of {id} and {size}."""
    def parse(text):
        if len(text.encode()) >= PATH_TEMPLATE_MAX:
            raise UsageError(f"{option}: the template is longer than "
                             f"{PATH_TEMPLATE_MAX - 1} bytes")
        if not text.startswith("/"):
            raise UsageError(f"{option}: '{text}' does not start with '/'")
        i = 0
        while i < len(text):
            c = text[i]
            if c <= " " or c in "\x7f#":
                raise UsageError(f"{option}: '{text}' holds a blank, a control character "
                                 "or '#'")
            field = next((f for f in PATH_FIELDS if text.startswith(f, i)), None)
            if field is not None:
                i += len(field)
                continue
            if c in "{}":
                raise UsageError(f"{option}: '{text}': a brace that is not {{id}} or {{size}}")
            i += 1
        return text
    return parse

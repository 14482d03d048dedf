/* timeline.c: the run as a text chart on stderr (--timeline).
 *
 * Each task is a bar from its start to its end, its columns the time since
 * the run began, so that sync's tasks climb a staircase (each starts where
 * the last ended) and the async models' stand as a wall (all start at
 * once). Past TIMELINE_ROWS_MAX tasks a row holds k consecutive tasks drawn
 * over each other, and the heading says so. A row counts, per column, the
 * tasks running, waiting and processing there in difference arrays, so a
 * million tasks cost a pass over their spans, not over their columns. */
#include "timeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "record.h"
#include "run.h"
#include "units.h"
#include "workload.h"

#define DEFAULT_WIDTH 80
#define LABEL_MAX 24               /* a row's label, at most: a longer dish's name is cut */
#define BAR_MIN 10                 /* columns of bar, at the least */
#define TICK_SPACING_MIN 10        /* columns from one tick of the axis to the next, at least */
#define HANG 2                     /* a folded line's indent after its first */

/* The marks, in the legend's order. */
static const char *const legend[] = {
    "= running", "~ processing", ". backoff", "x failed attempt", "# completed",
};
#define LEGEND_ITEMS (sizeof legend / sizeof legend[0])

int timeline_width(int fd)
{
    const char *columns = getenv("COLUMNS");
    struct winsize size;
    long width;

    if (columns != NULL && units_parse_long(columns, 1, 100000, &width) == 0)
        ;   /* the user's choice */
    else if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        width = size.ws_col;
    else
        width = DEFAULT_WIDTH;
    if (width < TIMELINE_WIDTH_MIN)
        width = TIMELINE_WIDTH_MIN;
    if (width > TIMELINE_WIDTH_MAX)
        width = TIMELINE_WIDTH_MAX;
    return (int)width;
}

/* Where a time falls: column c holds [c, c + 1) * end_ms / cols. */
struct scale {
    double end_ms;                 /* the right edge: the last task's end */
    int cols;                      /* columns of bar */
};

static int column_of(const struct scale *scale, double t_ms)
{
    int c;

    if (t_ms <= 0)
        return 0;
    c = (int)(t_ms / scale->end_ms * scale->cols);
    return c >= scale->cols ? scale->cols - 1 : c;
}

/* One row of the chart, as counts per column: difference arrays (+1 where
 * a range begins, -1 just past its end), summed from the left as the row is
 * drawn. On the stack of timeline_print: about 13 KB. */
struct row {
    int running[TIMELINE_WIDTH_MAX + 1];     /* tasks begun and not ended */
    int waiting[TIMELINE_WIDTH_MAX + 1];     /* of those, in a backoff */
    int processing[TIMELINE_WIDTH_MAX + 1];  /* of those, processing an item */
    char marks[TIMELINE_WIDTH_MAX];          /* 'x' or '#' where an attempt ended, or 0 */
};

static void add_range(int *diff, int first, int last)
{
    if (last < first)
        return;
    diff[first]++;
    diff[last + 1]--;
}

/* 'x' outranks '#': in a row of several tasks, a failure is not hidden. */
static void add_mark(struct row *row, int c, char mark)
{
    if (row->marks[c] != 'x')
        row->marks[c] = mark;
}

/* Adds one task to its row: the whole task running, its backoffs waiting
 * (up to the column where the next attempt begins), its processing, and a
 * mark where each attempt failed and where the task ended. A task that never
 * started (cancelled first) has nothing to draw. */
static void add_task(struct row *row, const struct scale *scale, const struct task_record *rec)
{
    int last = column_of(scale, rec->end_ms);

    if (rec->attempts == 0)
        return;
    add_range(row->running, column_of(scale, rec->start_ms), last);
    for (int i = 0; i < rec->span_count; i++) {
        int from = column_of(scale, rec->spans[i].start_ms);
        int to = rec->spans[i].end_ms >= 0 ? column_of(scale, rec->spans[i].end_ms) : last;

        switch ((enum span_kind)rec->span_kinds[i]) {
        case SPAN_ATTEMPT:         break;
        case SPAN_ATTEMPT_FAILED:  add_mark(row, to, 'x'); break;
        case SPAN_BACKOFF:         add_range(row->waiting, from, to - 1); break;
        case SPAN_PROCESS:         add_range(row->processing, from, to); break;
        }
    }
    add_mark(row, last, rec->state == TASK_COMPLETED ? '#' : 'x');
}

/* Writes the row's cols characters into bar. */
static void draw_row(const struct row *row, int cols, char *bar)
{
    int running = 0, waiting = 0, processing = 0;

    for (int c = 0; c < cols; c++) {
        running += row->running[c];
        waiting += row->waiting[c];
        processing += row->processing[c];
        bar[c] = row->marks[c] != 0 ? row->marks[c]
               : processing > 0 ? '~'
               : running > waiting ? '='
               : waiting > 0 ? '.' : ' ';
    }
    bar[cols] = '\0';
}

/* The label of the row of records[first..last]: "7", "1-25", or a dish's
 * name, cut to LABEL_MAX, its '|' and unprintable bytes made '?' so that
 * the bar's edges stay the only '|' on the row. */
static void row_label(const struct run *run, size_t first, size_t last, char *label)
{
    const struct task_record *rec = &run->records[first];

    if (first != last) {
        snprintf(label, LABEL_MAX + 1, "%ld-%ld", rec->id, run->records[last].id);
    } else if (run->opts->workload == WORKLOAD_COOK && rec->id >= 1
               && rec->id <= run->opts->dish_count) {
        snprintf(label, LABEL_MAX + 1, "%s", run->opts->dishes[rec->id - 1].name);
        for (char *p = label; *p != '\0'; p++)
            if (*p == '|' || !isprint((unsigned char)*p))
                *p = '?';
    } else {
        snprintf(label, LABEL_MAX + 1, "%ld", rec->id);
    }
}

/* A duration for people: "6.00 s", "350 ms", "2.5 ms". */
static void format_ms(double ms, char *text, size_t size)
{
    if (ms >= 1000)
        snprintf(text, size, "%.2f s", ms / 1000);
    else if (ms >= 10)
        snprintf(text, size, "%.0f ms", ms);
    else
        snprintf(text, size, "%.2g ms", ms);
}

/* The axis's step: 1, 2 or 5 times a power of ten ms, the smallest that
 * leaves TICK_SPACING_MIN columns between ticks. */
static double tick_step_ms(const struct scale *scale)
{
    static const double multiples[] = { 1, 2, 5 };
    int ticks_max = scale->cols / TICK_SPACING_MIN;

    if (ticks_max < 1)
        ticks_max = 1;
    for (double power = 0.001; ; power *= 10)
        for (size_t i = 0; i < sizeof multiples / sizeof multiples[0]; i++)
            if (scale->end_ms / (power * multiples[i]) <= ticks_max)
                return power * multiples[i];
}

/* The time axis under the bars, whose left edge is at column left of the
 * line ('+' at each tick, in the column of its time; in the last column,
 * on the right edge), and the ticks' times below them, each left-aligned on its
 * tick where there is room: in seconds when the run took a second or more,
 * else in ms. */
static void print_axis(FILE *out, const struct scale *scale, int left, int width)
{
    char line[TIMELINE_WIDTH_MAX + 2], labels[TIMELINE_WIDTH_MAX + 2];
    double step = tick_step_ms(scale);
    bool seconds = scale->end_ms >= 1000;
    int labels_end = 0;

    memset(line, ' ', (size_t)left);
    memset(line + left, '-', (size_t)scale->cols + 2);
    line[left] = line[left + scale->cols + 1] = '+';
    line[left + scale->cols + 2] = '\0';
    memset(labels, ' ', sizeof labels);
    /* Up to half a column past the end: a run of 2.9995 s still shows 3 s
     * on its right edge. */
    for (int k = 0; k * step <= scale->end_ms * (1 + 0.5 / scale->cols); k++) {
        char text[32];
        /* A tick in the last column goes on the right edge beside it. */
        bool at_end = column_of(scale, k * step) == scale->cols - 1;
        int pos = k == 0 ? left : at_end ? left + scale->cols + 1
                                         : left + 1 + column_of(scale, k * step);
        int len = snprintf(text, sizeof text, seconds ? "%gs" : "%gms",
                           seconds ? k * step / 1000 : k * step);

        if (k > 0)
            line[pos] = '+';
        if (pos + len > width)
            pos = width - len;   /* the last label ends at the line's end */
        if (pos < labels_end + 1 && k > 0)
            continue;   /* no room: the previous label reaches here */
        memcpy(labels + pos, text, (size_t)len);
        labels_end = pos + len;
    }
    labels[labels_end] = '\0';
    fprintf(out, "%s\n%s\n", line, labels);
}

/* ---- Folding text to the width ---- */

/* Lines of at most width columns, filled piece by piece (the heading's
 * clauses, the legend's marks): a piece goes on the current line after the
 * separator when it fits, else it begins the next line, indented by hang.
 * So a narrow chart folds its text instead of running past its edge. */
struct fold {
    FILE *out;
    int width;     /* the most columns a line takes */
    int hang;      /* the indent of each line after the first; < width */
    int col;       /* columns of the current line so far */
    bool fresh;    /* the current line holds its indent only */
};

static void fold_begin(struct fold *f, FILE *out, int width, int indent, int hang)
{
    *f = (struct fold){ .out = out, .width = width, .hang = hang, .col = indent, .fresh = true };
    fprintf(out, "%*s", indent, "");
}

static void fold_newline(struct fold *f)
{
    fprintf(f->out, "\n%*s", f->hang, "");
    f->col = f->hang;
    f->fresh = true;
}

/* Adds a word (len bytes, no space in it unless it fits whole) after sep,
 * on the current line if it fits, else on the next; a word too long for
 * any line is cut. */
static void fold_word(struct fold *f, const char *word, int len, const char *sep)
{
    int sep_len = f->fresh ? 0 : (int)strlen(sep);

    if (!f->fresh && f->col + sep_len + len > f->width) {
        fold_newline(f);
        sep_len = 0;
    }
    while (f->col + len > f->width && f->col < f->width) {   /* on a fresh line */
        int room = f->width - f->col;

        fprintf(f->out, "%.*s", room, word);
        word += room;
        len -= room;
        fold_newline(f);
    }
    fprintf(f->out, "%s%.*s", sep_len > 0 ? sep : "", len, word);
    f->col += sep_len + len;
    f->fresh = false;
}

/* Adds a piece after sep: whole, on the current line or the next, when it
 * fits on one line; else word by word, filling each line. */
static void fold_text(struct fold *f, const char *piece, const char *sep)
{
    int len = (int)strlen(piece);

    if (f->hang + len <= f->width || (f->fresh && f->col + len <= f->width)) {
        fold_word(f, piece, len, sep);
        return;
    }
    for (const char *word = piece; *word != '\0'; sep = " ") {
        int word_len = (int)strcspn(word, " ");

        if (word_len > 0)
            fold_word(f, word, word_len, sep);
        word += word_len;
        word += strspn(word, " ");
    }
}

static void fold_end(struct fold *f)
{
    fputs("\n", f->out);
}

/* The legend under the bars (from column left), or as far right as it
 * fits on one line; folded, from the left edge, when it does not. */
static void print_legend(FILE *out, int left, int width)
{
    int len = 2 * (int)(LEGEND_ITEMS - 1);
    struct fold fold;

    for (size_t i = 0; i < LEGEND_ITEMS; i++)
        len += (int)strlen(legend[i]);
    int indent = width - len < left ? width - len : left;
    fold_begin(&fold, out, width, indent > 0 ? indent : 0, 0);
    for (size_t i = 0; i < LEGEND_ITEMS; i++)
        fold_text(&fold, legend[i], "  ");
    fold_end(&fold);
}

int timeline_print(FILE *out, const struct run *run, int width)
{
    struct row row;
    struct fold fold;
    char bar[TIMELINE_WIDTH_MAX + 1], label[LABEL_MAX + 1], text[32], clause[128];
    size_t per_row = (run->count + TIMELINE_ROWS_MAX - 1) / TIMELINE_ROWS_MAX;
    struct scale scale = { .end_ms = 0 };
    long retried = 0, failed = 0;
    int label_width = 1;

    if (per_row == 0)
        per_row = 1;
    for (size_t i = 0; i < run->count; i++) {
        const struct task_record *rec = &run->records[i];

        if (rec->end_ms > scale.end_ms)
            scale.end_ms = rec->end_ms;
        retried += rec->attempts > 1;
        failed += rec->state != TASK_COMPLETED;
    }
    if (scale.end_ms <= 0)
        scale.end_ms = 0.001;   /* every task took no time: one column holds them */
    for (size_t first = 0; first < run->count; first += per_row) {
        size_t last = first + per_row - 1 < run->count ? first + per_row - 1 : run->count - 1;
        int len;

        row_label(run, first, last, label);
        len = (int)strlen(label);
        if (len > label_width)
            label_width = len;
    }
    scale.cols = width - label_width - 3;   /* "LABEL |BAR|" */
    if (scale.cols < BAR_MIN)
        scale.cols = BAR_MIN;

    /* The heading: what ran, what a column is, how rows map to tasks;
     * folded between its clauses where the width asks. */
    fold_begin(&fold, out, width, 0, HANG);
    format_ms(scale.end_ms, text, sizeof text);
    snprintf(clause, sizeof clause, "%s %s: %zu task%s, %sover %s", run->model->name,
             workload_name(run->opts->workload), run->count, run->count == 1 ? "" : "s",
             per_row == 1 ? "one row each, " : "", text);
    fold_text(&fold, clause, "; ");
    format_ms(scale.end_ms / scale.cols, text, sizeof text);
    snprintf(clause, sizeof clause, "a column is %s", text);
    fold_text(&fold, clause, "; ");
    if (retried > 0 || failed > 0) {
        snprintf(clause, sizeof clause, "%ld retried, %ld failed", retried, failed);
        fold_text(&fold, clause, "; ");
    }
    fold_end(&fold);
    if (per_row > 1) {
        fold_begin(&fold, out, width, 0, HANG);
        snprintf(clause, sizeof clause, "grouped %zu to a row:", per_row);
        fold_text(&fold, clause, " ");
        fold_text(&fold, "a row a-b holds tasks a to b,", " ");
        fold_text(&fold, "their bars drawn over each other", " ");
        fold_end(&fold);
    }

    for (size_t first = 0; first < run->count; first += per_row) {
        size_t last = first + per_row - 1 < run->count ? first + per_row - 1 : run->count - 1;

        memset(&row, 0, sizeof row);
        for (size_t i = first; i <= last; i++)
            add_task(&row, &scale, &run->records[i]);
        draw_row(&row, scale.cols, bar);
        row_label(run, first, last, label);
        fprintf(out, "%*s |%s|\n", label_width, label, bar);
    }
    print_axis(out, &scale, label_width + 1, width);
    print_legend(out, label_width + 1, width);
    return ferror(out) ? -1 : 0;
}

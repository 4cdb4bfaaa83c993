/* chart.c - results.svg, drawn by the program itself (libc and libm only).
 *
 *  - Throughput against message size, both axes logarithmic, one panel per
 *    placement (one CPU, two CPUs) on the same scale: every mechanism a
 *    line through its points; as reference lines, memcpy bandwidth and
 *    "one system call per message" (size / the cost of getppid()).
 *  - The 64-byte round trips: per mechanism a bar per placement (the
 *    median) with a whisker to the p99, on a logarithmic axis; as
 *    reference lines, the bare pipe ping-pong and one system call.
 *  - The echo servers (sockets/server, sockets/pollserver): the time per
 *    connection and per round trip, a bar per server with a whisker to the
 *    p99; and lines per second against the clients at once, log-log, a
 *    line per server, with what each cost the server beside it.
 *
 * Axis ranges are whole decades around the data (sizes: around the sizes
 * measured), so no point or bar is clipped or capped. A value that cannot
 * be drawn on a log scale (0) and a size a mechanism skipped are said in
 * the legend, never left out silently. Every drawn figure carries its
 * value (data-value) and every panel its axis mapping (data-left, ...,
 * data-x-min, ...): tests/bench.bats checks each position against
 * results.csv.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "results.h"

#define TP_LEFT 80   /* throughput panels: the first plot area's left edge */
#define TP_TOP 120
#define TP_W 360
#define TP_H 380
#define TP_GAP 100   /* between two throughput plot areas (the y labels) */
#define LAT_LEFT 170 /* round trips: the plot area */
#define LAT_W 820
#define BAR_H 10
#define SRV_W 360 /* the echo servers' lines panel */
#define SRV_H 220
#define MAX_MECHS 64
#define MAX_SIZES 16

/* A logarithmic axis: value lo at pixel p0, value hi at pixel p1. */
struct axis {
    double lo, hi, p0, p1;
};
static double at(const struct axis *a, double v)
{
    return a->p0 + (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) * (a->p1 - a->p0);
}
/* The whole decades around the positive values [min, max]. */
static void decades(double min, double max, double *lo, double *hi)
{
    *lo = pow(10, floor(log10(min)));
    *hi = pow(10, ceil(log10(max)));
    if (*hi <= *lo)
        *hi = *lo * 10;
}
static bool drawable(double v) { return isfinite(v) && v > 0; }

/* Colors and marker shapes: neighbours in the table differ in both. */
static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                      "#e377c2", "#17becf", "#bcbd22", "#393b79", "#7f7f7f", "#637939",
                                      "#843c39", "#7b4173", "#000000", "#e7969c", "#3182bd"};
#define NCOLORS (sizeof palette / sizeof palette[0])
static const char *const where_color[] = {"#4477aa", "#ee6677"};
static const char *const where_words[] = {"both processes on one CPU", "the processes on two CPUs"};
static const char *const figure_id[] = {"connect", "round-trip", "lines"};
static int server_index(const char *name) { return strcmp(name, "pollserver") == 0; }

struct chart {
    FILE *f;
    const struct result *res;
    int n;
    const struct limits *lim;
    const struct server_result *srv; /* the echo servers' figures */
    int nsrv;
    const char *mech[MAX_MECHS]; /* the mechanisms, in the order of the results */
    int nmech;
    size_t size[MAX_SIZES]; /* the throughput sizes, ascending */
    int nsize;
    struct axis tp_x, tp_y; /* shared by the throughput panels */
};

static int mech_index(const struct chart *c, const char *name)
{
    for (int i = 0; i < c->nmech; i++)
        if (strcmp(c->mech[i], name) == 0)
            return i;
    return -1;
}
static void size_label(char *buf, size_t len, double size)
{
    if (size >= 1024 && fmod(size, 1024) == 0)
        snprintf(buf, len, "%.0f KiB", size / 1024);
    else
        snprintf(buf, len, "%.0f B", size);
}
static void rate_label(char *buf, size_t len, double mbs)
{
    if (mbs >= 1000)
        snprintf(buf, len, "%g GB/s", mbs / 1000);
    else
        snprintf(buf, len, "%g MB/s", mbs);
}
static void time_label(char *buf, size_t len, double us)
{
    if (us >= 1000)
        snprintf(buf, len, "%g ms", us / 1000);
    else
        snprintf(buf, len, "%g µs", us);
}

/* Text from outside the program (uname), escaped for XML. */
/* The frame of a panel whose x axis is a time (the round trips, the
 * servers' times): a gridline and a label at each decade, lighter lines at
 * 2..9 times it. */
static void time_frame(FILE *f, const struct axis *x, double left, double top, double bottom)
{
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n", left,
            top, LAT_W, bottom - top);
    for (int e = (int)lround(log10(x->lo)); e <= (int)lround(log10(x->hi)); e++) {
        double v = pow(10, e);
        char label[32];
        time_label(label, sizeof label, v);
        double px = at(x, v);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s</text>\n",
                px, top, px, bottom, px, bottom + 15, label);
        for (int k = 2; k < 10 && v < x->hi; k++) {
            double pk = at(x, v * k);
            fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#f2f2f2\"/>\n", pk, top, pk,
                    bottom);
        }
    }
}

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

static void collect(struct chart *c)
{
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < c->n; i++) {
        const struct result *r = &c->res[i];
        if (mech_index(c, r->mech) < 0 && c->nmech < MAX_MECHS)
            c->mech[c->nmech++] = r->mech;
        if (r->is_latency)
            continue;
        int k = 0;
        while (k < c->nsize && c->size[k] < r->size)
            k++;
        if ((k == c->nsize || c->size[k] != r->size) && c->nsize < MAX_SIZES) {
            memmove(&c->size[k + 1], &c->size[k], (size_t)(c->nsize - k) * sizeof c->size[0]);
            c->size[k] = r->size;
            c->nsize++;
        }
        if (!r->skipped && drawable(r->v[1])) {
            lo = fmin(lo, r->v[1]);
            hi = fmax(hi, r->v[1]);
        }
    }
    if (drawable(c->lim->memcpy_mbs)) {
        lo = fmin(lo, c->lim->memcpy_mbs);
        hi = fmax(hi, c->lim->memcpy_mbs);
    }
    if (hi == 0) /* nothing measured: any range */
        lo = 1, hi = 10;
    c->tp_y.lo = lo, c->tp_y.hi = hi;
    decades(lo, hi, &c->tp_y.lo, &c->tp_y.hi);
    c->tp_y.p0 = TP_TOP + TP_H; /* up the page */
    c->tp_y.p1 = TP_TOP;
    /* sizes: half a step of the usual factor 4 beyond the first and last */
    c->tp_x.lo = c->nsize ? (double)c->size[0] / 2 : 1;
    c->tp_x.hi = c->nsize ? (double)c->size[c->nsize - 1] * 2 : 10;
}

/* The legend at (x, y): a line and marker per mechanism, what each skipped,
 * and the reference lines. */
static void legend(struct chart *c, double x, double y)
{
    FILE *f = c->f;
    fprintf(f, "<g class=\"legend\" font-size=\"11.5\">\n");
    for (int i = 0; i < c->nmech; i++) {
        bool has_line = false;
        char skipped[160] = "";
        for (int k = 0; k < c->n; k++) {
            const struct result *r = &c->res[k];
            if (r->is_latency || strcmp(r->mech, c->mech[i]) != 0)
                continue;
            if (!r->skipped && drawable(r->v[1]))
                has_line = true;
            else if (skipped[0] == '\0') {
                char size[32];
                size_label(size, sizeof size, (double)r->size);
                if (r->skipped)
                    snprintf(skipped, sizeof skipped, "n/a from %s: %s", size, r->why);
                else
                    snprintf(skipped, sizeof skipped, "%s: %g MB/s, not drawn", size, r->v[1]);
            }
        }
        const char *color = palette[(size_t)i % NCOLORS];
        if (has_line)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.6\"/>"
                       "<use xlink:href=\"#mk%d\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\"/>\n",
                    x, y - 4, x + 24, y - 4, color, i % 4, x + 12, y - 4, color);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 30, y, c->mech[i]);
        if (skipped[0] != '\0') { /* what it did not measure, under its name */
            y += 13;
            fprintf(f, "<text class=\"skipped\" data-mech=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                       "fill=\"#444\">%s</text>\n",
                    c->mech[i], x + 30, y, skipped);
        }
        y += 17;
    }
    char mem[32];
    rate_label(mem, sizeof mem, round(c->lim->memcpy_mbs));
    y += 6;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"1.4\" "
               "stroke-dasharray=\"7 4\"/><text x=\"%.1f\" y=\"%.1f\">memcpy, 64 MiB: %s</text>\n",
            x, y - 4, x + 24, y - 4, x + 30, y, mem);
    y += 17;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"1.4\" "
               "stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\">one system call per message</text>\n"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#444\">size / %.0f ns (a getppid())</text>\n",
            x, y - 4, x + 24, y - 4, x + 30, y, x + 30, y + 13, c->lim->syscall_ns);
    fprintf(f, "</g>\n");
}

static void throughput_panel(struct chart *c, int w, double left)
{
    FILE *f = c->f;
    const char *where = c->lim->where[w];
    struct axis x = c->tp_x, y = c->tp_y;
    x.p0 = left, x.p1 = left + TP_W;
    double top = TP_TOP, bottom = TP_TOP + TP_H, right = left + TP_W;
    fprintf(f, "<g class=\"panel\" data-kind=\"throughput\" data-placement=\"%s\" data-left=\"%.2f\" "
               "data-right=\"%.2f\" data-top=\"%.2f\" data-bottom=\"%.2f\" data-x-min=\"%.6g\" data-x-max=\"%.6g\" "
               "data-y-min=\"%.6g\" data-y-max=\"%.6g\">\n",
            where, left, right, top, bottom, x.lo, x.hi, y.lo, y.hi);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">Throughput, %s</text>\n", left,
            top - 12, where_words[strcmp(where, "cross") == 0]);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", left,
            top, TP_W, TP_H);
    /* the grid: decades up the page, the measured sizes across */
    for (int e = (int)lround(log10(y.lo)); e <= (int)lround(log10(y.hi)); e++) {
        double v = pow(10, e);
        char label[32];
        rate_label(label, sizeof label, v);
        double py = at(&y, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n",
                left, py, right, py, left - 5, py + 4, label);
        for (int k = 2; k < 10 && v < y.hi; k++) { /* the minor lines of a log scale */
            double pk = at(&y, v * k);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#f2f2f2\"/>\n", left, pk,
                    right, pk);
        }
    }
    for (int k = 0; k < c->nsize; k++) {
        char label[32];
        size_label(label, sizeof label, (double)c->size[k]);
        double px = at(&x, (double)c->size[k]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                   "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s</text>\n",
                px, top, px, bottom, px, bottom + 15, label);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">message size (log scale)</text>\n",
            left + TP_W / 2.0, bottom + 34);
    fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">"
               "MB/s, median (log scale)</text>\n",
            left - 62, top + TP_H / 2.0);

    /* reference lines */
    double mem = c->lim->memcpy_mbs;
    if (drawable(mem))
        fprintf(f, "<line class=\"ref\" data-ref=\"memcpy\" data-value=\"%.3f\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" "
                   "y2=\"%.2f\" stroke=\"#555\" stroke-width=\"1.4\" stroke-dasharray=\"7 4\"/>\n",
                mem, left, at(&y, mem), right, at(&y, mem));
    double per_byte = 1e3 / c->lim->syscall_ns; /* MB/s per byte of message */
    double s0 = fmax(x.lo, y.lo / per_byte), s1 = fmin(x.hi, y.hi / per_byte);
    if (drawable(per_byte) && s0 < s1) /* the part of the line inside the panel */
        fprintf(f, "<line class=\"ref\" data-ref=\"syscall\" data-value=\"%.3f\" x1=\"%.2f\" y1=\"%.2f\" "
                   "x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555\" stroke-width=\"1.4\" stroke-dasharray=\"2 3\"/>\n",
                c->lim->syscall_ns, at(&x, s0), at(&y, s0 * per_byte), at(&x, s1), at(&y, s1 * per_byte));

    /* every mechanism: a line through its points, then the points on top */
    for (int i = 0; i < c->nmech; i++) {
        const char *color = palette[(size_t)i % NCOLORS];
        fprintf(f, "<polyline class=\"line\" data-mech=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" "
                   "points=\"",
                c->mech[i], color);
        for (int k = 0; k < c->n; k++) {
            const struct result *r = &c->res[k];
            if (!r->is_latency && !r->skipped && drawable(r->v[1]) && strcmp(r->where, where) == 0 &&
                strcmp(r->mech, c->mech[i]) == 0)
                fprintf(f, "%.2f,%.2f ", at(&x, (double)r->size), at(&y, r->v[1]));
        }
        fprintf(f, "\"/>\n");
    }
    for (int i = 0; i < c->nmech; i++)
        for (int k = 0; k < c->n; k++) {
            const struct result *r = &c->res[k];
            if (!r->is_latency && !r->skipped && drawable(r->v[1]) && strcmp(r->where, where) == 0 &&
                strcmp(r->mech, c->mech[i]) == 0)
                fprintf(f, "<use class=\"point\" xlink:href=\"#mk%d\" data-mech=\"%s\" data-placement=\"%s\" "
                           "data-size=\"%zu\" data-value=\"%.3f\" x=\"%.2f\" y=\"%.2f\" fill=\"%s\">"
                           "<title>%s, %zu B, %s CPU: %.1f MB/s</title></use>\n",
                        i % 4, r->mech, where, r->size, r->v[1], at(&x, (double)r->size), at(&y, r->v[1]),
                        palette[(size_t)i % NCOLORS], r->mech, r->size, where, r->v[1]);
        }
    fprintf(f, "</g>\n");
}

static double latency_rows(const struct chart *c)
{
    int rows = 0;
    for (int i = 0; i < c->nmech; i++)
        for (int k = 0; k < c->n; k++)
            if (c->res[k].is_latency && strcmp(c->res[k].mech, c->mech[i]) == 0) {
                rows++;
                break;
            }
    return rows;
}

static void latency_panel(struct chart *c, double top)
{
    FILE *f = c->f;
    const struct limits *lim = c->lim;
    double row_h = 12 + (BAR_H + 3) * lim->nwheres;
    double bottom = top + row_h * latency_rows(c), left = LAT_LEFT, right = LAT_LEFT + LAT_W;
    /* the range: every median and p99, and the reference lines */
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < c->n; k++) {
        const struct result *r = &c->res[k];
        if (!r->is_latency || r->skipped)
            continue;
        const double v[2] = {r->v[1], r->p99};
        for (int j = 0; j < 2; j++)
            if (drawable(v[j]))
                lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
    }
    const double ref[3] = {lim->syscall_ns / 1e3, lim->bare_us[0], lim->bare_us[1]};
    int nref = 1 + (lim->nwheres < 2 ? lim->nwheres : 2); /* getppid, a bare pipe per placement */
    for (int j = 0; j < nref; j++)
        if (drawable(ref[j]))
            lo = fmin(lo, ref[j]), hi = fmax(hi, ref[j]);
    if (hi == 0)
        lo = 1, hi = 10;
    struct axis x = {0, 0, left, right};
    decades(lo, hi, &x.lo, &x.hi);

    fprintf(f, "<g class=\"panel\" data-kind=\"latency\" data-left=\"%.2f\" data-right=\"%.2f\" data-top=\"%.2f\" "
               "data-bottom=\"%.2f\" data-x-min=\"%.6g\" data-x-max=\"%.6g\">\n",
            left, right, top, bottom, x.lo, x.hi);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">Round trip of a 64-byte message "
               "(signal: 4 bytes): median, whisker to the p99; "
               "in brackets the p99 and the CPU time of both processes, µs</text>\n",
            TP_LEFT, top - 62);
    for (int w = 0; w < lim->nwheres && w < 2; w++)
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"%d\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11.5\">%s</text>\n",
                (double)TP_LEFT + 230 * w, top - 52, BAR_H, where_color[w], TP_LEFT + 230 * w + 16.0, top - 43,
                where_words[strcmp(lim->where[w], "cross") == 0]);
    time_frame(f, &x, left, top, bottom);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">round trip (log scale)</text>\n",
            left + LAT_W / 2.0, bottom + 34);

    /* reference lines, labelled above the plot, one label per line of text */
    const char *ref_name[3] = {"getppid()", "bare pipe, one CPU", "bare pipe, two CPUs"};
    const char *ref_id[3] = {"syscall", "bare-same", "bare-cross"};
    for (int j = 0; j < nref; j++) {
        int which = j == 0 ? 0 : 1 + (strcmp(lim->where[j - 1], "cross") == 0);
        if (!drawable(ref[j]))
            continue;
        char label[32];
        time_label(label, sizeof label, round(ref[j] * 100) / 100);
        double px = at(&x, ref[j]);
        fprintf(f, "<line class=\"ref\" data-ref=\"%s\" data-value=\"%.6f\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" "
                   "y2=\"%.1f\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>"
                   "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s %s</text>\n",
                ref_id[which], ref[j], px, top, px, bottom, px, top - 6 - 13.0 * j, ref_name[which], label);
    }

    double y = top + 6;
    for (int i = 0; i < c->nmech; i++) {
        bool any = false;
        for (int w = 0; w < lim->nwheres && w < 2; w++) {
            const struct result *r = NULL;
            for (int k = 0; k < c->n && r == NULL; k++)
                if (c->res[k].is_latency && strcmp(c->res[k].mech, c->mech[i]) == 0 &&
                    strcmp(c->res[k].where, lim->where[w]) == 0)
                    r = &c->res[k];
            if (r == NULL)
                continue;
            any = true;
            double by = y + (BAR_H + 3) * w;
            if (!drawable(r->v[1])) {
                fprintf(f, "<text class=\"skipped\" data-mech=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\">"
                           "%s: %g, not drawn on a log scale</text>\n",
                        r->mech, left + 4, by + 9, lim->where[w], r->v[1]);
                continue;
            }
            double end = at(&x, r->v[1]);
            fprintf(f, "<rect class=\"bar\" data-mech=\"%s\" data-placement=\"%s\" data-value=\"%.3f\" x=\"%.2f\" "
                       "y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s, %s CPU: %.2f µs, p99 %.2f "
                       "µs</title></rect>\n",
                    r->mech, r->where, r->v[1], left, by, end - left, BAR_H, where_color[w], r->mech, r->where,
                    r->v[1], r->p99);
            double tip = end;
            if (drawable(r->p99)) {
                tip = at(&x, r->p99);
                fprintf(f, "<line class=\"p99\" data-mech=\"%s\" data-placement=\"%s\" data-value=\"%.3f\" "
                           "x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#333\"/>"
                           "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                        r->mech, r->where, r->p99, end, by + BAR_H / 2.0, tip, by + BAR_H / 2.0, tip, by + 1, tip,
                        by + BAR_H - 1);
            }
            fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\">%.2f (p99 %.2f; CPU %.2f)</text>\n",
                    fmax(tip, end) + 4, by + 9, r->v[1], r->p99, r->cpu_us);
        }
        if (any) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%s</text>\n", left - 8,
                    y + (BAR_H + 3) * lim->nwheres / 2.0 + 3, c->mech[i]);
            y += row_h;
        }
    }
    fprintf(f, "</g>\n");
}

/* The echo servers: a series is one server in one placement, in the order
 * measured; its color says the server, pale for two CPUs. */
struct series {
    const char *server, *where;
};
static int servers_series(const struct chart *c, struct series out[4])
{
    int n = 0;
    for (int i = 0; i < c->nsrv; i++) {
        bool known = false;
        for (int k = 0; k < n; k++)
            known |= strcmp(out[k].server, c->srv[i].server) == 0 && strcmp(out[k].where, c->srv[i].where) == 0;
        if (!known && n < 4)
            out[n++] = (struct series){c->srv[i].server, c->srv[i].where};
    }
    return n;
}
static const char *series_color(const struct series *s)
{
    static const char *const color[2][2] = {{"#228833", "#88cc99"}, {"#aa3377", "#dd99c4"}};
    return color[server_index(s->server)][strcmp(s->where, "cross") == 0];
}
static const char *series_words(const struct series *s)
{
    return strcmp(s->where, "cross") == 0 ? "the client on one CPU, the server on the other"
                                          : "client and server on one CPU";
}
static const struct server_result *server_figure(const struct chart *c, const struct series *s,
                                                 enum server_figure fig, int clients)
{
    for (int i = 0; i < c->nsrv; i++) {
        const struct server_result *r = &c->srv[i];
        if (strcmp(r->server, s->server) == 0 && strcmp(r->where, s->where) == 0 && r->figure == fig &&
            (fig != SERVER_LINES || r->clients == clients))
            return r;
    }
    return NULL;
}
#define SRV_ROW_H(nseries) (12.0 + (BAR_H + 3) * (nseries))

/* The time per connection and per round trip: a row per figure, a bar per
 * series (the median), a whisker to the p99, on a logarithmic axis. */
static void servers_time_panel(struct chart *c, double top)
{
    FILE *f = c->f;
    struct series ser[4];
    int nser = servers_series(c, ser);
    double left = LAT_LEFT, right = LAT_LEFT + LAT_W, bottom = top + 2 * SRV_ROW_H(nser);
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < c->nsrv; i++) {
        const struct server_result *r = &c->srv[i];
        if (r->skipped || r->figure == SERVER_LINES)
            continue;
        const double v[2] = {r->v[1], r->p99};
        for (int j = 0; j < 2; j++)
            if (drawable(v[j]))
                lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
    }
    if (hi == 0)
        lo = 1, hi = 10;
    struct axis x = {0, 0, left, right};
    decades(lo, hi, &x.lo, &x.hi);
    fprintf(f, "<g class=\"panel\" data-kind=\"servers-time\" data-left=\"%.2f\" data-right=\"%.2f\" "
               "data-top=\"%.2f\" data-bottom=\"%.2f\" data-x-min=\"%.6g\" data-x-max=\"%.6g\">\n",
            left, right, top, bottom, x.lo, x.hi);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">The echo servers of sockets/, "
               "run as programs, on a UNIX socket, a 64-byte line per message: median, whisker to the p99</text>\n"
               "<text x=\"%d\" y=\"%.1f\" font-size=\"11.5\" fill=\"#444\">server forks a child per client, "
               "pollserver serves them all from one ppoll loop; in brackets the p99 and the CPU time of all the "
               "server's processes, µs; every echo checked</text>\n",
            TP_LEFT, top - 72, TP_LEFT, top - 56);
    for (int s = 0; s < nser; s++) { /* two to a line */
        int line = s / 2;
        double lx = TP_LEFT + 420.0 * (s % 2), ly = top - 44 + 14.0 * line;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"%d\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11.5\">%s, %s</text>\n",
                lx, ly, BAR_H, series_color(&ser[s]), lx + 16, ly + 9, ser[s].server, series_words(&ser[s]));
    }
    time_frame(f, &x, left, top, bottom);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">time per connection "
               "(connect, a line, its echo, close) and per round trip (log scale)</text>\n",
            left + LAT_W / 2.0, bottom + 34);
    static const char *const row_name[] = {"a connection", "a round trip"};
    for (int fig = SERVER_CONNECT; fig <= SERVER_ROUND_TRIP; fig++) {
        double y = top + 6 + SRV_ROW_H(nser) * fig;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%s</text>\n", left - 8,
                y + (BAR_H + 3) * nser / 2.0 + 3, row_name[fig]);
        for (int s = 0; s < nser; s++) {
            const struct server_result *r = server_figure(c, &ser[s], (enum server_figure)fig, 1);
            double by = y + (BAR_H + 3) * s;
            if (r == NULL)
                continue;
            if (r->skipped || !drawable(r->v[1])) {
                fprintf(f, "<text class=\"skipped\" data-mech=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\">"
                           "%s, %s CPU: n/a (%s)</text>\n",
                        r->server, left + 4, by + 9, r->server, r->where,
                        r->skipped ? r->why : "not drawn on a log scale");
                continue;
            }
            double end = at(&x, r->v[1]), tip = end;
            fprintf(f, "<rect class=\"bar\" data-server=\"%s\" data-placement=\"%s\" data-figure=\"%s\" "
                       "data-value=\"%.3f\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s, "
                       "%s CPU, %s: %.2f µs, p99 %.2f µs</title></rect>\n",
                    r->server, r->where, figure_id[fig], r->v[1], left, by, end - left, BAR_H, series_color(&ser[s]),
                    r->server, r->where, row_name[fig], r->v[1], r->p99);
            if (drawable(r->p99)) {
                tip = at(&x, r->p99);
                fprintf(f, "<line class=\"p99\" data-server=\"%s\" data-placement=\"%s\" data-figure=\"%s\" "
                           "data-value=\"%.3f\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#333\"/>"
                           "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                        r->server, r->where, figure_id[fig], r->p99, end, by + BAR_H / 2.0, tip, by + BAR_H / 2.0,
                        tip, by + 1, tip, by + BAR_H - 1);
            }
            fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\">%.2f (p99 %.2f; CPU %.2f)</text>\n",
                    fmax(tip, end) + 4, by + 9, r->v[1], r->p99, r->cpu_us);
        }
    }
    fprintf(f, "</g>\n");
}

/* Lines per second against the clients at once, both axes logarithmic: a
 * line per series through its points; beside it, what each point cost. */
static void servers_lines_panel(struct chart *c, double top)
{
    FILE *f = c->f;
    struct series ser[4];
    int nser = servers_series(c, ser);
    double left = LAT_LEFT, right = LAT_LEFT + SRV_W, bottom = top + SRV_H;
    int clients[MAX_SIZES], nk = 0;
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < c->nsrv; i++) {
        const struct server_result *r = &c->srv[i];
        if (r->figure != SERVER_LINES)
            continue;
        int k = 0;
        while (k < nk && clients[k] < r->clients)
            k++;
        if ((k == nk || clients[k] != r->clients) && nk < MAX_SIZES) {
            memmove(&clients[k + 1], &clients[k], (size_t)(nk - k) * sizeof clients[0]);
            clients[k] = r->clients;
            nk++;
        }
        if (!r->skipped && drawable(r->v[1]))
            lo = fmin(lo, r->v[1]), hi = fmax(hi, r->v[1]);
    }
    if (nk == 0)
        return;
    if (hi == 0)
        lo = 1, hi = 10;
    struct axis x = {clients[0] / 2.0, clients[nk - 1] * 2.0, left, right}, y = {0, 0, bottom, top};
    decades(lo, hi, &y.lo, &y.hi);
    fprintf(f, "<g class=\"panel\" data-kind=\"servers-lines\" data-left=\"%.2f\" data-right=\"%.2f\" "
               "data-top=\"%.2f\" data-bottom=\"%.2f\" data-x-min=\"%.6g\" data-x-max=\"%.6g\" "
               "data-y-min=\"%.6g\" data-y-max=\"%.6g\">\n",
            left, right, top, bottom, x.lo, x.hi, y.lo, y.hi);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">Lines echoed per second with "
               "clients at once, each with a line in flight (the bench drives them all)</text>\n",
            TP_LEFT, top - 12);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", left,
            top, SRV_W, SRV_H);
    for (int e = (int)lround(log10(y.lo)); e <= (int)lround(log10(y.hi)); e++) {
        double v = pow(10, e), py = at(&y, v);
        char label[32];
        if (v >= 1e6)
            snprintf(label, sizeof label, "%g M", v / 1e6);
        else if (v >= 1e3)
            snprintf(label, sizeof label, "%g k", v / 1e3);
        else
            snprintf(label, sizeof label, "%g", v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n",
                left, py, right, py, left - 5, py + 4, label);
        for (int k = 2; k < 10 && v < y.hi; k++) {
            double pk = at(&y, v * k);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#f2f2f2\"/>\n", left, pk,
                    right, pk);
        }
    }
    for (int k = 0; k < nk; k++) {
        double px = at(&x, clients[k]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                   "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%d</text>\n",
                px, top, px, bottom, px, bottom + 15, clients[k]);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">clients at once (log "
               "scale)</text>\n<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" "
               "font-size=\"12\">lines/s, median (log scale)</text>\n",
            left + SRV_W / 2.0, bottom + 34, left - 62, top + SRV_H / 2.0);
    double ty = top + 4;
    for (int s = 0; s < nser; s++) {
        const char *color = series_color(&ser[s]);
        bool cross = strcmp(ser[s].where, "cross") == 0;
        fprintf(f, "<polyline class=\"line\" data-server=\"%s\" data-placement=\"%s\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"1.8\"%s points=\"",
                ser[s].server, ser[s].where, color, cross ? " stroke-dasharray=\"6 3\"" : "");
        for (int k = 0; k < nk; k++) {
            const struct server_result *r = server_figure(c, &ser[s], SERVER_LINES, clients[k]);
            if (r && !r->skipped && drawable(r->v[1]))
                fprintf(f, "%.2f,%.2f ", at(&x, r->clients), at(&y, r->v[1]));
        }
        fprintf(f, "\"/>\n");
        /* beside the panel: the series, then what each of its points cost */
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.8\"%s/>"
                   "<use xlink:href=\"#mk%d\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">%s, %s</text>\n",
                right + 30, ty + 6, right + 54, ty + 6, color, cross ? " stroke-dasharray=\"6 3\"" : "",
                server_index(ser[s].server), right + 42, ty + 6, color, right + 60, ty + 10, ser[s].server,
                series_words(&ser[s]));
        ty += 16;
        for (int k = 0; k < nk; k++) {
            const struct server_result *r = server_figure(c, &ser[s], SERVER_LINES, clients[k]);
            if (r == NULL)
                continue;
            if (r->skipped || !drawable(r->v[1])) {
                fprintf(f, "<text class=\"skipped\" data-mech=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"10.5\">"
                           "%d at once: n/a (%s)</text>\n",
                        r->server, right + 60, ty + 10, r->clients, r->skipped ? r->why : "not drawn on a log scale");
            } else {
                fprintf(f, "<use class=\"point\" xlink:href=\"#mk%d\" data-server=\"%s\" data-placement=\"%s\" "
                           "data-clients=\"%d\" data-value=\"%.3f\" x=\"%.2f\" y=\"%.2f\" fill=\"%s\"><title>%s, %s "
                           "CPU, %d at once: %.0f lines/s</title></use>\n",
                        server_index(r->server), r->server, r->where, r->clients, r->v[1], at(&x, r->clients),
                        at(&y, r->v[1]), color, r->server, r->where, r->clients, r->v[1]);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10.5\">%d at once: %.0f lines/s; CPU %.1f µs "
                           "a line; %d process%s",
                        right + 60, ty + 10, r->clients, r->v[1], r->cpu_us, r->processes,
                        r->processes == 1 ? "" : "es");
                if (r->pss_kib >= 0)
                    fprintf(f, ", Pss %.0f KiB", r->pss_kib);
                fprintf(f, "</text>\n");
            }
            ty += 14;
        }
        ty += 8;
    }
    fprintf(f, "</g>\n");
}

/* The height of the echo servers' part, 0 if none was measured: the time
 * panel with its headings and axis, then the lines panel or the text beside
 * it, whichever is taller. */
static double servers_height(const struct chart *c)
{
    struct series ser[4];
    int nser = servers_series(c, ser), nlines = 0;
    for (int i = 0; i < c->nsrv; i++)
        nlines += c->srv[i].figure == SERVER_LINES;
    double text = nser * (16 + 8) + nlines * 14.0;
    return nser == 0 ? 0 : 85 + 2 * SRV_ROW_H(nser) + 55 + 40 + fmax(SRV_H + 50, text + 20);
}

/* The chart draws what results.csv says: values rounded as there. */
static double as_in_csv(double v) { return round(v * 1000) / 1000; }

void write_chart(const char *path, const struct result *results, int nresults, const struct server_result *srv,
                 int nsrv, const struct limits *measured, const char *subtitle)
{
    struct result *rounded = malloc((size_t)(nresults > 0 ? nresults : 1) * sizeof *rounded);
    die_if(rounded == NULL, "malloc");
    for (int i = 0; i < nresults; i++) {
        rounded[i] = results[i];
        for (int k = 0; k < 3; k++)
            rounded[i].v[k] = as_in_csv(results[i].v[k]);
        rounded[i].p99 = as_in_csv(results[i].p99);
    }
    struct server_result *srv_rounded = malloc((size_t)(nsrv > 0 ? nsrv : 1) * sizeof *srv_rounded);
    die_if(srv_rounded == NULL, "malloc");
    for (int i = 0; i < nsrv; i++) {
        srv_rounded[i] = srv[i];
        for (int k = 0; k < 3; k++)
            srv_rounded[i].v[k] = as_in_csv(srv[i].v[k]);
        srv_rounded[i].p99 = as_in_csv(srv[i].p99);
    }
    struct limits limits = *measured, *lim = &limits;
    limits.memcpy_mbs = as_in_csv(measured->memcpy_mbs);
    limits.syscall_ns = as_in_csv(measured->syscall_ns);
    for (int w = 0; w < 2; w++)
        limits.bare_us[w] = as_in_csv(measured->bare_us[w]);

    struct chart c = {.res = rounded, .n = nresults, .srv = srv_rounded, .nsrv = nsrv, .lim = lim};
    collect(&c);
    double legend_x = TP_LEFT + lim->nwheres * (double)(TP_W + TP_GAP) - TP_GAP + 30;
    double width = fmax(LAT_LEFT + LAT_W + 150, legend_x + 300);
    double lat_top = TP_TOP + TP_H + 135;
    double lat_bottom = lat_top + latency_rows(&c) * (12 + (BAR_H + 3) * lim->nwheres);
    double srv_top = lat_bottom + 55 + 85;
    double height = lat_bottom + 55 + servers_height(&c);

    c.f = fopen(path, "w");
    die_if(c.f == NULL, "fopen %s", path);
    FILE *f = c.f;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
               "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
               "font-size=\"12\">\n",
            width, height, width, height);
    /* the point markers: circle, square, triangle, diamond */
    fprintf(f, "<defs>\n"
               "<path id=\"mk0\" d=\"M-4.5,0a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0z\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
               "<path id=\"mk1\" d=\"M-4,-4h8v8h-8z\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
               "<path id=\"mk2\" d=\"M0,-5.5L5,3.5H-5z\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
               "<path id=\"mk3\" d=\"M0,-5.5L5.5,0L0,5.5L-5.5,0z\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
               "</defs>\n");
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"30\" font-size=\"18\" font-weight=\"bold\">IPC between two processes: "
               "throughput and round trip of every mechanism</text>\n<text x=\"%d\" y=\"52\" fill=\"#444\">",
            TP_LEFT - 60, TP_LEFT - 60);
    put_escaped(f, subtitle);
    fprintf(f, "</text>\n");
    for (int w = 0; w < lim->nwheres; w++)
        throughput_panel(&c, w, TP_LEFT + w * (double)(TP_W + TP_GAP));
    legend(&c, legend_x, TP_TOP + 4);
    latency_panel(&c, lat_top);
    struct series ser[4];
    int nser = servers_series(&c, ser);
    if (nser > 0) {
        servers_time_panel(&c, srv_top);
        servers_lines_panel(&c, srv_top + 2 * SRV_ROW_H(nser) + 55 + 40);
    }
    fprintf(f, "</svg>\n");
    die_if(fclose(f) == EOF, "write %s", path);
    free(rounded);
    free(srv_rounded);
}

/* chart.c - results.svg: a bar chart of the run, written by the program. */
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "results.h"

static const char *human(size_t size)
{
    static char buf[32];
    if (size >= 1024 && size % 1024 == 0)
        snprintf(buf, sizeof buf, "%zu KiB", size / 1024);
    else
        snprintf(buf, sizeof buf, "%zu B", size);
    return buf;
}

/* Throughput at the largest size and the round trips, for the last
 * placement measured (cross CPU when there are two). */
void write_chart(const char *path, const struct result *res, int n, const struct limits *lim)
{
    const char *where = lim->where[lim->nwheres - 1];
    double memcpy_rate = lim->memcpy_mbs;
    size_t big = 0;
    for (int i = 0; i < n; i++)
        if (!res[i].is_latency && res[i].size > big)
            big = res[i].size;
    FILE *f = fopen(path, "w");
    die_if(f == NULL, "fopen %s", path);
    int rows = 0, lat_rows = 0;
    for (int i = 0; i < n; i++)
        if (!res[i].skipped && strcmp(res[i].where, where) == 0) {
            rows += !res[i].is_latency && res[i].size == big;
            lat_rows += res[i].is_latency;
        }
    int h = 60 + 22 * (rows + 1) + 40 + 22 * lat_rows + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\">Throughput at %s (%s CPU), MB/s; memcpy = %.0f</text>\n",
            human(big), where, memcpy_rate);
    int y = 40;
    double scale = 480 / memcpy_rate;
    fprintf(f, "<text x=\"10\" y=\"%d\">memcpy</text><rect x=\"110\" y=\"%d\" width=\"480\" height=\"16\" fill=\"#999\"/><text x=\"595\" y=\"%d\">%.0f</text>\n",
            y + 12, y, y + 12, memcpy_rate);
    y += 22;
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        if (r->is_latency || r->skipped || r->size != big || strcmp(r->where, where) != 0)
            continue;
        double w = r->v[1] * scale > 600 ? 600 : r->v[1] * scale;
        fprintf(f, "<text x=\"10\" y=\"%d\">%s</text><rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#4a7\"/><text x=\"%.1f\" y=\"%d\">%.0f</text>\n",
                y + 12, r->mech, y, w, 115 + w, y + 12, r->v[1]);
        y += 22;
    }
    y += 20;
    fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"14\">Round trip at 64 B (%s CPU), median µs</text>\n", y, where);
    y += 20;
    double maxlat = 1;
    for (int i = 0; i < n; i++)
        if (res[i].is_latency && !res[i].skipped && strcmp(res[i].where, where) == 0 && res[i].v[1] > maxlat)
            maxlat = res[i].v[1];
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        if (!r->is_latency || r->skipped || strcmp(r->where, where) != 0)
            continue;
        double w = r->v[1] / maxlat * 480;
        fprintf(f, "<text x=\"10\" y=\"%d\">%s</text><rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#47a\"/><text x=\"%.1f\" y=\"%d\">%.2f</text>\n",
                y + 12, r->mech, y, w, 115 + w, y + 12, r->v[1]);
        y += 22;
    }
    fprintf(f, "</svg>\n");
    die_if(fclose(f) == EOF, "write %s", path);
}

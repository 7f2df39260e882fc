/*
 * period_report_render.c — see period_report.h. The report document (preport_build) as a
 * printable Vietnamese administrative document and as CSV. Both walk the document's generic
 * shape (sections, figures, tables), so they render whatever sections it holds; every word
 * comes from the document or from the messages file (preport_*).
 *
 * The HTML follows the administrative layout (Nghị định 30/2020/NĐ-CP): the unit's name and
 * the national motto side by side, the number and the place and date, the title, numbered
 * sections and tables, and a signature block left blank, on A4 in Times New Roman (print
 * CSS). The CSV is UTF-8 with a BOM (Excel and LibreOffice then read Vietnamese right), every
 * field quoted, CRLF line ends, numbers with a decimal point.
 */
#include "handlers/period_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ------------------------------------------------------------------------------- */

/* A value as people read it: an integer, a decimal (comma or point), "< 3", or the text for
 * "no data". */
static void render_value(const struct hctx *ctx, const json_t *v, char decimal, char *out,
                         size_t size)
{
    if (json_is_integer(v)) {
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(out, size, "%.1f", json_real_value(v));
        char *dot = strchr(out, '.');
        if (dot)
            *dot = decimal;
    } else if (json_is_string(v)) {
        snprintf(out, size, "%s", json_string_value(v));
    } else {
        const char *none = texts_get(ctx->texts, "preport_no_data");
        snprintf(out, size, "%s", decimal == ',' && none ? none : "");
    }
}

static const char *render_unit(const struct hctx *ctx, const char *unit)
{
    char name[48];
    snprintf(name, sizeof name, "preport_unit_%s", unit ? unit : "count");
    const char *s = texts_get(ctx->texts, name);
    return s ? s : "";
}

static const char *render_get(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* ---- HTML ----------------------------------------------------------------------------------- */

static void render_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
            fputs("<br>", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* The named text rendered with vars, escaped. */
static void render_text(FILE *f, const struct hctx *ctx, const char *name,
                        const struct texts_var *vars, size_t n)
{
    char *s = texts_render(ctx->texts, name, vars, n);
    render_esc(f, s ? s : "");
    free(s);
}

static const char render_css[] =
    "@page{size:A4;margin:20mm 15mm 20mm 30mm}"
    "body{font-family:'Times New Roman',Times,serif;font-size:13pt;line-height:1.35;color:#000;"
    "background:#fff;max-width:170mm;margin:0 auto;padding:8mm 0}"
    "table{border-collapse:collapse;width:100%}"
    ".heading td{vertical-align:top;text-align:center;border:none;padding:0 2mm}"
    ".heading .unit{width:42%;font-weight:bold;text-transform:uppercase}"
    ".heading .state{font-weight:bold}.heading .motto{font-weight:bold}"
    ".heading .rule{width:40%;margin:1mm auto 2mm;border-top:1px solid #000}"
    ".heading .date{font-style:italic;text-align:right;padding-top:3mm}"
    "h1{font-size:14pt;text-align:center;margin:8mm 0 1mm;text-transform:uppercase}"
    ".period{text-align:center;font-weight:bold;margin:0 0 4mm}"
    ".meta{margin:1mm 0;text-indent:10mm}"
    "h2{font-size:13pt;margin:6mm 0 2mm}h3{font-size:13pt;font-style:italic;margin:4mm 0 2mm;"
    "font-weight:normal}"
    ".data th,.data td{border:1px solid #000;padding:1mm 2mm;vertical-align:top}"
    ".data th{text-align:center;font-weight:bold}.data td.n{text-align:right;white-space:nowrap}"
    ".data thead{display:table-header-group}.data tr{page-break-inside:avoid}"
    ".note{font-style:italic;font-size:11pt;margin-top:5mm}"
    ".sign{margin-top:8mm;page-break-inside:avoid}.sign td{border:none;vertical-align:top}"
    ".sign .to{width:50%;font-size:11pt}.sign .who{text-align:center}"
    ".sign .space{height:28mm}"
    "@media print{body{padding:0;max-width:none}.noprint{display:none}}";

static void render_heading(FILE *f, const struct hctx *ctx, const json_t *doc)
{
    const char *at = render_get(doc, "generated_at"); /* "2026-12-05T18:00:00+07:00" */
    char y[8] = "", m[4] = "", d[4] = "";
    if (strlen(at) >= 10) {
        snprintf(y, sizeof y, "%.4s", at);
        snprintf(m, sizeof m, "%.2s", at + 5);
        snprintf(d, sizeof d, "%.2s", at + 8);
    }
    struct texts_var date[] = {{"day", d}, {"month", m}, {"year", y}};
    fputs("<table class=\"heading\"><tr><td class=\"unit\">", f);
    render_esc(f, render_get(doc, "ward"));
    fputs("<div class=\"rule\"></div><div style=\"font-weight:normal;text-transform:none\">", f);
    render_text(f, ctx, "preport_html_number", NULL, 0);
    fputs("</div></td><td><div class=\"state\">", f);
    render_text(f, ctx, "preport_html_state", NULL, 0);
    fputs("</div><div class=\"motto\">", f);
    render_text(f, ctx, "preport_html_motto", NULL, 0);
    fputs("</div><div class=\"rule\"></div><div class=\"date\">", f);
    render_text(f, ctx, "preport_html_date", date, 3);
    fputs("</div></td></tr></table>\n", f);
}

/* "01/01/2026" from "2026-01-01". */
static void render_day(const char *iso, char *out, size_t size)
{
    if (strlen(iso) == 10)
        snprintf(out, size, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, size, "%s", iso);
}

static void render_intro(FILE *f, const struct hctx *ctx, const json_t *doc)
{
    const json_t *period = json_object_get(doc, "period"), *prev = json_object_get(doc, "previous");
    const json_t *area = json_object_get(doc, "area");
    char from[16], to[16], pfrom[16], pto[16];
    render_day(render_get(period, "from"), from, sizeof from);
    render_day(render_get(period, "to"), to, sizeof to);
    render_day(render_get(prev, "from"), pfrom, sizeof pfrom);
    render_day(render_get(prev, "to"), pto, sizeof pto);
    fputs("<h1>", f);
    render_esc(f, render_get(doc, "title"));
    fputs("</h1>\n<p class=\"period\">", f);
    render_esc(f, render_get(period, "label"));
    fputs("</p>\n<p class=\"meta\">", f);
    struct texts_var pv[] = {{"period", render_get(period, "label")}, {"from", from}, {"to", to}};
    render_text(f, ctx, "preport_html_period", pv, 3);
    fputs("</p>\n", f);
    if (json_is_object(area)) {
        struct texts_var av[] = {{"area", render_get(area, "name")}};
        fputs("<p class=\"meta\">", f);
        render_text(f, ctx, "preport_html_area", av, 1);
        fputs("</p>\n", f);
    }
    struct texts_var yv[] = {{"from", pfrom}, {"to", pto}};
    fputs("<p class=\"meta\">", f);
    render_text(f, ctx,
                json_is_true(json_object_get(prev, "has_data")) ? "preport_html_previous"
                                                                : "preport_html_no_previous",
                yv, 2);
    fputs("</p>\n", f);
}

static void render_cell(FILE *f, const struct hctx *ctx, const json_t *v)
{
    char text[64];
    render_value(ctx, v, ',', text, sizeof text);
    fputs("<td class=\"n\">", f);
    render_esc(f, text);
    fputs("</td>", f);
}

static void render_figures(FILE *f, const struct hctx *ctx, const json_t *figs)
{
    size_t i;
    json_t *fig;
    if (!json_array_size(figs))
        return;
    static const char *const head[] = {"preport_col_figure", "preport_col_unit", "preport_col_now",
                                       "preport_col_previous", "preport_col_target"};
    fputs("<table class=\"data figures\"><thead><tr>", f);
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++) {
        fputs("<th>", f);
        render_esc(f, texts_get(ctx->texts, head[k]));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    json_array_foreach(figs, i, fig)
    {
        fprintf(f, "<tr data-id=\"%s\"><td>", render_get(fig, "id"));
        render_esc(f, render_get(fig, "label"));
        fputs("</td><td>", f);
        render_esc(f, render_unit(ctx, render_get(fig, "unit")));
        fputs("</td>", f);
        render_cell(f, ctx, json_object_get(fig, "value"));
        render_cell(f, ctx, json_object_get(fig, "previous"));
        if (json_is_null(json_object_get(fig, "target")))
            fputs("<td></td>", f);
        else
            render_cell(f, ctx, json_object_get(fig, "target"));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void render_table(FILE *f, const struct hctx *ctx, const json_t *t, int section, int n)
{
    size_t i;
    json_t *col, *row;
    fprintf(f, "<h3>%d.%d. ", section, n);
    render_esc(f, render_get(t, "title"));
    if (strcmp(render_get(t, "unit"), "count") != 0) {
        fputs(" (", f);
        render_esc(f, render_unit(ctx, render_get(t, "unit")));
        fputs(")", f);
    }
    fprintf(f, "</h3>\n<table class=\"data\" data-id=\"%s\"><thead><tr>", render_get(t, "id"));
    json_array_foreach(json_object_get(t, "columns"), i, col)
    {
        fputs("<th>", f);
        render_esc(f, json_string_value(col));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    json_array_foreach(json_object_get(t, "rows"), i, row)
    {
        fputs("<tr><td>", f);
        render_esc(f, render_get(row, "label"));
        fputs("</td>", f);
        render_cell(f, ctx, json_object_get(row, "value"));
        render_cell(f, ctx, json_object_get(row, "previous"));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void render_sign(FILE *f, const struct hctx *ctx, const json_t *doc)
{
    struct texts_var tv[] = {{"time", render_get(doc, "generated_at")}};
    fputs("<p class=\"note\">", f);
    render_text(f, ctx, "preport_html_note", tv, 1);
    fputs("</p>\n<table class=\"sign\"><tr><td class=\"to\"><b><i>", f);
    render_text(f, ctx, "preport_html_recipients", NULL, 0);
    fputs("</i></b><br>", f);
    render_text(f, ctx, "preport_html_recipients_lines", NULL, 0);
    fputs("</td><td class=\"who\"><b>", f);
    render_text(f, ctx, "preport_html_signer", NULL, 0);
    fputs("</b><br><i>", f);
    render_text(f, ctx, "preport_html_sign_hint", NULL, 0);
    fputs("</i><div class=\"space\"></div></td></tr></table>\n", f);
}

int preport_html(const struct hctx *ctx, const json_t *doc, char **out)
{
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    size_t i;
    json_t *sec;
    if (!f) {
        *out = NULL;
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\"><title>",
          f);
    render_esc(f, render_get(doc, "title"));
    fputs(" — ", f);
    render_esc(f, render_get(json_object_get(doc, "period"), "label"));
    fprintf(f, "</title><style>%s</style></head><body>\n", render_css);
    render_heading(f, ctx, doc);
    render_intro(f, ctx, doc);
    json_array_foreach(json_object_get(doc, "sections"), i, sec)
    {
        fprintf(f, "<section data-id=\"%s\"><h2>%zu. ", render_get(sec, "id"), i + 1);
        render_esc(f, render_get(sec, "title"));
        fputs("</h2>\n", f);
        render_figures(f, ctx, json_object_get(sec, "figures"));
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(sec, "tables"), k, t)
            render_table(f, ctx, t, (int)i + 1, (int)k + 1);
        fputs("</section>\n", f);
    }
    render_sign(f, ctx, doc);
    fputs("</body></html>\n", f);
    if (fclose(f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static void render_csv_field(FILE *f, const char *s, int last)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputs(last ? "\"\r\n" : "\",", f);
}

static void render_csv_value(FILE *f, const struct hctx *ctx, const json_t *v, int last)
{
    char text[64];
    render_value(ctx, v, '.', text, sizeof text);
    render_csv_field(f, text, last);
}

int preport_csv(const struct hctx *ctx, const json_t *doc, char **out)
{
    static const char *const head[] = {"preport_col_section",  "preport_col_figure",
                                       "preport_col_unit",     "preport_col_now",
                                       "preport_col_previous", "preport_col_target"};
    size_t len = 0, i, k, r;
    FILE *f = open_memstream(out, &len);
    json_t *sec, *fig, *t, *row;
    if (!f) {
        *out = NULL;
        return -1;
    }
    fputs("\xEF\xBB\xBF", f);
    for (k = 0; k < sizeof head / sizeof head[0]; k++)
        render_csv_field(f, texts_get(ctx->texts, head[k]), k + 1 == sizeof head / sizeof head[0]);
    json_array_foreach(json_object_get(doc, "sections"), i, sec)
    {
        const char *title = render_get(sec, "title");
        json_array_foreach(json_object_get(sec, "figures"), k, fig)
        {
            render_csv_field(f, title, 0);
            render_csv_field(f, render_get(fig, "label"), 0);
            render_csv_field(f, render_unit(ctx, render_get(fig, "unit")), 0);
            render_csv_value(f, ctx, json_object_get(fig, "value"), 0);
            render_csv_value(f, ctx, json_object_get(fig, "previous"), 0);
            render_csv_value(f, ctx, json_object_get(fig, "target"), 1);
        }
        json_array_foreach(json_object_get(sec, "tables"), k, t)
        {
            json_array_foreach(json_object_get(t, "rows"), r, row)
            {
                size_t n = strlen(render_get(t, "title")) + strlen(render_get(row, "label")) + 8;
                char *label = malloc(n);
                if (label)
                    snprintf(label, n, "%s: %s", render_get(t, "title"), render_get(row, "label"));
                render_csv_field(f, title, 0);
                render_csv_field(f, label ? label : "", 0);
                render_csv_field(f, render_unit(ctx, render_get(t, "unit")), 0);
                render_csv_value(f, ctx, json_object_get(row, "value"), 0);
                render_csv_value(f, ctx, json_object_get(row, "previous"), 0);
                render_csv_field(f, "", 1);
                free(label);
            }
        }
    }
    if (fclose(f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

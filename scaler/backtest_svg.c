/*
 * backtest_svg.c — the plot of a backtest (see backtest.h): one
 * self-contained SVG 1.1 document, no script, no external reference.
 *
 *   top:    the measured per-task mean and the simulated per-task figure
 *           of each metric the rule uses, in percent of the limit, with
 *           the rule's thresholds (threshold mode) or its target band
 *           (target * (1 +- tolerance), target mode);
 *   bottom: actual and simulated running instances, and a marker for
 *           every simulated scale (up green, down red).
 *
 * Steps are folded into at most PLOT_W columns: a figure's mean, an
 * instance count's maximum (a short peak stays visible).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/backtest.h"

#define SVG_W    1000
#define SVG_H    600
#define PLOT_X   70
#define PLOT_W   880
#define TOP_Y    50
#define TOP_H    250
#define BOT_Y    350
#define BOT_H    190

/* Colours of the metrics: measured (light), simulated (dark). */
static const char *const metric_name[2] = { "cpu", "mem" };
static const char *const col_meas[2] = { "#9ecae1", "#fdae6b" };
static const char *const col_sim[2] = { "#08519c", "#a63603" };

struct plot {
	const struct backtest_trace  *tr;
	const struct backtest_result *res;
	struct buf                   *out;
	size_t                        cols;
	double                        ymax;    /* top panel, percent */
	int                           nmax;    /* bottom panel, instances */
	int                           rc;
};

static double
col_x(const struct plot *p, double c)
{
	return PLOT_X + (p->cols > 1 ? c * PLOT_W / (double)(p->cols - 1) :
	    PLOT_W / 2.0);
}

static double
pct_y(const struct plot *p, double v)
{
	return TOP_Y + TOP_H - v / p->ymax * TOP_H;
}

static double
inst_y(const struct plot *p, double n)
{
	return BOT_Y + BOT_H - n / p->nmax * BOT_H;
}

static void
col_range(const struct plot *p, size_t c, size_t *a, size_t *b)
{
	size_t n = p->tr->nsteps;

	*a = c * n / p->cols;
	*b = (c + 1) * n / p->cols;
	if (*b <= *a)
		*b = *a + 1;
}

/* The mean of the non-NAN values of v over column c, or NAN. */
static double
col_mean(const struct plot *p, const float *v, size_t c)
{
	size_t a, b, i, k = 0;
	double sum = 0;

	col_range(p, c, &a, &b);
	for (i = a; i < b; i++)
		if (!isnan(v[i])) {
			sum += v[i];
			k++;
		}
	return k ? sum / k : NAN;
}

static int
col_max(const struct plot *p, const int32_t *v, size_t c)
{
	size_t a, b, i;
	int m = 0;

	col_range(p, c, &a, &b);
	for (i = a; i < b; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void
put(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct plot *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	p->rc |= buf_vprintf(p->out, fmt, ap);
	va_end(ap);
}

/* One figure series as a path, broken where there is no figure. */
static void
figure_path(struct plot *p, const float *v, const char *colour,
    double width, const char *dash)
{
	size_t c;
	int pen = 0;

	put(p, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s "
	    "d=\"", colour, width, dash ? " stroke-dasharray=\"" : "",
	    dash ? dash : "", dash ? "\"" : "");
	for (c = 0; c < p->cols; c++) {
		double y = col_mean(p, v, c);

		if (isnan(y)) {
			pen = 0;
			continue;
		}
		if (y > p->ymax)
			y = p->ymax;
		put(p, "%s%.1f %.1f", pen ? " L" : " M", col_x(p, (double)c),
		    pct_y(p, y));
		pen = 1;
	}
	put(p, "\"/>\n");
}

/* An instance count as a step line. */
static void
count_path(struct plot *p, const int32_t *v, const char *colour,
    double width)
{
	size_t c;

	put(p, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" d=\"",
	    colour, width);
	for (c = 0; c < p->cols; c++) {
		double y = inst_y(p, col_max(p, v, c));

		if (c == 0)
			put(p, "M%.1f %.1f", col_x(p, 0), y);
		else
			put(p, " H%.1f V%.1f", col_x(p, (double)c), y);
	}
	put(p, "\"/>\n");
}

static void
hline(struct plot *p, double y, const char *colour, const char *label)
{
	put(p, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"%s\" stroke-dasharray=\"6 4\"/>\n<text x=\"%d\" "
	    "y=\"%.1f\" font-size=\"11\" fill=\"%s\" text-anchor=\"end\">%s"
	    "</text>\n", PLOT_X, PLOT_X + PLOT_W, y, y, colour,
	    PLOT_X + PLOT_W, y - 3, colour, label);
}

/* The rule's lines (threshold) or band (target) for each metric. */
static void
rule_marks(struct plot *p, const struct rule *r)
{
	const struct rules_metric *mm[2] = { &r->cpu, &r->mem };
	char label[64];
	int m;

	for (m = 0; m < 2; m++) {
		double lo, hi;

		if (!mm[m]->enabled)
			continue;
		if (r->mode == RULES_MODE_THRESHOLD) {
			snprintf(label, sizeof(label), "%s above %g",
			    metric_name[m], mm[m]->above);
			hline(p, pct_y(p, fmin(mm[m]->above, p->ymax)),
			    "#cb181d", label);
			snprintf(label, sizeof(label), "%s below %g",
			    metric_name[m], mm[m]->below);
			hline(p, pct_y(p, mm[m]->below), "#238b45", label);
			continue;
		}
		hi = fmin(mm[m]->target * (1 + r->tolerance), p->ymax);
		lo = mm[m]->target * (1 - r->tolerance);
		put(p, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
		    "fill=\"%s\" fill-opacity=\"0.15\"/>\n", PLOT_X,
		    pct_y(p, hi), PLOT_W, pct_y(p, lo) - pct_y(p, hi),
		    col_sim[m]);
		snprintf(label, sizeof(label), "%s target %g +- %g %%",
		    metric_name[m], mm[m]->target, r->tolerance * 100);
		hline(p, pct_y(p, fmin(mm[m]->target, p->ymax)), col_sim[m],
		    label);
	}
}

static void
axes(struct plot *p)
{
	char ts[RFC3339_MAX];
	int k;

	put(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#444\"/>\n<rect x=\"%d\" y=\"%d\" "
	    "width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
	    PLOT_X, TOP_Y, PLOT_W, TOP_H, PLOT_X, BOT_Y, PLOT_W, BOT_H);
	/* Percent every 25, instances in quarters (nmax is a multiple
	 * of 4, see scales()). */
	for (k = 0; k * 25 <= (int)p->ymax; k++)
		put(p, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
		    "text-anchor=\"end\">%d %%</text>\n<line x1=\"%d\" "
		    "x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
		    PLOT_X - 4, pct_y(p, k * 25) + 4, k * 25, PLOT_X,
		    PLOT_X + PLOT_W, pct_y(p, k * 25), pct_y(p, k * 25));
	for (k = 0; k <= 4; k++) {
		int n = p->nmax * k / 4;
		int64_t t = p->tr->from_s + (p->tr->to_s - p->tr->from_s) *
		    k / 4;

		put(p, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
		    "text-anchor=\"end\">%d</text>\n", PLOT_X - 4,
		    inst_y(p, n) + 4, n);
		rfc3339_format(ts, sizeof(ts), t * 1000000000, 0);
		put(p, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"%s\">%s</text>\n", PLOT_X + PLOT_W * k / 4.0,
		    BOT_Y + BOT_H + 16, k == 0 ? "start" : k == 4 ? "end" :
		    "middle", ts);
	}
}

static void
markers(struct plot *p)
{
	const struct backtest_trace *tr = p->tr;
	size_t i;

	for (i = 0; i < p->res->nevents; i++) {
		const struct policy_decision *d = &p->res->events[i].d;
		/* The step the decision closed, in its column. */
		size_t st = (size_t)((d->time_s - tr->from_s) / tr->step_s) - 1;
		double x = col_x(p, (double)(st * p->cols / tr->nsteps));
		double y = inst_y(p, d->desired);
		int up = d->desired > d->current;

		put(p, "<path d=\"M%.1f %.1f l-5 %d h10 z\" fill=\"%s\">"
		    "<title>%d -&gt; %d</title></path>\n", x, y, up ? 9 : -9,
		    up ? "#238b45" : "#cb181d", d->current, d->desired);
	}
}

static void
legend(struct plot *p, const struct rule *r)
{
	const struct rules_metric *mm[2] = { &r->cpu, &r->mem };
	int m, x = PLOT_X;

	for (m = 0; m < 2; m++) {
		if (!mm[m]->enabled)
			continue;
		put(p, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">"
		    "%s measured (mean per task)</text>\n", x, TOP_Y - 8,
		    col_meas[m], metric_name[m]);
		put(p, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">"
		    "%s simulated</text>\n", x + 210, TOP_Y - 8, col_sim[m],
		    metric_name[m]);
		x += 340;
	}
	put(p, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#777\">"
	    "actual instances</text>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" "
	    "fill=\"#08519c\">simulated instances</text>\n<text x=\"%d\" "
	    "y=\"%d\" font-size=\"12\">(markers: simulated scale up / down)"
	    "</text>\n", PLOT_X, BOT_Y - 8, PLOT_X + 130, BOT_Y - 8,
	    PLOT_X + 290, BOT_Y - 8);
}

/* The largest figure plotted, at least 100 %, in steps of 25. */
static void
scales(struct plot *p, const struct rule *r)
{
	const struct backtest_result *res = p->res;
	size_t i;
	int m;

	p->ymax = 100;
	p->nmax = r->max_instances > 1 ? r->max_instances : 1;
	for (i = 0; i < p->tr->nsteps; i++) {
		for (m = 0; m < 2; m++) {
			if (res->measured[m][i] > p->ymax)
				p->ymax = res->measured[m][i];
			if (res->simulated[m][i] > p->ymax)
				p->ymax = res->simulated[m][i];
		}
		if (res->actual[i] > p->nmax)
			p->nmax = res->actual[i];
	}
	p->ymax = ceil(p->ymax / 25) * 25;
	p->nmax = (p->nmax + 3) / 4 * 4;
}

static void
esc_text(struct plot *p, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			put(p, "&lt;");
		else if (*s == '>')
			put(p, "&gt;");
		else if (*s == '&')
			put(p, "&amp;");
		else
			p->rc |= buf_putc(p->out, *s);
	}
}

int
backtest_to_svg(const struct rule *r, const struct backtest_trace *tr,
    const struct backtest_result *res, struct buf *out)
{
	const struct rules_metric *mm[2] = { &r->cpu, &r->mem };
	struct plot p;
	int m;

	memset(&p, 0, sizeof(p));
	p.tr = tr;
	p.res = res;
	p.out = out;
	p.cols = tr->nsteps < PLOT_W ? tr->nsteps : PLOT_W;
	scales(&p, r);
	put(&p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\""
	    "http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">"
	    "\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	    "<text x=\"%d\" y=\"22\" font-size=\"14\">backtest of ",
	    SVG_W, SVG_H, SVG_W, SVG_H, PLOT_X);
	esc_text(&p, r->app_id);
	put(&p, " (%s mode, step %llds): %d up, %d down; %.1f simulated vs "
	    "%.1f actual instance-hours</text>\n", rules_mode_str(r->mode),
	    (long long)tr->step_s, res->sum.scale_ups, res->sum.scale_downs,
	    res->sum.instance_hours_simulated,
	    res->sum.instance_hours_actual);
	axes(&p);
	rule_marks(&p, r);
	for (m = 0; m < 2; m++)
		if (mm[m]->enabled) {
			figure_path(&p, res->measured[m], col_meas[m], 1.5,
			    NULL);
			figure_path(&p, res->simulated[m], col_sim[m], 1.5,
			    m == 1 ? "4 2" : NULL);
		}
	count_path(&p, res->actual, "#777", 2.5);
	count_path(&p, res->sim, "#08519c", 1.5);
	markers(&p);
	legend(&p, r);
	put(&p, "</svg>\n");
	return p.rc != 0 ? -1 : 0;
}

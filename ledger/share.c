/*
 * The sourced-share computation. Every share is a sum of chain weights,
 * where a chain is one path from an origin lot to the product and its weight
 * is its part of the product's element mass. Rather than enumerate chains,
 * which grow exponentially with merges, one pass visits the nodes from the
 * product back to the origins (trace order), pushing down each node:
 *   W   the weight of all paths from the node to the product;
 *   Wp  the weight of those on which every processing step is in the
 *       processing region (the all-steps rule);
 *   Wn  the weight of those with no processing step by a foreign entity of
 *       concern;
 * and, where steps record value added, the distribution of the paths'
 * value-added balance (in region minus outside), since the half-the-value
 * rule depends on a sum along the chain, not on each step alone. At each
 * origin these give the shares of the chains that start there. A transform
 * splits a node's weight among its inputs by the element mass each gave.
 */
#include "share_int.h"

#include "error_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct vec {
	void *items;
	size_t n, cap, size;
} vec;

static int vec_push(vec *v, const void *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		void *grown = realloc(v->items, cap * v->size);

		if (grown == NULL)
			return MLEDGER_NOMEM();
		v->items = grown;
		v->cap = cap;
	}
	memcpy((char *)v->items + v->n * v->size, item, v->size);
	v->n++;
	return 0;
}

static int va_cmp(const void *a, const void *b)
{
	const va_state *x = a, *y = b;

	if (x->balance != y->balance)
		return x->balance < y->balance ? -1 : 1;
	return (int)x->all_in - (int)y->all_in;
}

static int al_cmp(const void *a, const void *b)
{
	const al_state *x = a, *y = b;

	if (x->smelt != y->smelt)
		return x->smelt - y->smelt;
	return x->cast - y->cast;
}

/* Sort and merge equal states so each node holds each state once. */
static void compact(vec *v, int (*cmp)(const void *, const void *),
		    size_t woff)
{
	char *items = v->items;
	size_t out = 0;

	if (v->n < 2)
		return;
	qsort(items, v->n, v->size, cmp);
	for (size_t i = 1; i < v->n; i++) {
		char *a = items + out * v->size, *b = items + i * v->size;

		if (cmp(a, b) == 0) {
			double wa, wb;

			memcpy(&wa, a + woff, sizeof(wa));
			memcpy(&wb, b + woff, sizeof(wb));
			wa += wb;
			memcpy(a + woff, &wa, sizeof(wa));
		} else if (++out != i) {
			memcpy(items + out * v->size, b, v->size);
		}
	}
	v->n = out + 1;
}

static uint32_t ppm_of(const mledger_trace_node *n, const char *sym)
{
	for (size_t i = 0; i < n->ncontent; i++)
		if (strcmp(n->content[i].symbol, sym) == 0)
			return n->content[i].ppm;
	return 0;
}

static bool is_origin(const mledger_trace_node *n)
{
	return n->kind == MLEDGER_NODE_REGISTERED ||
	       n->stage == MLEDGER_STAGE_RECYCLING;
}

static bool is_processing(const mledger_trace_node *n)
{
	return n->kind == MLEDGER_NODE_TRANSFORMED &&
	       n->stage != MLEDGER_STAGE_SPLIT &&
	       n->stage != MLEDGER_STAGE_MERGE &&
	       n->stage != MLEDGER_STAGE_RECYCLING;
}

static bool recycled_origin(const mledger_trace_node *n)
{
	return n->kind == MLEDGER_NODE_TRANSFORMED ||
	       n->origin == MLEDGER_ORIGIN_RECYCLING;
}

static int16_t country_index(const char cc[3])
{
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return -1;
	return (int16_t)((cc[0] - 'A') * 26 + (cc[1] - 'A'));
}

/* Per element, the running sums at origins. */
typedef struct sums {
	mledger_shares mass;      /* weights */
	mledger_shares value;     /* value-weighted, not yet divided */
	double value_total;
	bool value_missing;
	double al_primary;
	double *smelt;            /* by country index, of primary */
	double *cast;
} sums;

typedef struct pass {
	const mledger_trace *t;
	const mledger_policy *p;
	size_t n;
	double *W, *Wp, *Wn;
	vec *va;                  /* per node, va_state */
	vec *al;                  /* per node, al_state (aluminium only) */
	bool track_va, track_al;
	bool *feoc;               /* per node: step by a foreign entity */
	double *reach;            /* per node: product mass through it */
	size_t *parent;           /* per node: heaviest consumer */
	double *parent_score;
	/*
	 * Per node, its ppm of the element of this pass: read once, in order,
	 * so that the push from a node to its inputs reads a small array and
	 * not the inputs' nodes, scattered over a large trace.
	 */
	uint32_t *ppm;
} pass;

static void add_origin(pass *ps, sums *s, size_t i, const char *sym,
		      double pm)
{
	const mledger_trace_node *o = mledger_trace_node_at(ps->t, i);
	const mledger_policy *p = ps->p;
	bool rec_any = recycled_origin(o);
	bool ext = !rec_any && mledger_country_in(&p->extraction, o->country);
	bool rec = rec_any && mledger_country_in(&p->recycling, o->country);
	bool secondary = rec_any || o->secondary;
	double W = ps->W[i], pw = ps->Wp[i];
	mledger_shares c;

	/* Chains whose steps all record value added follow the value rule. */
	if (ps->track_va) {
		const va_state *st = ps->va[i].items;

		for (size_t k = 0; k < ps->va[i].n; k++) {
			if (st[k].all_in)
				pw -= st[k].w;
			if (st[k].balance >= 0)
				pw += st[k].w;
		}
	}
	memset(&c, 0, sizeof(c));
	c.extracted = ext ? W : 0;
	c.recycled = rec ? W : 0;
	c.processed = pw;
	c.sourced = ext || rec ? pw : 0;
	c.unknown_origin = strcmp(o->country, "ZZ") == 0 ? W : 0;
	c.feoc = W - (ps->feoc[i] ? 0 : ps->Wn[i]);
	c.secondary = secondary ? W : 0;
	c.qualifying = p->qualifying_any ? (ext || rec ? W : pw)
					 : (ext || rec ? pw : 0);

	s->mass.extracted += c.extracted;
	s->mass.recycled += c.recycled;
	s->mass.processed += c.processed;
	s->mass.sourced += c.sourced;
	s->mass.unknown_origin += c.unknown_origin;
	s->mass.feoc += c.feoc;
	s->mass.secondary += c.secondary;
	s->mass.qualifying += c.qualifying;

	/*
	 * By value: a chain is worth the value of the origin lot's material it
	 * carries into the product, priced at the origin lot's value per gram
	 * of its listed element content.
	 */
	if (o->has_value) {
		double content = 0, k;

		for (size_t e = 0; e < o->ncontent; e++)
			content += (double)o->content[e].ppm;
		k = (double)o->value_cents /
		    ((double)o->mass_g * content / MLEDGER_PPM) * pm;
		s->value.extracted += k * c.extracted;
		s->value.recycled += k * c.recycled;
		s->value.processed += k * c.processed;
		s->value.sourced += k * c.sourced;
		s->value.unknown_origin += k * c.unknown_origin;
		s->value.feoc += k * c.feoc;
		s->value.secondary += k * c.secondary;
		s->value.qualifying += k * c.qualifying;
		s->value_total += k * W;
	} else if (W > 0) {
		s->value_missing = true;
	}

	if (ps->track_al && strcmp(sym, "Al") == 0) {
		const al_state *st = ps->al[i].items;

		for (size_t k = 0; k < ps->al[i].n; k++) {
			if (!secondary && st[k].smelt >= 0)
				s->smelt[st[k].smelt] += st[k].w;
			if (st[k].cast >= 0)
				s->cast[st[k].cast] += st[k].w;
		}
		if (!secondary)
			s->al_primary += W;
	}
}

/* Push node i's weights down to its inputs for the pass's element. */
static int push(pass *ps, size_t i, double pm)
{
	const mledger_trace_node *nd = mledger_trace_node_at(ps->t, i);
	const mledger_policy *p = ps->p;
	bool proc = is_processing(nd);
	bool in_region = mledger_country_in(&p->processing, nd->country);
	bool pass_p = !proc || in_region, pass_n = !proc || !ps->feoc[i];
	double denom = 0;
	int error;

	for (size_t k = 0; k < nd->ninputs; k++)
		denom += (double)nd->inputs[k].mass_g * ps->ppm[nd->inputs[k].node];
	if (denom <= 0)
		return 0;
	if (ps->track_va)
		compact(&ps->va[i], va_cmp, offsetof(va_state, w));
	if (ps->track_al)
		compact(&ps->al[i], al_cmp, offsetof(al_state, w));
	for (size_t k = 0; k < nd->ninputs; k++) {
		size_t in = nd->inputs[k].node;
		double f = (double)nd->inputs[k].mass_g * ps->ppm[in] / denom;
		double score;

		if (f <= 0)
			continue;
		ps->W[in] += ps->W[i] * f;
		ps->Wp[in] += pass_p ? ps->Wp[i] * f : 0;
		ps->Wn[in] += pass_n ? ps->Wn[i] * f : 0;
		score = ps->W[i] * f * pm;
		ps->reach[in] += score;
		if (score > ps->parent_score[in]) {
			ps->parent_score[in] = score;
			ps->parent[in] = i;
		}
		if (ps->track_va && (!proc || nd->has_value_added)) {
			const va_state *st = ps->va[i].items;

			for (size_t s = 0; s < ps->va[i].n; s++) {
				va_state x = st[s];

				x.w *= f;
				if (proc) {
					int64_t va = (int64_t)nd->value_added_cents;

					x.balance += in_region ? va : -va;
					x.all_in = x.all_in && in_region;
				}
				if ((error = vec_push(&ps->va[in], &x)) < 0)
					return error;
			}
		}
		if (ps->track_al) {
			const al_state *st = ps->al[i].items;

			for (size_t s = 0; s < ps->al[i].n; s++) {
				al_state x = st[s];

				x.w *= f;
				if (nd->stage == MLEDGER_STAGE_SMELTING &&
				    nd->kind == MLEDGER_NODE_TRANSFORMED)
					x.smelt = country_index(nd->country);
				if (nd->stage == MLEDGER_STAGE_CASTING &&
				    nd->kind == MLEDGER_NODE_TRANSFORMED &&
				    x.cast < 0)
					x.cast = country_index(nd->country);
				if ((error = vec_push(&ps->al[in], &x)) < 0)
					return error;
			}
		}
	}
	return 0;
}

static void fold(mledger_shares *acc, const mledger_shares *x, double w)
{
	acc->extracted += w * x->extracted;
	acc->processed += w * x->processed;
	acc->recycled += w * x->recycled;
	acc->sourced += w * x->sourced;
	acc->unknown_origin += w * x->unknown_origin;
	acc->feoc += w * x->feoc;
	acc->secondary += w * x->secondary;
	acc->qualifying += w * x->qualifying;
}

/* Sums come out of floating point: keep fractions inside [0, 1]. */
static double clamp(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

static void clamp_all(mledger_shares *s)
{
	s->extracted = clamp(s->extracted);
	s->processed = clamp(s->processed);
	s->recycled = clamp(s->recycled);
	s->sourced = clamp(s->sourced);
	s->unknown_origin = clamp(s->unknown_origin);
	s->feoc = clamp(s->feoc);
	s->secondary = clamp(s->secondary);
	s->qualifying = clamp(s->qualifying);
}

static void pass_free(pass *ps)
{
	for (size_t i = 0; ps->va && i < ps->n; i++)
		free(ps->va[i].items);
	for (size_t i = 0; ps->al && i < ps->n; i++)
		free(ps->al[i].items);
	free(ps->va);
	free(ps->al);
	free(ps->W);
	free(ps->Wp);
	free(ps->Wn);
	free(ps->feoc);
	free(ps->reach);
	free(ps->parent);
	free(ps->parent_score);
	free(ps->ppm);
}

/* One element: the pass over the DAG and the sums at its origins. */
static int run_element(pass *ps, sums *s, const char *sym, double pm)
{
	const size_t n = ps->n;
	int error;

	memset(ps->W, 0, n * sizeof(double));
	memset(ps->Wp, 0, n * sizeof(double));
	memset(ps->Wn, 0, n * sizeof(double));
	ps->W[0] = ps->Wp[0] = ps->Wn[0] = 1;
	for (size_t i = 0; i < n; i++)
		ps->ppm[i] = ppm_of(mledger_trace_node_at(ps->t, i), sym);
	if (ps->track_va) {
		va_state seed = {0, true, 1};

		for (size_t i = 0; i < n; i++)
			ps->va[i].n = 0;
		if ((error = vec_push(&ps->va[0], &seed)) < 0)
			return error;
	}
	if (ps->track_al) {
		al_state seed = {-1, -1, 1};

		for (size_t i = 0; i < n; i++)
			ps->al[i].n = 0;
		if ((error = vec_push(&ps->al[0], &seed)) < 0)
			return error;
	}
	for (size_t i = 0; i < n; i++) {
		const mledger_trace_node *nd = mledger_trace_node_at(ps->t, i);

		if (ps->W[i] <= 0)
			continue;
		if (is_origin(nd)) {
			if (ps->track_va)
				compact(&ps->va[i], va_cmp, offsetof(va_state, w));
			if (ps->track_al)
				compact(&ps->al[i], al_cmp, offsetof(al_state, w));
			add_origin(ps, s, i, sym, pm);
		} else if ((error = push(ps, i, pm)) < 0) {
			return error;
		}
	}
	return 0;
}

static int pass_init(pass *ps, const mledger_trace *t, const mledger_policy *p)
{
	const size_t n = mledger_trace_count(t);

	memset(ps, 0, sizeof(*ps));
	ps->t = t;
	ps->p = p;
	ps->n = n;
	ps->W = calloc(n, sizeof(double));
	ps->Wp = calloc(n, sizeof(double));
	ps->Wn = calloc(n, sizeof(double));
	ps->feoc = calloc(n, sizeof(bool));
	ps->reach = calloc(n, sizeof(double));
	ps->parent = calloc(n, sizeof(size_t));
	ps->parent_score = calloc(n, sizeof(double));
	ps->ppm = calloc(n, sizeof(uint32_t));
	if (!ps->W || !ps->Wp || !ps->Wn || !ps->feoc || !ps->reach ||
	    !ps->parent || !ps->parent_score || !ps->ppm)
		return MLEDGER_NOMEM();
	for (size_t i = 0; i < n; i++) {
		const mledger_trace_node *nd = mledger_trace_node_at(t, i);

		/* Extraction, processing and recycling steps: not split/merge. */
		ps->feoc[i] = (is_origin(nd) || is_processing(nd)) &&
			      mledger_policy_feoc(p, &nd->actor);
		if (is_processing(nd) && nd->has_value_added)
			ps->track_va = true;
		if (p->aluminium && nd->kind == MLEDGER_NODE_TRANSFORMED &&
		    (nd->stage == MLEDGER_STAGE_SMELTING ||
		     nd->stage == MLEDGER_STAGE_CASTING))
			ps->track_al = true;
	}
	if (p->aluminium)
		ps->track_al = true;
	if (ps->track_va && (ps->va = calloc(n, sizeof(vec))) == NULL)
		return MLEDGER_NOMEM();
	if (ps->track_al && (ps->al = calloc(n, sizeof(vec))) == NULL)
		return MLEDGER_NOMEM();
	for (size_t i = 0; ps->va && i < n; i++)
		ps->va[i].size = sizeof(va_state);
	for (size_t i = 0; ps->al && i < n; i++)
		ps->al[i].size = sizeof(al_state);
	return 0;
}

/* The heaviest path through node i: down to an origin, up to the product. */
static int feoc_path(feoc_step *f, const pass *ps, size_t i)
{
	size_t down[4096], nd = 0, up[4096], nu = 0, at = i;

	while (!is_origin(mledger_trace_node_at(ps->t, at)) && nd < 4096) {
		const mledger_trace_node *n = mledger_trace_node_at(ps->t, at);
		size_t best = n->inputs[0].node;

		for (size_t k = 1; k < n->ninputs; k++)
			if (ps->reach[n->inputs[k].node] > ps->reach[best])
				best = n->inputs[k].node;
		down[nd++] = best;
		at = best;
	}
	for (at = i; at != 0 && nu < 4096; at = ps->parent[at])
		up[nu++] = ps->parent[at];
	f->path = malloc(sizeof(size_t) * (nd + nu + 1));
	if (f->path == NULL)
		return MLEDGER_NOMEM();
	f->npath = 0;
	while (nd > 0)
		f->path[f->npath++] = down[--nd];
	f->path[f->npath++] = i;
	for (size_t k = 0; k < nu; k++)
		f->path[f->npath++] = up[k];
	return 0;
}

static int today_year(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return tm.tm_year + 1900;
}

/* The year of a "YYYY-MM-DD" date (checked when it was read). */
static int year_of(const char *date)
{
	int y = 0;

	for (int i = 0; i < 4; i++)
		y = y * 10 + (date[i] - '0');
	return y;
}

static bool date_valid(const char *d)
{
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	return (d[5] - '0') * 10 + (d[6] - '0') >= 1 &&
	       (d[5] - '0') * 10 + (d[6] - '0') <= 12 &&
	       (d[8] - '0') * 10 + (d[9] - '0') >= 1 &&
	       (d[8] - '0') * 10 + (d[9] - '0') <= 31;
}

/* Thresholds, by policy: what is required, whether it is met, and notes. */
static void judge(mledger_share_report *r)
{
	const mledger_policy *p = &r->policy;
	const mledger_shares *q;
	size_t k;

	if (p->feoc_only) {
		r->has_threshold = true;
		r->threshold = 0;
		r->meets = r->by_mass.feoc == 0;
		return;
	}
	if (p->nminimums > 0) {
		const policy_minimums *m = &p->minimums[0];

		for (k = 0; k < p->nminimums; k++)
			if (p->minimums[k].from_year <= r->year)
				m = &p->minimums[k];
		r->has_threshold = true;
		r->meets = m->from_year <= r->year;
		for (size_t e = 0; e < r->nel; e++) {
			for (k = 0; k < m->n; k++) {
				if (strcmp(m->symbol[k], r->el[e].symbol) != 0)
					continue;
				r->el[e].minimum = m->percent[k] / 100.0;
				if (r->el[e].s.secondary + 1e-12 < r->el[e].minimum)
					r->meets = false;
			}
		}
		if (m->from_year > r->year)
			snprintf(r->note, sizeof(r->note),
				 "the minimums shown apply from %d; none apply in %d",
				 m->from_year, r->year);
		return;
	}
	if (p->nschedule == 0)
		return;
	for (k = 0; k < p->nschedule && p->schedule[k].from_year <= r->year; k++)
		r->threshold = p->schedule[k].percent / 100.0;
	if (k == 0) {
		snprintf(r->note, sizeof(r->note),
			 "no applicable percentage before %d",
			 p->schedule[0].from_year);
		return;
	}
	r->has_threshold = true;
	r->qualifying_by_value = r->has_value;
	q = r->has_value ? &r->by_value : &r->by_mass;
	r->meets = q->qualifying + 1e-12 >= r->threshold;
	if (!r->has_value)
		snprintf(r->note, sizeof(r->note),
			 "values are not recorded on every chain, so the qualifying share is by mass");
	if (p->feoc_disqualifies_from && r->year >= p->feoc_disqualifies_from &&
	    r->by_mass.feoc > 0) {
		r->meets = false;
		snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
			 "%sfrom %d any content from a foreign entity of concern disqualifies",
			 r->note[0] ? "; " : "", p->feoc_disqualifies_from);
	}
	if (p->not_after[0] != '\0' &&
	    ((r->date[0] && strcmp(r->date, p->not_after) > 0) ||
	     (!r->date[0] && r->year > year_of(p->not_after)))) {
		r->meets = false;
		snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
			 "%sthe credit does not apply to vehicles acquired after %s",
			 r->note[0] ? "; " : "", p->not_after);
	}
}

int mledger_share_compute(mledger_share_report **out, const mledger_trace *t,
			  const mledger_policy *p,
			  const mledger_share_options *opts)
{
	mledger_share_options defaults = MLEDGER_SHARE_OPTIONS_INIT;
	const mledger_trace_node *product = mledger_trace_node_at(t, 0);
	mledger_share_report *r;
	double total_pm = 0, total_value = 0;
	mledger_shares value_sum;
	bool value_missing = false;
	double al_primary = 0;
	double *smelt = NULL, *cast = NULL;
	size_t cap_feoc = 0;
	pass ps;
	int error;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	if (opts == NULL)
		opts = &defaults;
	if (opts->date != NULL && !date_valid(opts->date))
		return mledger_error_set(MLEDGER_EINVAL,
			"date \"%.16s\" is not YYYY-MM-DD", opts->date);
	if (opts->year != 0 && (opts->year < 1900 || opts->year > 9999))
		return mledger_error_set(MLEDGER_EINVAL,
			"year %d is out of range", opts->year);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MLEDGER_NOMEM();
	r->trace = t;
	r->policy = *p;
	r->year = opts->year ? opts->year
		: opts->date ? year_of(opts->date) : today_year();
	if (opts->date)
		memcpy(r->date, opts->date, 11);
	r->el = calloc(product->ncontent + 1, sizeof(*r->el));
	smelt = calloc(26 * 26, sizeof(double));
	cast = calloc(26 * 26, sizeof(double));
	if (r->el == NULL || smelt == NULL || cast == NULL ||
	    pass_init(&ps, t, p) < 0) {
		error = MLEDGER_NOMEM();
		pass_free(&ps);
		goto fail;
	}
	memset(&value_sum, 0, sizeof(value_sum));
	for (size_t e = 0; e < product->ncontent; e++) {
		element_report *er = &r->el[r->nel++];
		double pm = (double)product->mass_g * product->content[e].ppm /
			    MLEDGER_PPM;
		sums s;

		memset(&s, 0, sizeof(s));
		s.smelt = smelt;
		s.cast = cast;
		memcpy(er->symbol, product->content[e].symbol, 3);
		er->mass_g = pm;
		er->minimum = -1;
		if ((error = run_element(&ps, &s, er->symbol, pm)) < 0) {
			pass_free(&ps);
			goto fail;
		}
		er->s = s.mass;
		clamp_all(&er->s);
		fold(&r->by_mass, &er->s, pm);
		total_pm += pm;
		fold(&value_sum, &s.value, 1);
		total_value += s.value_total;
		value_missing = value_missing || s.value_missing;
		al_primary += s.al_primary;
	}
	if (total_pm > 0) {
		mledger_shares m = r->by_mass;

		memset(&r->by_mass, 0, sizeof(r->by_mass));
		fold(&r->by_mass, &m, 1 / total_pm);
		clamp_all(&r->by_mass);
	}
	r->has_value = !value_missing && total_value > 0;
	if (r->has_value) {
		fold(&r->by_value, &value_sum, 1 / total_value);
		clamp_all(&r->by_value);
	}
	/* Lots made or registered by a foreign entity of concern. */
	for (size_t i = 0; i < ps.n && total_pm > 0; i++) {
		if (!ps.feoc[i] || (i > 0 && ps.reach[i] <= 0))
			continue;
		/* Doubling: a large trace can hold a foreign step per lot. */
		if (r->nfeoc == cap_feoc) {
			size_t cap = cap_feoc ? 2 * cap_feoc : 8;
			feoc_step *grown = realloc(r->feoc, cap * sizeof(*grown));

			if (grown == NULL) {
				error = MLEDGER_NOMEM();
				pass_free(&ps);
				goto fail;
			}
			r->feoc = grown;
			cap_feoc = cap;
		}
		memset(&r->feoc[r->nfeoc], 0, sizeof(*r->feoc));
		r->feoc[r->nfeoc].node = i;
		r->feoc[r->nfeoc].share = i == 0 ? 1 : clamp(ps.reach[i] / total_pm);
		if ((error = feoc_path(&r->feoc[r->nfeoc], &ps, i)) < 0) {
			pass_free(&ps);
			goto fail;
		}
		r->nfeoc++;
	}
	if (ps.track_al) {
		for (size_t e = 0; e < r->nel; e++)
			if (strcmp(r->el[e].symbol, "Al") == 0)
				r->has_al = true;
		r->al_primary = al_primary;
		for (int pick = 0; pick < 2 && al_primary > 0; pick++) {
			int best = -1;

			for (int c = 0; c < 26 * 26; c++)
				if (smelt[c] > 0 && (best < 0 || smelt[c] > smelt[best]))
					best = c;
			if (best < 0)
				break;
			r->smelt[pick].country[0] = (char)('A' + best / 26);
			r->smelt[pick].country[1] = (char)('A' + best % 26);
			r->smelt[pick].share = clamp(smelt[best] / al_primary);
			smelt[best] = 0;
			r->nsmelt++;
		}
		for (int c = 0; c < 26 * 26; c++) {
			if (cast[c] > r->cast.share) {
				r->cast.country[0] = (char)('A' + c / 26);
				r->cast.country[1] = (char)('A' + c % 26);
				r->cast.share = clamp(cast[c]);
				r->has_cast = true;
			}
		}
	}
	pass_free(&ps);
	free(smelt);
	free(cast);
	judge(r);
	*out = r;
	return 0;
fail:
	free(smelt);
	free(cast);
	mledger_share_report_free(r);
	return error;
}

void mledger_share_report_free(mledger_share_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nfeoc; i++)
		free(r->feoc[i].path);
	free(r->feoc);
	free(r->el);
	free(r);
}

int mledger_share_get(mledger_shares *out, const mledger_share_report *r,
		      const char *symbol)
{
	if (symbol == NULL) {
		*out = r->by_mass;
		return 0;
	}
	for (size_t e = 0; e < r->nel; e++) {
		if (strcmp(r->el[e].symbol, symbol) == 0) {
			*out = r->el[e].s;
			return 0;
		}
	}
	return mledger_error_set(MLEDGER_ENOTFOUND,
		"the product lists no %.8s content", symbol);
}

int mledger_share_by_value(mledger_shares *out, const mledger_share_report *r)
{
	if (!r->has_value)
		return mledger_error_set(MLEDGER_ENOTFOUND,
			"values are not recorded on every chain");
	*out = r->by_value;
	return 0;
}

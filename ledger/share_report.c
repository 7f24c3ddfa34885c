/*
 * The share report for programs (JSON with the fields the README lists) and
 * for people (a table a battery maker can paste into a report).
 */
#include "share_int.h"

#include "codec.h"
#include "json_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static json_t *shares_json(const mledger_shares *s, bool qualifying)
{
	json_t *j = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		"extracted", s->extracted, "processed", s->processed,
		"recycled", s->recycled, "sourced", s->sourced,
		"unknown_origin", s->unknown_origin, "feoc", s->feoc,
		"secondary", s->secondary);

	if (j != NULL && qualifying)
		json_object_set_new(j, "qualifying", json_real(s->qualifying));
	return j;
}

static bool has_qualifying(const mledger_share_report *r)
{
	return r->policy.nschedule > 0;
}

static json_t *report_json(const mledger_share_report *r)
{
	const mledger_trace_node *product = mledger_trace_node_at(r->trace, 0);
	json_t *j = json_object(), *els = json_array(), *chains = json_array();

	json_object_set_new(j, "lot", json_string(product->lot));
	json_object_set_new(j, "material", json_string(product->material));
	json_object_set_new(j, "mass_g", json_integer((json_int_t)product->mass_g));
	json_object_set_new(j, "policy", json_string(r->policy.name));
	json_object_set_new(j, "policy_title", json_string(r->policy.title));
	json_object_set_new(j, "policy_version", json_string(r->policy.version));
	json_object_set_new(j, "year", json_integer(r->year));
	json_object_set_new(j, "date", r->date[0] ? json_string(r->date)
						  : json_null());
	for (size_t e = 0; e < r->nel; e++) {
		json_t *x = shares_json(&r->el[e].s, has_qualifying(r));

		json_object_set_new(x, "element", json_string(r->el[e].symbol));
		json_object_set_new(x, "mass_g", json_real(r->el[e].mass_g));
		if (r->el[e].minimum >= 0)
			json_object_set_new(x, "minimum_secondary",
					    json_real(r->el[e].minimum));
		json_array_append_new(els, x);
	}
	json_object_set_new(j, "elements", els);
	json_object_set_new(j, "total_by_mass",
			    shares_json(&r->by_mass, has_qualifying(r)));
	json_object_set_new(j, "total_by_value", r->has_value
		? shares_json(&r->by_value, has_qualifying(r)) : json_null());
	json_object_set_new(j, "threshold", r->has_threshold && r->policy.nschedule
		? json_real(r->threshold) : json_null());
	json_object_set_new(j, "meets", r->has_threshold ? json_boolean(r->meets)
							 : json_null());
	if (has_qualifying(r))
		json_object_set_new(j, "qualifying_basis", json_string(
			r->qualifying_by_value ? "value" : "mass"));
	json_object_set_new(j, "note", r->note[0] ? json_string(r->note)
						  : json_null());
	for (size_t i = 0; i < r->nfeoc; i++) {
		const feoc_step *f = &r->feoc[i];
		const mledger_trace_node *n = mledger_trace_node_at(r->trace, f->node);
		json_t *path = json_array();

		for (size_t k = 0; k < f->npath; k++)
			json_array_append_new(path, json_string(
				mledger_trace_node_at(r->trace, f->path[k])->lot));
		json_array_append_new(chains, json_pack(
			"{s:s, s:s, s:s, s:s, s:f, s:o}",
			"lot", n->lot, "actor", n->actor.id,
			"step", n->kind == MLEDGER_NODE_REGISTERED
				? mledger_origin_name(n->origin)
				: mledger_stage_name(n->stage),
			"country", n->country, "share", f->share, "path", path));
	}
	json_object_set_new(j, "feoc_chains", chains);
	if (r->policy.aluminium) {
		json_t *al = json_object(), *sm = json_array();

		for (size_t k = 0; k < r->nsmelt; k++)
			json_array_append_new(sm, json_pack("{s:s, s:f}",
				"country", r->smelt[k].country,
				"share_of_primary", r->smelt[k].share));
		json_object_set_new(al, "present", json_boolean(r->has_al));
		json_object_set_new(al, "smelt", sm);
		json_object_set_new(al, "most_recent_cast", r->has_cast
			? json_pack("{s:s, s:f}", "country", r->cast.country,
				    "share", r->cast.share)
			: json_null());
		json_object_set_new(al, "primary", json_real(r->al_primary));
		if (r->has_al) {
			mledger_shares s;

			mledger_share_get(&s, r, "Al");
			json_object_set_new(al, "secondary", json_real(s.secondary));
			json_object_set_new(al, "unknown_origin",
					    json_real(s.unknown_origin));
		}
		json_object_set_new(j, "aluminium", al);
	}
	return j;
}

static void put(mledger_buf *b, const char *fmt, ...) MLEDGER_PRINTF(2, 3);

static void put(mledger_buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		mledger_buf_put(b, line, (size_t)n < sizeof(line)
					 ? (size_t)n : sizeof(line) - 1);
}

static void row(mledger_buf *b, const char *label, const char *mass,
		const mledger_shares *s, bool qualifying)
{
	put(b, "%-14s %14s %8.1f %% %8.1f %% %8.1f %% %8.1f %% %8.1f %% %8.1f %% %8.1f %%",
	    label, mass, 100 * s->extracted, 100 * s->processed,
	    100 * s->recycled, 100 * s->sourced, 100 * s->unknown_origin,
	    100 * s->feoc, 100 * s->secondary);
	if (qualifying)
		put(b, " %8.1f %%", 100 * s->qualifying);
	put(b, "\n");
}

static void report_text(mledger_buf *b, const mledger_share_report *r)
{
	const mledger_trace_node *product = mledger_trace_node_at(r->trace, 0);
	bool q = has_qualifying(r);

	put(b, "Sourced share of %s (%s, %llu g)\n", product->lot,
	    product->material, (unsigned long long)product->mass_g);
	put(b, "Policy: %s (%s), version %s; year %d%s%s\n\n", r->policy.name,
	    r->policy.title, r->policy.version, r->year,
	    r->date[0] ? ", date " : "", r->date);
	put(b, "%-14s %14s %10s %10s %10s %10s %10s %10s %10s%s\n", "element",
	    "mass (g)", "extracted", "processed", "recycled", "sourced",
	    "unknown", "FEOC", "secondary", q ? " qualifying" : "");
	for (size_t e = 0; e < r->nel; e++) {
		char mass[32];

		snprintf(mass, sizeof(mass), "%.1f", r->el[e].mass_g);
		row(b, r->el[e].symbol, mass, &r->el[e].s, q);
	}
	row(b, "total by mass", "", &r->by_mass, q);
	if (r->has_value)
		row(b, "total by value", "", &r->by_value, q);
	else
		put(b, "total by value: not available (values not recorded on every chain)\n");
	put(b, "\n");
	if (r->policy.nminimums > 0) {
		for (size_t e = 0; e < r->nel; e++)
			if (r->el[e].minimum >= 0)
				put(b, "%s recycled content %.1f %%, minimum %.0f %%: %s\n",
				    r->el[e].symbol, 100 * r->el[e].s.secondary,
				    100 * r->el[e].minimum,
				    r->el[e].s.secondary + 1e-12 >= r->el[e].minimum
				    ? "met" : "NOT met");
	} else if (r->has_threshold && r->policy.nschedule) {
		const mledger_shares *s = r->qualifying_by_value ? &r->by_value
								 : &r->by_mass;

		put(b, "Applicable percentage %.0f %%; qualifying share by %s %.1f %%: %s\n",
		    100 * r->threshold, r->qualifying_by_value ? "value" : "mass",
		    100 * s->qualifying, r->meets ? "MET" : "NOT MET");
	} else if (r->policy.feoc_only) {
		put(b, "Foreign entity of concern content: %s\n",
		    r->meets ? "none" : "PRESENT");
	}
	if (r->note[0])
		put(b, "Note: %s\n", r->note);
	if (r->policy.aluminium) {
		if (!r->has_al) {
			put(b, "Aluminium: the product lists no Al content\n");
		} else {
			for (size_t k = 0; k < r->nsmelt; k++)
				put(b, "%s country of smelt: %s (%.1f %% of primary Al)\n",
				    k == 0 ? "Largest" : "Second-largest",
				    r->smelt[k].country, 100 * r->smelt[k].share);
			if (r->nsmelt == 0)
				put(b, "Country of smelt: none recorded\n");
			if (r->has_cast)
				put(b, "Country of most recent cast: %s (%.1f %% of Al)\n",
				    r->cast.country, 100 * r->cast.share);
			else
				put(b, "Country of most recent cast: none recorded\n");
		}
	}
	if (r->nfeoc > 0) {
		put(b, "Foreign entity of concern on the chains (share of the product's element mass through each lot):\n");
		for (size_t i = 0; i < r->nfeoc; i++) {
			const feoc_step *f = &r->feoc[i];
			const mledger_trace_node *n =
				mledger_trace_node_at(r->trace, f->node);

			put(b, "  %.1f %% through %s by %s (%s, %s): ", 100 * f->share,
			    n->lot, n->actor.id, n->country,
			    n->kind == MLEDGER_NODE_REGISTERED
			    ? mledger_origin_name(n->origin)
			    : mledger_stage_name(n->stage));
			for (size_t k = 0; k < f->npath; k++)
				put(b, "%s%s", k ? " -> " : "",
				    mledger_trace_node_at(r->trace, f->path[k])->lot);
			put(b, "\n");
		}
	}
}

int mledger_share_render(char **out, const mledger_share_report *r, bool json)
{
	mledger_buf b = MLEDGER_BUF_INIT;
	uint8_t *data;
	size_t len;
	int error;

	*out = NULL;
	if (json)
		return mledger_json_dump(out, report_json(r), true);
	report_text(&b, r);
	mledger_buf_put(&b, "", 1);
	if ((error = mledger_buf_detach(&data, &len, &b)) < 0)
		return error;
	*out = (char *)data;
	return 0;
}

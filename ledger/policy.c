/*
 * Policies: reading the JSON files under policies/ (embedded in the library
 * at build time) or a user's own, strictly: unknown fields, bad country codes
 * and out-of-range numbers are refused with a message naming them, since a
 * policy silently misread would misstate every share computed under it.
 */
#include "policy_int.h"

#include "error_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *const mledger_builtin_policy_names[];
extern const char *const mledger_builtin_policy_texts[];

static int cc_index(const char *cc)
{
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

bool mledger_country_in(const country_set *set, const char cc[3])
{
	int i;

	if (set->any)
		return true;
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return false;
	i = cc_index(cc);
	return (set->bits[i / 8] >> (i % 8)) & 1;
}

bool mledger_policy_feoc(const mledger_policy *p, const mledger_trace_actor *a)
{
	if (mledger_country_in(&p->feoc_countries, a->country))
		return true;
	if (a->owner_country[0] == '\0' ||
	    !mledger_country_in(&p->feoc_countries, a->owner_country))
		return false;
	/* Owned by such a government, or controlled through the share. */
	return a->state_owned || a->owner_share_bp >= p->feoc_share_bp;
}

static int bad(const char *field, const char *why)
{
	return mledger_error_set(MLEDGER_EINVAL, "policy: %s %s", field, why);
}

static int only(json_t *obj, const char *what, const char *const *fields,
		size_t n)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return bad(what, "must be an object");
	json_object_foreach(obj, key, v) {
		size_t i;

		(void)v;
		for (i = 0; i < n && strcmp(fields[i], key) != 0; i++)
			;
		if (i == n)
			return mledger_error_set(MLEDGER_EINVAL,
				"policy: unknown field \"%.64s\" in %s", key, what);
	}
	return 0;
}

static int get_text(char *out, size_t size, json_t *obj, const char *key,
		    bool required)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= size)
		return bad(key, "must be a non-empty string");
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_countries(country_set *set, json_t *arr, const char *what)
{
	size_t i;
	json_t *v;

	memset(set, 0, sizeof(*set));
	if (!json_is_array(arr))
		return bad(what, "must be a list of country codes");
	json_array_foreach(arr, i, v) {
		const char *cc = json_string_value(v);
		int k;

		if (cc != NULL && strcmp(cc, "*") == 0) {
			set->any = true;
			continue;
		}
		if (cc == NULL || strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' ||
		    cc[1] < 'A' || cc[1] > 'Z')
			return mledger_error_set(MLEDGER_EINVAL,
				"policy: %s: item %zu is not an ISO 3166-1 alpha-2 code or \"*\"",
				what, i);
		k = cc_index(cc);
		set->bits[k / 8] |= (uint8_t)(1u << (k % 8));
	}
	return 0;
}

static int get_year(int *out, json_t *v, const char *what)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1900 ||
	    json_integer_value(v) > 9999)
		return bad(what, "must be a year");
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_percent(unsigned *out, json_t *v, const char *what)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100)
		return bad(what, "must be a whole percentage 0..100");
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_schedule(mledger_policy *p, json_t *arr)
{
	static const char *const fields[] = {"from_year", "percent"};
	size_t i;
	json_t *v;
	int error;

	if (!json_is_array(arr) || json_array_size(arr) > POLICY_STEPS_MAX)
		return bad("schedule", "must be a list of at most 16 steps");
	json_array_foreach(arr, i, v) {
		policy_step *s = &p->schedule[i];

		if ((error = only(v, "schedule", fields, 2)) < 0 ||
		    (error = get_year(&s->from_year, json_object_get(v, "from_year"),
				      "schedule from_year")) < 0 ||
		    (error = get_percent(&s->percent, json_object_get(v, "percent"),
					 "schedule percent")) < 0)
			return error;
		if (i > 0 && s->from_year <= p->schedule[i - 1].from_year)
			return bad("schedule", "years must increase");
	}
	p->nschedule = json_array_size(arr);
	return 0;
}

static int get_minimums(mledger_policy *p, json_t *arr)
{
	static const char *const fields[] = {"from_year", "percent"};
	size_t i;
	json_t *v;
	int error;

	if (!json_is_array(arr) || json_array_size(arr) > POLICY_STEPS_MAX)
		return bad("secondary_minimums", "must be a list of at most 16 steps");
	json_array_foreach(arr, i, v) {
		policy_minimums *m = &p->minimums[i];
		const char *sym;
		json_t *pct;

		if ((error = only(v, "secondary_minimums", fields, 2)) < 0 ||
		    (error = get_year(&m->from_year, json_object_get(v, "from_year"),
				      "secondary_minimums from_year")) < 0)
			return error;
		if (!json_is_object(json_object_get(v, "percent")) ||
		    json_object_size(json_object_get(v, "percent")) > POLICY_ELEMENTS_MAX)
			return bad("secondary_minimums percent",
				   "must map up to 16 elements to percentages");
		json_object_foreach(json_object_get(v, "percent"), sym, pct) {
			if (!mledger_element_valid(sym))
				return mledger_error_set(MLEDGER_EINVAL,
					"policy: secondary_minimums: \"%.8s\" is not an element",
					sym);
			memcpy(m->symbol[m->n], sym, strlen(sym) + 1);
			if ((error = get_percent(&m->percent[m->n], pct,
						 "secondary_minimums percent")) < 0)
				return error;
			m->n++;
		}
	}
	p->nminimums = json_array_size(arr);
	return 0;
}

static int from_json(mledger_policy *p, json_t *root)
{
	static const char *const fields[] = {"name", "title", "version",
		"regions", "feoc", "qualifying", "schedule",
		"feoc_disqualifies_from_year", "not_after", "secondary_minimums",
		"feoc_only", "aluminium"};
	static const char *const region_fields[] = {"extraction", "processing",
						    "recycling"};
	static const char *const feoc_fields[] = {"countries",
						  "ownership_threshold_pct"};
	json_t *regions, *feoc, *v;
	unsigned pct = 0;
	int error;

	memset(p, 0, sizeof(*p));
	if ((error = only(root, "the policy", fields, 12)) < 0 ||
	    (error = get_text(p->name, sizeof(p->name), root, "name", true)) < 0 ||
	    (error = get_text(p->title, sizeof(p->title), root, "title", true)) < 0 ||
	    (error = get_text(p->version, sizeof(p->version), root, "version",
			      true)) < 0)
		return error;
	regions = json_object_get(root, "regions");
	if ((error = only(regions, "regions", region_fields, 3)) < 0 ||
	    (error = get_countries(&p->extraction, json_object_get(regions,
				   "extraction"), "regions.extraction")) < 0 ||
	    (error = get_countries(&p->processing, json_object_get(regions,
				   "processing"), "regions.processing")) < 0 ||
	    (error = get_countries(&p->recycling, json_object_get(regions,
				   "recycling"), "regions.recycling")) < 0)
		return error;
	feoc = json_object_get(root, "feoc");
	if ((error = only(feoc, "feoc", feoc_fields, 2)) < 0 ||
	    (error = get_countries(&p->feoc_countries,
				   json_object_get(feoc, "countries"),
				   "feoc.countries")) < 0 ||
	    (error = get_percent(&pct, json_object_get(feoc,
				 "ownership_threshold_pct"),
				 "feoc.ownership_threshold_pct")) < 0)
		return error;
	p->feoc_share_bp = pct * 100;
	if ((v = json_object_get(root, "qualifying")) != NULL) {
		if (!json_is_string(v) || strcmp(json_string_value(v),
				"extracted-or-processed-or-recycled") != 0)
			return bad("qualifying",
				   "must be \"extracted-or-processed-or-recycled\"");
		p->qualifying_any = true;
	}
	if ((v = json_object_get(root, "schedule")) != NULL &&
	    (error = get_schedule(p, v)) < 0)
		return error;
	if ((v = json_object_get(root, "feoc_disqualifies_from_year")) != NULL &&
	    (error = get_year(&p->feoc_disqualifies_from, v,
			      "feoc_disqualifies_from_year")) < 0)
		return error;
	if ((error = get_text(p->not_after, sizeof(p->not_after), root,
			      "not_after", false)) < 0)
		return error;
	if (p->not_after[0] != '\0' && (strlen(p->not_after) != 10 ||
	    p->not_after[4] != '-' || p->not_after[7] != '-'))
		return bad("not_after", "must be a date YYYY-MM-DD");
	if ((v = json_object_get(root, "secondary_minimums")) != NULL &&
	    (error = get_minimums(p, v)) < 0)
		return error;
	if ((v = json_object_get(root, "feoc_only")) != NULL) {
		if (!json_is_boolean(v))
			return bad("feoc_only", "must be true or false");
		p->feoc_only = json_is_true(v);
	}
	if ((v = json_object_get(root, "aluminium")) != NULL) {
		if (!json_is_boolean(v))
			return bad("aluminium", "must be true or false");
		p->aluminium = json_is_true(v);
	}
	return 0;
}

int mledger_policy_parse(mledger_policy **out, const char *json, size_t len)
{
	json_error_t jerr;
	mledger_policy *p;
	json_t *root;
	int error;

	*out = NULL;
	if (len > MLEDGER_POLICY_MAX)
		return mledger_error_set(MLEDGER_ETOOBIG,
			"policy of %zu bytes is over the %u-byte cap", len,
			MLEDGER_POLICY_MAX);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return mledger_error_set(MLEDGER_EINVAL,
			"policy: line %d: %s", jerr.line, jerr.text);
	p = malloc(sizeof(*p));
	if (p == NULL) {
		json_decref(root);
		return MLEDGER_NOMEM();
	}
	error = from_json(p, root);
	json_decref(root);
	if (error < 0) {
		free(p);
		return error;
	}
	*out = p;
	return 0;
}

int mledger_policy_load(mledger_policy **out, const char *path)
{
	char buf[MLEDGER_POLICY_MAX + 1];
	FILE *f = fopen(path, "rb");
	size_t len;
	int error;

	*out = NULL;
	if (f == NULL)
		return mledger_error_set(MLEDGER_EIO, "cannot read policy %s: %s",
					 path, strerror(errno));
	len = fread(buf, 1, sizeof(buf), f);
	error = ferror(f);
	fclose(f);
	if (error)
		return mledger_error_set(MLEDGER_EIO, "cannot read policy %s",
					 path);
	if ((error = mledger_policy_parse(out, buf, len)) < 0)
		return mledger_error_prefix("%s", path);
	return 0;
}

const char *const *mledger_policy_builtin_names(void)
{
	return mledger_builtin_policy_names;
}

int mledger_policy_builtin(mledger_policy **out, const char *name)
{
	for (size_t i = 0; mledger_builtin_policy_names[i] != NULL; i++)
		if (strcmp(mledger_builtin_policy_names[i], name) == 0)
			return mledger_policy_parse(out,
				mledger_builtin_policy_texts[i],
				strlen(mledger_builtin_policy_texts[i]));
	return mledger_error_set(MLEDGER_ENOTFOUND,
		"no policy \"%.64s\" (shipped: aim, eu-battery, feoc, ira-30d, usmca; or --policy-file FILE)",
		name);
}

void mledger_policy_free(mledger_policy *p)
{
	free(p);
}

const char *mledger_policy_name(const mledger_policy *p)
{
	return p->name;
}

/*
 * Traces for people and programs: an indented tree (a lot shared by several
 * branches is printed once and referred to after), JSON with every node and
 * edge, and Graphviz dot.
 */
#include "json_int.h"
#include "mledger/trace.h"

#include "codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *how(const mledger_trace_node *n)
{
	return n->kind == MLEDGER_NODE_REGISTERED ? mledger_origin_name(n->origin)
						  : mledger_stage_name(n->stage);
}

static void put_content(mledger_buf *b, const mledger_trace_node *n)
{
	char item[32];

	for (size_t i = 0; i < n->ncontent; i++) {
		int len = snprintf(item, sizeof(item), "%s%s %u.%04u%%",
				   i ? ", " : "", n->content[i].symbol,
				   n->content[i].ppm / 10000,
				   n->content[i].ppm % 10000);

		mledger_buf_put(b, item, (size_t)len);
	}
}

static void put_line(mledger_buf *b, const char *fmt, ...)
	MLEDGER_PRINTF(2, 3);

static void put_line(mledger_buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	mledger_buf_put(b, line, (size_t)len < sizeof(line) ? (size_t)len
							    : sizeof(line) - 1);
}

static void tree(mledger_buf *b, const mledger_trace *t, size_t i,
		 uint64_t consumed, int depth, unsigned char *shown)
{
	const mledger_trace_node *n = mledger_trace_node_at(t, i);

	for (int d = 0; d < depth; d++)
		mledger_buf_put(b, d + 1 == depth ? "+- " : "|  ", 3);
	if (depth > 0)
		put_line(b, "%llu g of ", (unsigned long long)consumed);
	put_line(b, "%s  %s %llu g  [", n->lot, n->material,
		 (unsigned long long)n->mass_g);
	put_content(b, n);
	put_line(b, "]  %s at %s (%s) by %s, entry %llu", how(n), n->facility,
		 n->country, n->actor.id, (unsigned long long)n->seq);
	if (shown[i] && n->ninputs > 0) {
		mledger_buf_put(b, "  (inputs shown above)\n", 23);
		return;
	}
	mledger_buf_put(b, "\n", 1);
	shown[i] = 1;
	for (size_t k = 0; k < n->ninputs; k++)
		tree(b, t, n->inputs[k].node, n->inputs[k].mass_g, depth + 1,
		     shown);
}

static json_t *node_json(const mledger_trace *t, const mledger_trace_node *n)
{
	json_t *j = json_object(), *content = json_object(), *inputs;

	for (size_t i = 0; i < n->ncontent; i++)
		json_object_set_new(content, n->content[i].symbol,
				    json_integer(n->content[i].ppm));
	json_object_set_new(j, "lot", json_string(n->lot));
	json_object_set_new(j, "material", json_string(n->material));
	json_object_set_new(j, "mass_g", json_integer((json_int_t)n->mass_g));
	json_object_set_new(j, "content_ppm", content);
	json_object_set_new(j, "kind", json_string(
		n->kind == MLEDGER_NODE_REGISTERED ? "registered" : "transformed"));
	if (n->kind == MLEDGER_NODE_REGISTERED) {
		json_object_set_new(j, "origin",
				    json_string(mledger_origin_name(n->origin)));
		if (n->secondary)
			json_object_set_new(j, "secondary", json_true());
	} else {
		json_object_set_new(j, "stage",
				    json_string(mledger_stage_name(n->stage)));
	}
	json_object_set_new(j, "facility", json_string(n->facility));
	json_object_set_new(j, "country", json_string(n->country));
	json_object_set_new(j, "actor", json_pack("{s:s, s:s, s:s}",
		"id", n->actor.id, "name", n->actor.name,
		"country", n->actor.country));
	json_object_set_new(j, "seq", json_integer((json_int_t)n->seq));
	json_object_set_new(j, "time", json_integer((json_int_t)n->time));
	if (n->has_value)
		json_object_set_new(j, "value_cents",
				    json_integer((json_int_t)n->value_cents));
	if (n->has_value_added)
		json_object_set_new(j, "value_added_cents",
				    json_integer((json_int_t)n->value_added_cents));
	inputs = json_array();
	for (size_t k = 0; k < n->ninputs; k++)
		json_array_append_new(inputs, json_pack("{s:s, s:I}",
			"lot", mledger_trace_node_at(t, n->inputs[k].node)->lot,
			"mass_g", (json_int_t)n->inputs[k].mass_g));
	json_object_set_new(j, "inputs", inputs);
	return j;
}

/* Graphviz strings: quote and escape. */
static void put_dot_string(mledger_buf *b, const char *s)
{
	mledger_buf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mledger_buf_put(b, "\\", 1);
		mledger_buf_put(b, s, 1);
	}
	mledger_buf_put(b, "\"", 1);
}

static void dot(mledger_buf *b, const mledger_trace *t)
{
	put_line(b, "digraph trace {\n  rankdir=LR;\n  node [shape=box];\n");
	for (size_t i = 0; i < mledger_trace_count(t); i++) {
		const mledger_trace_node *n = mledger_trace_node_at(t, i);
		char label[512];

		snprintf(label, sizeof(label), "%s\n%s %llu g\n%s, %s (%s)\n%s",
			 n->lot, n->material, (unsigned long long)n->mass_g,
			 how(n), n->facility, n->country, n->actor.id);
		put_line(b, "  ");
		put_dot_string(b, n->lot);
		put_line(b, " [label=");
		put_dot_string(b, label);
		put_line(b, "%s];\n", n->kind == MLEDGER_NODE_REGISTERED
			 ? ", style=rounded" : "");
	}
	for (size_t i = 0; i < mledger_trace_count(t); i++) {
		const mledger_trace_node *n = mledger_trace_node_at(t, i);

		for (size_t k = 0; k < n->ninputs; k++) {
			put_line(b, "  ");
			put_dot_string(b, mledger_trace_node_at(t,
					n->inputs[k].node)->lot);
			put_line(b, " -> ");
			put_dot_string(b, n->lot);
			put_line(b, " [label=\"%llu g\"];\n",
				 (unsigned long long)n->inputs[k].mass_g);
		}
	}
	put_line(b, "}\n");
}

int mledger_trace_render(char **out, const mledger_trace *t,
			 mledger_trace_format format)
{
	mledger_buf b = MLEDGER_BUF_INIT;
	uint8_t *data;
	size_t len;
	int error;

	*out = NULL;
	switch (format) {
	case MLEDGER_TRACE_TREE: {
		unsigned char *shown = calloc(mledger_trace_count(t) + 1, 1);

		if (shown == NULL)
			return MLEDGER_NOMEM();
		tree(&b, t, 0, 0, 0, shown);
		free(shown);
		break;
	}
	case MLEDGER_TRACE_JSON: {
		json_t *nodes = json_array();

		for (size_t i = 0; i < mledger_trace_count(t); i++)
			json_array_append_new(nodes, node_json(t,
					mledger_trace_node_at(t, i)));
		return mledger_json_dump(out, json_pack("{s:s, s:o}", "lot",
			mledger_trace_node_at(t, 0)->lot, "nodes", nodes), true);
	}
	case MLEDGER_TRACE_DOT:
		dot(&b, t);
		break;
	default:
		return mledger_error_set(MLEDGER_EINVAL, "unknown trace format");
	}
	mledger_buf_put(&b, "", 1);
	if ((error = mledger_buf_detach(&data, &len, &b)) < 0)
		return error;
	*out = (char *)data;
	return 0;
}

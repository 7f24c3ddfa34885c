/* JSON helpers shared inside the library (jansson stays out of include/). */
#ifndef MLEDGER_JSON_INT_H
#define MLEDGER_JSON_INT_H

#include <stdbool.h>

#include <jansson.h>
#include <msgpack.h>

/* A canonical msgpack object as JSON, bin as hex; NULL when out of memory. */
json_t *mledger_object_to_json(const msgpack_object *o);

/* Serialise j (consumed) to a malloc'd string in *out. */
int mledger_json_dump(char **out, json_t *j, bool pretty);

#endif

/*
 * Replays fuzz inputs without libFuzzer, so every fuzz target also runs as an
 * ordinary ctest with gcc and the sanitizers of the build: each argument is a
 * corpus directory (every regular file in it is one input) or a single file.
 * With no arguments a small built-in set runs instead: the empty input and
 * every single byte, which touches each type byte's decoding path once.
 * A failing input aborts inside the target; a missing or empty corpus is an
 * error too, so a mistyped path cannot make the test pass by running nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs longer than this are not corpus seeds; refuse rather than hang. */
#define REPLAY_MAX (16u * 1024u * 1024u)

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 ||
	    (uintmax_t)st.st_size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: unreadable or too large\n", path);
		fclose(f);
		return -1;
	}
	/* exactly the file's size, so a read past the end trips ASan */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (n != (size_t)st.st_size || ferror(f)) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* Run every regular file in dir; returns how many, or -1. */
static long run_dir(const char *dir)
{
	struct dirent *de;
	long count = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		len = strlen(dir) + strlen(de->d_name) + 2;
		path = malloc(len);
		if (path == NULL) {
			closedir(d);
			return -1;
		}
		snprintf(path, len, "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0) {
				free(path);
				closedir(d);
				return -1;
			}
			count++;
		}
		free(path);
	}
	closedir(d);
	return count;
}

static long run_builtin(void)
{
	uint8_t byte;
	int i;

	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	for (i = 0; i < 256; i++) {
		byte = (uint8_t)i;
		LLVMFuzzerTestOneInput(&byte, 1);
	}
	return 257;
}

int main(int argc, char **argv)
{
	long total = 0;
	int i;

	if (argc < 2) {
		total = run_builtin();
		printf("replay: %ld built-in inputs passed\n", total);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			n = run_dir(argv[i]);
		} else {
			n = run_file(argv[i]) < 0 ? -1 : 1;
		}
		if (n < 0)
			return 1;
		if (n == 0) {
			fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
			return 1;
		}
		total += n;
	}
	printf("replay: %ld inputs passed\n", total);
	return 0;
}

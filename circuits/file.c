/* file.c: loading and saving a circuit in either format, chosen by content or extension. */
#include "circuit.h"

#include <errno.h>
#include <string.h>

enum circ_format circ_format_for_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && (strcmp(dot, ".txt") == 0 || strcmp(dot, ".bristol") == 0))
		return CIRC_FMT_BRISTOL;
	return CIRC_FMT_BINARY;
}

bool circ_is_binary_file(const char *path)
{
	uint8_t head[8];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == sizeof(head) && memcmp(head, "MPCCIRC", 8) == 0;
}

int circ_load(struct circ_circuit **out, const char *path, enum circ_format fmt,
	      const struct circ_bristol_opts *opts, struct circ_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fmt == CIRC_FMT_AUTO) {
		uint8_t head[8];
		size_t n = fread(head, 1, sizeof(head), f);
		fmt = n == sizeof(head) && memcmp(head, "MPCCIRC", 8) == 0 ? CIRC_FMT_BINARY
									 : CIRC_FMT_BRISTOL;
		rewind(f);
	}
	int rc = fmt == CIRC_FMT_BINARY ? circ_read_binary(out, f, path, err)
					: circ_read_bristol(out, f, path, opts, err);
	fclose(f);
	return rc;
}

int circ_save(const struct circ_circuit *c, const char *path, enum circ_format fmt,
	      struct circ_err *err)
{
	if (fmt == CIRC_FMT_AUTO)
		fmt = circ_format_for_path(path);
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return -1;
	}
	struct circ_err e;
	int rc = fmt == CIRC_FMT_BINARY ? circ_write_binary(c, f, &e) : circ_write_bristol(c, f, &e);
	if (fclose(f) != 0 && rc == 0) {
		snprintf(e.msg, sizeof(e.msg), "%s", strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", path, e.msg);
		remove(path);
	}
	return rc;
}

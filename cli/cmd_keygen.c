/* cmd_keygen.c: `mpcc keygen`: a party's TLS key, self-signed certificate and fingerprint
 * (runtime/tls.h does the work). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "tls.h"

static const char keygen_help[] =
    "usage: mpcc keygen --out NAME [--name CN] [--force]\n"
    "       mpcc keygen --fingerprint FILE.crt\n\n"
    "Makes a party's TLS identity: NAME.key, a new Ed25519 private key (mode 0600; keep it\n"
    "secret, it never leaves this machine), and NAME.crt, a self-signed certificate for it\n"
    "(CN = the last part of NAME, or --name CN; no expiry). Prints the certificate's\n"
    "fingerprint on standard output, one line:\n\n"
    "    sha256:<64 lowercase hex digits>\n\n"
    "the SHA-256 of the certificate in DER form, the same as\n"
    "    openssl x509 -in NAME.crt -outform DER | sha256sum\n"
    "Give this fingerprint (not the key) to the other parties: their parties file pins it,\n"
    "and a peer whose certificate does not match is refused. Fingerprints are also accepted\n"
    "without 'sha256:', in upper case, or with a colon between bytes.\n\n"
    "  --out NAME          write NAME.key and NAME.crt (a path; directories must exist)\n"
    "  --name CN           the certificate's common name (1 to 64 characters)\n"
    "  --force             replace NAME.key and NAME.crt if they exist (the old key is lost)\n"
    "  --fingerprint FILE  print the fingerprint of an existing certificate instead\n";

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int cmd_keygen(int argc, char **argv)
{
	const char *out = NULL, *name = NULL, *show = NULL, *v;
	bool force = false;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(keygen_help, stdout);
			return 0;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (cli_opt_value(argc, argv, &i, "--out", &v)) {
			if (!v)
				return EXIT_USAGE;
			out = v;
		} else if (cli_opt_value(argc, argv, &i, "--name", &v)) {
			if (!v)
				return EXIT_USAGE;
			name = v;
		} else if (cli_opt_value(argc, argv, &i, "--fingerprint", &v)) {
			if (!v)
				return EXIT_USAGE;
			show = v;
		} else {
			fprintf(stderr, "mpcc keygen: unexpected '%s'\n\n%s", argv[i], keygen_help);
			return EXIT_USAGE;
		}
	}
	if ((out == NULL) == (show == NULL) || (show && (name || force))) {
		fprintf(stderr, "mpcc keygen: give --out NAME, or --fingerprint FILE alone\n\n%s",
			keygen_help);
		return EXIT_USAGE;
	}

	char errmsg[256], fp_text[TLS_FP_CHARS];
	uint8_t fp[TLS_FP_BYTES];
	if (show) {
		if (tls_cert_file_fingerprint(show, fp, errmsg, sizeof(errmsg)) != RT_OK) {
			fprintf(stderr, "mpcc keygen: %s\n", errmsg);
			return 1;
		}
		tls_fp_format(fp_text, fp);
		printf("%s\n", fp_text);
		return 0;
	}

	size_t n = strlen(out);
	const char *base = strrchr(out, '/');
	base = base ? base + 1 : out;
	if (n == 0 || *base == '\0') {
		fprintf(stderr, "mpcc keygen: --out needs a file name, as in --out alice\n");
		return EXIT_USAGE;
	}
	char *key_path = malloc(n + 5), *crt_path = malloc(n + 5);
	int rc = 1;
	if (!key_path || !crt_path) {
		fprintf(stderr, "mpcc keygen: out of memory\n");
		goto out;
	}
	snprintf(key_path, n + 5, "%s.key", out);
	snprintf(crt_path, n + 5, "%s.crt", out);
	if (tls_keygen(key_path, crt_path, name ? name : base, force, fp, errmsg, sizeof(errmsg)) !=
	    RT_OK) {
		fprintf(stderr, "mpcc keygen: %s\n", errmsg);
		goto out;
	}
	tls_fp_format(fp_text, fp);
	fprintf(stderr,
		"mpcc keygen: wrote %s (private key: keep it secret) and %s (certificate)\n",
		key_path, crt_path);
	printf("%s\n", fp_text);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	free(key_path);
	free(crt_path);
	return rc;
}

/* tls.c: party identities for TLS: Ed25519 keys, self-signed certificates, fingerprints.
 *
 * Key and certificate files are read whole (at most TLS_FILE_MAX bytes) into memory and
 * parsed from there, so the key's PEM text sits in one buffer that is wiped afterwards (a
 * FILE* would leave copies in stdio's buffer). New files are created with O_EXCL: a key is
 * never written over by accident, nor through a symbolic link.
 */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static rt_err fail(char *errmsg, size_t errlen, rt_err err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rt_err fail(char *errmsg, size_t errlen, rt_err err, const char *fmt, ...)
{
	if (errmsg && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errmsg, errlen, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error(); /* what OpenSSL queued is told, or not needed */
	return err;
}

/* OpenSSL's reason for the last failure, for a message. */
static const char *ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());
	return r ? r : "unknown reason";
}

/* ---- fingerprints ---- */

rt_err tls_cert_fingerprint(const X509 *crt, uint8_t fp[TLS_FP_BYTES])
{
	unsigned int len = 0;
	if (!crt || X509_digest(crt, EVP_sha256(), fp, &len) != 1 || len != TLS_FP_BYTES) {
		ERR_clear_error();
		return RT_ERR_CRYPTO;
	}
	return RT_OK;
}

void tls_fp_format(char out[TLS_FP_CHARS], const uint8_t fp[TLS_FP_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < TLS_FP_BYTES; i++) {
		out[7 + 2 * i] = hex[fp[i] >> 4];
		out[8 + 2 * i] = hex[fp[i] & 15];
	}
	out[7 + 2 * TLS_FP_BYTES] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

rt_err tls_fp_parse(const char *s, uint8_t fp[TLS_FP_BYTES])
{
	if (!s)
		return RT_ERR_INPUT;
	if (strncmp(s, "sha256:", 7) == 0 || strncmp(s, "SHA256:", 7) == 0)
		s += 7;
	size_t n = strlen(s);
	/* either 64 digits, or 32 pairs with a colon between each two */
	int colons = n == 3 * TLS_FP_BYTES - 1;
	if (n != 2 * TLS_FP_BYTES && !colons)
		return RT_ERR_INPUT;
	uint8_t out[TLS_FP_BYTES];
	for (int i = 0; i < TLS_FP_BYTES; i++) {
		const char *p = s + (colons ? 3 * i : 2 * i);
		int hi = hex_value(p[0]), lo = hex_value(p[1]);
		if (hi < 0 || lo < 0)
			return RT_ERR_INPUT;
		if (colons && i + 1 < TLS_FP_BYTES && p[2] != ':')
			return RT_ERR_INPUT;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(fp, out, TLS_FP_BYTES);
	return RT_OK;
}

/* ---- files ---- */

/* Reads all of path (at most TLS_FILE_MAX bytes) into a new buffer *buf, *len bytes, and
 * NUL-terminates it. With is_key, refuses a file others may read or write. */
static rt_err read_file(const char *path, bool is_key, uint8_t **buf, size_t *len, char *errmsg,
			size_t errlen)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errmsg, errlen, RT_ERR_INPUT, "cannot open %s: %s", path,
			    strerror(errno));
	struct stat st;
	rt_err err = RT_OK;
	if (fstat(fd, &st) != 0) {
		err =
		    fail(errmsg, errlen, RT_ERR_INPUT, "cannot stat %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = fail(errmsg, errlen, RT_ERR_INPUT, "%s is not a regular file", path);
	} else if (st.st_size > TLS_FILE_MAX) {
		err =
		    fail(errmsg, errlen, RT_ERR_INPUT, "%s is %lld bytes, more than a %s (%d)",
			 path, (long long)st.st_size, is_key ? "key" : "certificate", TLS_FILE_MAX);
	} else if (is_key && (st.st_mode & 077) != 0) {
		err = fail(errmsg, errlen, RT_ERR_INPUT,
			   "private key %s is open to other users (mode %04o): chmod 600 it", path,
			   (unsigned)(st.st_mode & 07777));
	}
	if (err != RT_OK) {
		close(fd);
		return err;
	}
	uint8_t *b = rt_alloc(TLS_FILE_MAX + 1);
	if (!b) {
		close(fd);
		return fail(errmsg, errlen, RT_ERR_NOMEM, "out of memory reading %s", path);
	}
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, b + n, TLS_FILE_MAX + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err = fail(errmsg, errlen, RT_ERR_INPUT, "cannot read %s: %s", path,
				   strerror(errno));
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > TLS_FILE_MAX) { /* grew since fstat */
			err = fail(errmsg, errlen, RT_ERR_INPUT, "%s is larger than %d bytes", path,
				   TLS_FILE_MAX);
			break;
		}
	}
	close(fd);
	if (err != RT_OK) {
		secret_free(b, TLS_FILE_MAX + 1);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return RT_OK;
}

/* An encrypted key would make OpenSSL ask for a passphrase on the terminal: refuse instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static rt_err parse_cert(const uint8_t *pem, size_t len, const char *path, X509 **crt, char *errmsg,
			 size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	*crt = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!*crt)
		return fail(errmsg, errlen, RT_ERR_INPUT, "%s holds no PEM certificate (%s)", path,
			    ssl_reason());
	return RT_OK;
}

rt_err tls_cert_file_fingerprint(const char *crt_path, uint8_t fp[TLS_FP_BYTES], char *errmsg,
				 size_t errlen)
{
	uint8_t *pem;
	size_t len;
	rt_err err = read_file(crt_path, false, &pem, &len, errmsg, errlen);
	if (err != RT_OK)
		return err;
	X509 *crt = NULL;
	err = parse_cert(pem, len, crt_path, &crt, errmsg, errlen);
	rt_free(pem);
	if (err == RT_OK && tls_cert_fingerprint(crt, fp) != RT_OK)
		err =
		    fail(errmsg, errlen, RT_ERR_CRYPTO, "cannot hash the certificate %s", crt_path);
	X509_free(crt);
	return err;
}

rt_err tls_load_identity(const char *key_path, const char *crt_path, EVP_PKEY **key, X509 **crt,
			 char *errmsg, size_t errlen)
{
	*key = NULL;
	*crt = NULL;
	uint8_t *pem;
	size_t len;
	rt_err err = read_file(crt_path, false, &pem, &len, errmsg, errlen);
	if (err != RT_OK)
		return err;
	err = parse_cert(pem, len, crt_path, crt, errmsg, errlen);
	rt_free(pem);
	if (err != RT_OK)
		return err;

	err = read_file(key_path, true, &pem, &len, errmsg, errlen);
	if (err != RT_OK)
		goto out;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	*key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	secret_free(pem, TLS_FILE_MAX + 1);
	if (!*key) {
		err = fail(errmsg, errlen, RT_ERR_INPUT,
			   "%s holds no unencrypted PEM private key (%s)", key_path, ssl_reason());
		goto out;
	}
	if (X509_check_private_key(*crt, *key) != 1)
		err = fail(errmsg, errlen, RT_ERR_INPUT,
			   "the key in %s does not belong to the certificate in %s", key_path,
			   crt_path);
out:
	if (err != RT_OK) {
		EVP_PKEY_free(*key);
		X509_free(*crt);
		*key = NULL;
		*crt = NULL;
	}
	return err;
}

/* ---- keygen ---- */

/* Creates path (it must not exist) with mode and writes n bytes; removes it on failure. */
static rt_err write_new_file(const char *path, int mode, const void *data, size_t n, char *errmsg,
			     size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return fail(errmsg, errlen, RT_ERR_INPUT, "cannot create %s: %s", path,
			    strerror(errno));
	const uint8_t *p = data;
	size_t left = n;
	int e = 0;
	while (left > 0 && e == 0) {
		ssize_t k = write(fd, p, left);
		if (k > 0) {
			p += k;
			left -= (size_t)k;
		} else if (k < 0 && errno != EINTR) {
			e = errno;
		}
	}
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0) {
		unlink(path);
		return fail(errmsg, errlen, RT_ERR_INPUT, "cannot write %s: %s", path, strerror(e));
	}
	return RT_OK;
}

/* Clears the way for a new file at path: an error if something is there, unless force. */
static rt_err make_room(const char *path, bool force, char *errmsg, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? RT_OK
				       : fail(errmsg, errlen, RT_ERR_INPUT, "cannot check %s: %s",
					      path, strerror(errno));
	if (!force)
		return fail(errmsg, errlen, RT_ERR_INPUT,
			    "%s already exists (pass --force to replace it)", path);
	if (unlink(path) != 0)
		return fail(errmsg, errlen, RT_ERR_INPUT, "cannot remove %s: %s", path,
			    strerror(errno));
	return RT_OK;
}

static bool cn_ok(const char *cn)
{
	size_t n = strlen(cn);
	if (n == 0 || n > TLS_CN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f)
			return false;
	return true;
}

static bool add_ext(X509 *crt, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	bool ok = e && X509_add_ext(crt, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/* A self-signed X.509 v3 certificate for key, CN=cn, valid from now on without end. */
static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *crt = X509_new();
	uint8_t serial[16]; /* random, positive, 127 bits (RFC 5280: at most 20 octets) */
	BIGNUM *bn = NULL;
	bool ok = crt && RAND_bytes(serial, sizeof(serial)) == 1;
	if (ok) {
		serial[0] = (serial[0] & 0x7f) | 0x40;
		bn = BN_bin2bn(serial, sizeof(serial), NULL);
	}
	ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt)) &&
	     X509_set_version(crt, X509_VERSION_3) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(crt), 0) &&
	     ASN1_TIME_set_string_X509(X509_getm_notAfter(crt), "99991231235959Z") == 1;
	BN_free(bn);
	X509_NAME *name = ok ? X509_get_subject_name(crt) : NULL;
	ok = ok && name &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) == 1 &&
	     X509_set_issuer_name(crt, name) == 1 && X509_set_pubkey(crt, key) == 1;
	if (ok) {
		X509V3_CTX ctx;
		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, crt, crt, NULL, NULL, 0);
		ok = add_ext(crt, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_ext(crt, &ctx, NID_key_usage, "critical,digitalSignature") &&
		     add_ext(crt, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") &&
		     add_ext(crt, &ctx, NID_subject_key_identifier, "hash") &&
		     X509_sign(crt, key, NULL) > 0; /* Ed25519 hashes itself: no digest */
	}
	if (!ok) {
		X509_free(crt);
		return NULL;
	}
	return crt;
}

/* The PEM text that write_pem produced: *data points into bio. */
static size_t bio_text(BIO *bio, const char **data)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	*data = p;
	return n > 0 ? (size_t)n : 0;
}

rt_err tls_new_identity(const char *cn, EVP_PKEY **key, X509 **crt, char *errmsg, size_t errlen)
{
	*key = NULL;
	*crt = NULL;
	if (!cn || !cn_ok(cn))
		return fail(errmsg, errlen, RT_ERR_INPUT,
			    "the name must be 1 to %d printable characters", TLS_CN_MAX);
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	*crt = *key ? self_signed(*key, cn) : NULL;
	if (!*crt) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return fail(errmsg, errlen, RT_ERR_CRYPTO, "cannot make a key and certificate: %s",
			    ssl_reason());
	}
	return RT_OK;
}

rt_err tls_keygen(const char *key_path, const char *crt_path, const char *cn, bool force,
		  uint8_t fp[TLS_FP_BYTES], char *errmsg, size_t errlen)
{
	if (!cn || !cn_ok(cn))
		return fail(errmsg, errlen, RT_ERR_INPUT,
			    "the name must be 1 to %d printable characters", TLS_CN_MAX);
	rt_err err = make_room(key_path, force, errmsg, errlen);
	if (err == RT_OK)
		err = make_room(crt_path, force, errmsg, errlen);
	if (err != RT_OK)
		return err;

	EVP_PKEY *key;
	X509 *crt;
	err = tls_new_identity(cn, &key, &crt, errmsg, errlen);
	if (err != RT_OK)
		return err;
	BIO *key_pem = BIO_new(BIO_s_secmem()); /* wiped when freed */
	BIO *crt_pem = BIO_new(BIO_s_mem());
	if (!key_pem || !crt_pem ||
	    PEM_write_bio_PrivateKey(key_pem, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(crt_pem, crt) != 1 || tls_cert_fingerprint(crt, fp) != RT_OK) {
		err = fail(errmsg, errlen, RT_ERR_CRYPTO, "cannot make a key and certificate: %s",
			   ssl_reason());
		goto out;
	}
	const char *text;
	size_t n = bio_text(key_pem, &text);
	err = write_new_file(key_path, 0600, text, n, errmsg, errlen);
	if (err != RT_OK)
		goto out;
	n = bio_text(crt_pem, &text);
	err = write_new_file(crt_path, 0644, text, n, errmsg, errlen);
	if (err != RT_OK)
		unlink(key_path); /* no key without its certificate */
out:
	EVP_PKEY_free(key);
	X509_free(crt);
	BIO_free(key_pem);
	BIO_free(crt_pem);
	return err;
}

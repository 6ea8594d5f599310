/* tls.h: a party's identity for TLS: its private key, a self-signed certificate, and the
 * certificate's SHA-256 fingerprint that the other parties pin.
 *
 * There is no certificate authority: `mpcc keygen` makes NAME.key and NAME.crt, the owner
 * hands out the fingerprint (not the key), and the parties file names each party's
 * fingerprint. The TLS channel itself (net_tls_new, net_chan_tls) is in net.h.
 *
 * Fingerprint: SHA-256 of the certificate's DER encoding, the same as
 *     openssl x509 -in NAME.crt -outform DER | sha256sum
 * written "sha256:" and 64 lowercase hex digits. tls_fp_parse also takes it without the
 * "sha256:" prefix, in upper case, and with a colon between bytes (as `openssl x509
 * -fingerprint -sha256` prints it).
 *
 * Error messages go to errmsg (errlen bytes of room, or NULL) in plain words naming the file.
 */
#ifndef MPCC_TLS_H
#define MPCC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "rt.h"

enum {
	TLS_FP_BYTES = 32,	 /* SHA-256 */
	TLS_FP_CHARS = 72,	 /* "sha256:" + 64 hex digits + NUL */
	TLS_FILE_MAX = 64 << 10, /* largest key or certificate file read */
	TLS_CN_MAX = 64,	 /* longest common name (RFC 5280 ub-common-name) */
};

/* Makes a new Ed25519 key and a self-signed X.509 v3 certificate for it (subject and issuer
 * CN=cn, no expiry: notAfter 99991231235959Z), writes the key (PKCS#8 PEM, unencrypted) to
 * key_path with mode 0600 and the certificate (PEM) to crt_path, and sets fp. Neither file
 * may exist unless force (then both are replaced). The key never leaves this function: its
 * memory is wiped. cn: 1 to TLS_CN_MAX printable characters. */
RT_MUST_CHECK rt_err tls_keygen(const char *key_path, const char *crt_path, const char *cn,
				bool force, uint8_t fp[TLS_FP_BYTES], char *errmsg, size_t errlen);

/* The same key and certificate in memory only (for a run whose parties all live on this
 * machine, like `mpcc local`): the caller frees both. */
RT_MUST_CHECK rt_err tls_new_identity(const char *cn, EVP_PKEY **key, X509 **crt, char *errmsg,
				      size_t errlen);

/* Reads a PEM private key and the PEM certificate it belongs to. The key file must not be
 * readable or writable by group or others (like ssh: chmod 600), must not be encrypted, and
 * must match the certificate. The caller frees both (EVP_PKEY_free wipes the key). */
RT_MUST_CHECK rt_err tls_load_identity(const char *key_path, const char *crt_path, EVP_PKEY **key,
				       X509 **crt, char *errmsg, size_t errlen);

/* Reads a PEM certificate file, or any certificate: its fingerprint. */
RT_MUST_CHECK rt_err tls_cert_file_fingerprint(const char *crt_path, uint8_t fp[TLS_FP_BYTES],
					       char *errmsg, size_t errlen);
RT_MUST_CHECK rt_err tls_cert_fingerprint(const X509 *crt, uint8_t fp[TLS_FP_BYTES]);

/* "sha256:" and 64 lowercase hex digits. */
void tls_fp_format(char out[TLS_FP_CHARS], const uint8_t fp[TLS_FP_BYTES]);
/* The forms described above; anything else (wrong length, stray characters, colons in some
 * places only) is RT_ERR_INPUT. */
RT_MUST_CHECK rt_err tls_fp_parse(const char *s, uint8_t fp[TLS_FP_BYTES]);

#endif

/* prg.c: AES-128-CTR keystream as a PRG. The seed is the AES key; the counter starts at 0.
 * OpenSSL's EVP AES-CTR runs on AES-NI where the CPU has it. */
#include "prg.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

struct prg {
	EVP_CIPHER_CTX *ctx;
};

rt_err prg_new_seeded(prg **out, const uint8_t seed[16])
{
	static const uint8_t iv[16];
	prg *p = rt_calloc(1, sizeof(*p));
	if (!p)
		return RT_ERR_NOMEM;
	p->ctx = EVP_CIPHER_CTX_new();
	if (!p->ctx || EVP_EncryptInit_ex(p->ctx, EVP_aes_128_ctr(), NULL, seed, iv) != 1) {
		prg_free(p);
		return RT_ERR_CRYPTO;
	}
	*out = p;
	return RT_OK;
}

rt_err prg_new_random(prg **out)
{
	uint8_t seed[16];
	if (RAND_bytes(seed, sizeof(seed)) != 1)
		return RT_ERR_CRYPTO;
	rt_err err = prg_new_seeded(out, seed);
	secret_wipe(seed, sizeof(seed));
	return err;
}

rt_err prg_bytes(prg *p, void *buf, size_t n)
{
	static const uint8_t zeros[4096];
	uint8_t *o = buf;
	while (n > 0) {
		int chunk = n < sizeof(zeros) ? (int)n : (int)sizeof(zeros);
		int len = 0;
		if (EVP_EncryptUpdate(p->ctx, o, &len, zeros, chunk) != 1 || len != chunk)
			return RT_ERR_CRYPTO;
		o += chunk;
		n -= (size_t)chunk;
	}
	return RT_OK;
}

rt_err prg_mix(prg *p, const void *data, size_t n)
{
	static const uint8_t iv[16];
	uint8_t k[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	rt_err err = prg_bytes(p, k, 16);
	if (!err && (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		     EVP_DigestUpdate(md, k, 16) != 1 || EVP_DigestUpdate(md, data, n) != 1 ||
		     EVP_DigestFinal_ex(md, k, NULL) != 1 ||
		     EVP_EncryptInit_ex(p->ctx, EVP_aes_128_ctr(), NULL, k, iv) != 1))
		err = RT_ERR_CRYPTO;
	EVP_MD_CTX_free(md);
	secret_wipe(k, sizeof(k));
	return err;
}

void prg_free(prg *p)
{
	if (!p)
		return;
	EVP_CIPHER_CTX_free(p->ctx); /* OpenSSL cleanses the key schedule */
	rt_free(p);
}

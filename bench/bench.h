/* bench.h: what every benchmark shares: a monotonic clock, this machine's AES-128 throughput
 * (printed beside our figures so numbers from different machines compare), peak memory. */
#ifndef MPCC_BENCH_H
#define MPCC_BENCH_H

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* AES-128-ECB blocks per second on one core through OpenSSL (AES-NI/VAES where the CPU has
 * them): the best of 5 runs of ~0.05 s, the same figure as `openssl speed -evp aes-128-ecb`.
 * The best, not one long run: on a busy machine a single window can lose most of its time
 * to other processes. */
static inline double bench_aes_blocks_per_s(void)
{
	static uint8_t buf[1 << 16];
	uint8_t key[16] = {1};
	int len;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	double best = 0;
	for (int run = 0; run < 5; run++) {
		double t0 = bench_now(), t;
		uint64_t blocks = 0;
		do {
			for (int i = 0; i < 16; i++)
				EVP_EncryptUpdate(ctx, buf, &len, buf, (int)sizeof(buf));
			blocks += 16 * sizeof(buf) / 16;
		} while ((t = bench_now() - t0) < 0.05);
		if ((double)blocks / t > best)
			best = (double)blocks / t;
	}
	EVP_CIPHER_CTX_free(ctx);
	return best;
}

/* Peak resident memory of this process so far, in MiB. */
static inline double bench_peak_rss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

#endif

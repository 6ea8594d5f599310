/* test_circuits.c: the circuit library: the shared Bristol circuits evaluate correctly
 * (FIPS-197, FIPS-180-4 digests, C arithmetic on random inputs), formats round-trip, bad files
 * are rejected with line-numbered messages, values parse and print, stats add up. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "circuit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static const char *bristol_dir(void)
{
	const char *d = getenv("MPCC_BRISTOL_DIR");
	return d && *d ? d : "../shared/circuits/bristol";
}

/* Loads a shared circuit, or skips the test with a visible notice when the folder is absent. */
static struct circ_circuit *load_shared(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", bristol_dir(), name);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "NOTICE: %s not found; set MPCC_BRISTOL_DIR. Skipping.\n", path);
		cr_skip_test("shared Bristol circuits not found at %s", bristol_dir());
	}
	struct circ_circuit *c = NULL;
	struct circ_err err;
	int rc = circ_load(&c, path, CIRC_FMT_AUTO, NULL, &err);
	cr_assert(rc == 0, "%s", err.msg);
	return c;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) /* splitmix64, fixed seed: runs repeat */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Evaluates a circuit whose inputs are all at most 64 bits on 64 lanes at once:
 * in[k][l] is input k in lane l; out[k][l] receives output k in lane l. */
static void eval_lanes(const struct circ_circuit *c, uint64_t in[][64], uint64_t out[][64])
{
	uint64_t *iw = calloc(c->nin_bits + 1, 8), *ow = calloc(c->nout_bits + 1, 8);
	uint64_t *wires = calloc(circ_nwires(c) + 1, 8);
	cr_assert(iw && ow && wires);
	for (uint32_t k = 0; k < c->ninputs; k++)
		for (uint32_t b = 0; b < c->inputs[k].width; b++)
			for (int l = 0; l < 64; l++)
				iw[c->inputs[k].first + b] |= ((in[k][l] >> b) & 1) << l;
	circ_eval64(c, iw, ow, wires);
	for (uint32_t k = 0; k < c->noutputs; k++)
		for (int l = 0; l < 64; l++) {
			out[k][l] = 0;
			for (uint32_t b = 0; b < c->outputs[k].width && b < 64; b++)
				out[k][l] |= ((ow[c->outputs[k].first + b] >> l) & 1) << b;
		}
	free(iw);
	free(ow);
	free(wires);
}

/* Evaluates once with inputs written as hex numbers; compares output k with want_hex. */
static void check_hex(const struct circ_circuit *c, const char *const *in_hex, uint32_t out_k,
		      const char *want_hex)
{
	uint64_t *in[8] = {0}, *out[8] = {0};
	struct circ_err err;
	cr_assert(c->ninputs <= 8 && c->noutputs <= 8);
	for (uint32_t k = 0; k < c->ninputs; k++) {
		in[k] = calloc(circ_limbs(c->inputs[k].width), 8);
		cr_assert(circ_value_parse(in[k], c->inputs[k].width, false, in_hex[k], &err) == 0,
			  "%s", err.msg);
	}
	for (uint32_t k = 0; k < c->noutputs; k++)
		out[k] = calloc(circ_limbs(c->outputs[k].width), 8);
	cr_assert(circ_eval_values(c, in, out) == 0);
	uint32_t w = c->outputs[out_k].width;
	uint64_t *want = calloc(circ_limbs(w), 8);
	cr_assert(circ_value_parse(want, w, false, want_hex, &err) == 0, "%s", err.msg);
	char got[512];
	circ_value_format(got, sizeof(got), out[out_k], w, false, true);
	bool same = memcmp(want, out[out_k], circ_limbs(w) * 8) == 0;
	cr_assert(same, "got %s, want %s", got, want_hex);
	free(want);
	for (uint32_t k = 0; k < 8; k++) {
		free(in[k]);
		free(out[k]);
	}
}

TestSuite(bristol, .timeout = 120);

/* ---- AES, FIPS-197 Appendix B and C ---- */

Test(bristol, aes128_fips197)
{
	struct circ_circuit *c = load_shared("aes_128.txt");
	check_hex(c, (const char *[]){"0x2b7e151628aed2a6abf7158809cf4f3c",
				      "0x3243f6a8885a308d313198a2e0370734"},
		  0, "0x3925841d02dc09fbdc118597196a0b32");
	check_hex(c, (const char *[]){"0x000102030405060708090a0b0c0d0e0f",
				      "0x00112233445566778899aabbccddeeff"},
		  0, "0x69c4e0d86a7b0430d8cdb78070b4c55a");
	circ_free(c);
}

Test(bristol, aes192_fips197)
{
	struct circ_circuit *c = load_shared("aes_192.txt");
	check_hex(c, (const char *[]){"0x000102030405060708090a0b0c0d0e0f1011121314151617",
				      "0x00112233445566778899aabbccddeeff"},
		  0, "0xdda97ca4864cdfe06eaf70a0ec0d7191");
	circ_free(c);
}

Test(bristol, aes256_fips197)
{
	struct circ_circuit *c = load_shared("aes_256.txt");
	check_hex(c,
		  (const char *[]){
			  "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			  "0x00112233445566778899aabbccddeeff"},
		  0, "0x8ea2b7ca516745bfeafc49904b496089");
	circ_free(c);
}

/* The old-format AES takes the plaintext first and is MSB-first: reverse every bit. */
static void reverse_hex_bits(char *out, const char *hex)
{
	size_t n = strlen(hex);
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)strtoul((char[]){hex[n - 1 - i], 0}, NULL, 16);
		unsigned r = ((v & 1) << 3) | ((v & 2) << 1) | ((v & 4) >> 1) | ((v & 8) >> 3);
		out[2 + i] = "0123456789abcdef"[r];
	}
	out[2 + n] = '\0';
}

Test(bristol, old_format_aes_msb_first)
{
	struct circ_circuit *c = load_shared("bristol_format/AES-non-expanded.txt");
	char pt[40], key[40], ct[40];
	reverse_hex_bits(pt, "3243f6a8885a308d313198a2e0370734");
	reverse_hex_bits(key, "2b7e151628aed2a6abf7158809cf4f3c");
	reverse_hex_bits(ct, "3925841d02dc09fbdc118597196a0b32");
	check_hex(c, (const char *[]){pt, key}, 0, ct);
	circ_free(c);
}

/* ---- SHA-256 (FIPS 180-4 examples) ---- */

static const char SHA_IV[] = "0x6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19";

Test(bristol, sha256_empty_and_abc)
{
	struct circ_circuit *c = load_shared("sha256.txt");
	char block[131] = "0x80";
	memset(block + 4, '0', 126);
	block[130] = '\0';
	check_hex(c, (const char *[]){block, SHA_IV}, 0,
		  "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	char abc[131] = "0x61626380";
	memset(abc + 10, '0', 120);
	memcpy(abc + 130 - 2, "18", 3);
	check_hex(c, (const char *[]){abc, SHA_IV}, 0,
		  "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	circ_free(c);
}

Test(bristol, sha256_two_blocks)
{
	struct circ_circuit *c = load_shared("sha256.txt");
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char b1[131] = "0x", b2[131] = "0x", mid[67];
	for (size_t i = 0; i < 56; i++)
		snprintf(b1 + 2 + 2 * i, 3, "%02x", (unsigned char)msg[i]);
	memcpy(b1 + 114, "8000000000000000", 17);
	memset(b2 + 2, '0', 128);
	memcpy(b2 + 130 - 3, "1c0", 4);
	/* first block: evaluate and keep the chaining value */
	uint64_t *in[2], *out[1];
	struct circ_err err;
	in[0] = calloc(8, 8);
	in[1] = calloc(4, 8);
	out[0] = calloc(4, 8);
	cr_assert(circ_value_parse(in[0], 512, false, b1, &err) == 0, "%s", err.msg);
	cr_assert(circ_value_parse(in[1], 256, false, SHA_IV, &err) == 0);
	cr_assert(circ_eval_values(c, in, out) == 0);
	snprintf(mid, sizeof(mid), "0x");
	for (int i = 3; i >= 0; i--)
		snprintf(mid + 2 + (3 - i) * 16, 17, "%016llx", (unsigned long long)out[0][i]);
	check_hex(c, (const char *[]){b2, mid}, 0,
		  "0x248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	free(in[0]);
	free(in[1]);
	free(out[0]);
	circ_free(c);
}

Test(bristol, old_format_sha_abc)
{
	char abc_hex[131] = "0x61626380";
	memset(abc_hex + 10, '0', 120);
	memcpy(abc_hex + 128, "18", 3);
	char rev[140], want[80];
	reverse_hex_bits(rev, abc_hex + 2);
	struct circ_circuit *c = load_shared("bristol_format/sha-256.txt");
	cr_assert_eq(c->ninputs, 1, "n2 = 0 means a single input");
	reverse_hex_bits(want, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_hex(c, (const char *[]){rev}, 0, want);
	circ_free(c);
	c = load_shared("bristol_format/sha-1.txt");
	reverse_hex_bits(want, "a9993e364706816aba3e25717850c26c9cd0d89d");
	check_hex(c, (const char *[]){rev}, 0, want);
	circ_free(c);
}

/* ---- integer circuits against C arithmetic, 1024 random inputs each ---- */

enum { ROUNDS = 16 }; /* 16 passes of 64 lanes */

/* Random operand: mixes uniform values with small and extreme ones. */
static uint64_t operand(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd() % 16;
	case 1:
		return (uint64_t)-(int64_t)(rnd() % 16);
	case 2:
		return rnd() >> (rnd() % 64);
	default:
		return rnd();
	}
}

typedef void (*ref_fn)(const uint64_t *in, uint64_t *out);

static void check_integer(const char *file, ref_fn ref, bool nonzero_b)
{
	struct circ_circuit *c = load_shared(file);
	uint64_t in[2][64], out[2][64];
	for (int r = 0; r < ROUNDS; r++) {
		for (int l = 0; l < 64; l++) {
			in[0][l] = operand();
			in[1][l] = operand();
			while (nonzero_b && in[1][l] == 0)
				in[1][l] = operand();
		}
		eval_lanes(c, in, out);
		for (int l = 0; l < 64; l++) {
			uint64_t want[2] = {0, 0}, args[2] = {in[0][l], in[1][l]};
			ref(args, want);
			for (uint32_t k = 0; k < c->noutputs; k++)
				cr_assert_eq(out[k][l], want[k], "%s(%llx, %llx) output %u", file,
					     (unsigned long long)args[0],
					     (unsigned long long)args[1], k);
		}
	}
	circ_free(c);
}

static void ref_add(const uint64_t *i, uint64_t *o) { o[0] = i[0] + i[1]; }
static void ref_sub(const uint64_t *i, uint64_t *o) { o[0] = i[0] - i[1]; }
static void ref_neg(const uint64_t *i, uint64_t *o) { o[0] = -i[0]; }
static void ref_mul(const uint64_t *i, uint64_t *o) { o[0] = i[0] * i[1]; }
static void ref_zero(const uint64_t *i, uint64_t *o) { o[0] = i[0] == 0; }
static void ref_udiv(const uint64_t *i, uint64_t *o) { o[0] = i[0] / i[1]; }
static void ref_mul2(const uint64_t *i, uint64_t *o)
{
	__extension__ unsigned __int128 p = (unsigned __int128)i[0] * i[1];
	o[0] = (uint64_t)(p >> 64);
	o[1] = (uint64_t)p;
}
static void ref_sdiv(const uint64_t *i, uint64_t *o)
{
	int64_t a = (int64_t)i[0], b = (int64_t)i[1];
	o[0] = (a == INT64_MIN && b == -1) ? (uint64_t)INT64_MIN : (uint64_t)(a / b);
}

Test(bristol, adder64) { check_integer("adder64.txt", ref_add, false); }
Test(bristol, sub64) { check_integer("sub64.txt", ref_sub, false); }
Test(bristol, neg64_with_eqw) { check_integer("neg64.txt", ref_neg, false); }
Test(bristol, mult64) { check_integer("mult64.txt", ref_mul, false); }
Test(bristol, mult2_64) { check_integer("mult2_64.txt", ref_mul2, false); }
Test(bristol, divide64_signed) { check_integer("divide64.txt", ref_sdiv, true); }
Test(bristol, udivide64) { check_integer("udivide64.txt", ref_udiv, true); }
Test(bristol, zero_equal) { check_integer("zero_equal.txt", ref_zero, false); }

Test(bristol, old_format_adder32_carry_out)
{
	struct circ_circuit *c = load_shared("bristol_format/adder_32bit.txt");
	uint64_t in[2][64], out[1][64];
	for (int r = 0; r < ROUNDS; r++) {
		for (int l = 0; l < 64; l++) {
			in[0][l] = rnd() & 0xffffffffu;
			in[1][l] = rnd() & 0xffffffffu;
		}
		eval_lanes(c, in, out);
		for (int l = 0; l < 64; l++)
			cr_assert_eq(out[0][l], in[0][l] + in[1][l]);
	}
	circ_free(c);
}

/* ---- IEEE-754 circuits against the C library (finite values of moderate size) ---- */

static double rnd_double(void)
{
	union {
		uint64_t u;
		double d;
	} x;
	uint64_t exp = 1023 - 40 + rnd() % 80; /* 2^-40 .. 2^40 */
	x.u = (rnd() & 0x800fffffffffffffu) | (exp << 52);
	return x.d;
}

static uint64_t bits_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static double double_of(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

enum fp_op { FP_ADD, FP_MUL, FP_EQ, FP_LT, FP_F2I, FP_I2F, FP_FLOOR, FP_CEIL };

static void check_fp(const char *file, enum fp_op op)
{
	struct circ_circuit *c = load_shared(file);
	uint64_t in[2][64], out[1][64];
	for (int r = 0; r < ROUNDS; r++) {
		for (int l = 0; l < 64; l++) {
			double a = rnd_double(), b = rnd_double();
			if (l % 8 == 0)
				b = a; /* equal operands matter for EQ and LT */
			if (op == FP_I2F)
				in[0][l] = (uint64_t)(int64_t)(a * 1e6);
			else
				in[0][l] = bits_of(a);
			in[1][l] = bits_of(b);
		}
		eval_lanes(c, in, out);
		for (int l = 0; l < 64; l++) {
			double a = double_of(in[0][l]), b = double_of(in[1][l]);
			uint64_t want = 0, got = out[0][l];
			switch (op) {
			case FP_ADD: want = bits_of(a + b); break;
			case FP_MUL: want = bits_of(a * b); break;
			case FP_EQ: want = a == b; got &= 1; break;
			case FP_LT: want = a < b; got &= 1; break;
			case FP_F2I: want = (uint64_t)llround(a); break;
			case FP_I2F: want = bits_of((double)(int64_t)in[0][l]); break;
			case FP_FLOOR: want = bits_of(floor(a)); break;
			case FP_CEIL: want = bits_of(ceil(a)); break;
			}
			cr_assert_eq(got, want, "%s(%a, %a): got %llx want %llx", file, a, b,
				     (unsigned long long)got, (unsigned long long)want);
		}
	}
	circ_free(c);
}

Test(bristol, fp_add) { check_fp("FP-add.txt", FP_ADD); }
Test(bristol, fp_mul) { check_fp("FP-mul.txt", FP_MUL); }
Test(bristol, fp_eq) { check_fp("FP-eq.txt", FP_EQ); }
Test(bristol, fp_lt) { check_fp("FP-lt.txt", FP_LT); }
Test(bristol, fp_f2i) { check_fp("FP-f2i.txt", FP_F2I); }
Test(bristol, fp_i2f) { check_fp("FP-i2f.txt", FP_I2F); }
Test(bristol, fp_floor) { check_fp("FP-floor.txt", FP_FLOOR); }
Test(bristol, fp_ceil) { check_fp("FP-ceil.txt", FP_CEIL); }

/* ---- round trips ---- */

static const char *const all_shared[] = {
	"adder64.txt",   "sub64.txt",      "neg64.txt",    "mult64.txt",   "mult2_64.txt",
	"divide64.txt",  "udivide64.txt",  "zero_equal.txt", "aes_128.txt", "aes_192.txt",
	"aes_256.txt",   "sha256.txt",     "FP-add.txt",   "FP-mul.txt",   "FP-eq.txt",
	"FP-lt.txt",     "FP-f2i.txt",     "FP-i2f.txt",   "FP-floor.txt", "FP-ceil.txt",
	"bristol_format/AES-non-expanded.txt", "bristol_format/adder_32bit.txt",
	"bristol_format/sha-1.txt", "bristol_format/sha-256.txt",
};

static void assert_same_circuit(const struct circ_circuit *a, const struct circ_circuit *b,
				const char *what)
{
	cr_assert_eq(a->ngates, b->ngates, "%s: gate count", what);
	cr_assert_eq(a->nin_bits, b->nin_bits, "%s", what);
	cr_assert_eq(a->nout_bits, b->nout_bits, "%s", what);
	cr_assert(memcmp(a->gates, b->gates, a->ngates * sizeof(*a->gates)) == 0, "%s: gates",
		  what);
	cr_assert(memcmp(a->output_wires, b->output_wires, a->nout_bits * 4) == 0, "%s", what);
	uint8_t ia[32], ib[32];
	cr_assert(circ_identity(a, ia) == 0 && circ_identity(b, ib) == 0);
	cr_assert(memcmp(ia, ib, 32) == 0, "%s: identity changed", what);
}

ParameterizedTestParameters(bristol, round_trip)
{
	static size_t idx[ARRAY_LEN(all_shared)];
	for (size_t i = 0; i < ARRAY_LEN(all_shared); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(all_shared));
}

/* Bristol -> binary -> Bristol keeps gates, identity and behaviour. */
ParameterizedTest(size_t *i, bristol, round_trip)
{
	const char *name = all_shared[*i];
	struct circ_circuit *orig = load_shared(name), *bin = NULL, *back = NULL;
	struct circ_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(circ_write_binary(orig, f, &err) == 0, "%s", err.msg);
	fclose(f);
	f = fmemopen(buf, len, "rb");
	cr_assert(circ_read_binary(&bin, f, name, &err) == 0, "%s", err.msg);
	fclose(f);
	free(buf);
	assert_same_circuit(orig, bin, name);

	f = open_memstream(&buf, &len);
	cr_assert(circ_write_bristol(bin, f, &err) == 0, "%s", err.msg);
	fclose(f);
	f = fmemopen(buf, len, "rb");
	cr_assert(circ_read_bristol(&back, f, name, NULL, &err) == 0, "%s", err.msg);
	fclose(f);
	free(buf);
	assert_same_circuit(orig, back, name);

	/* behaviour: 64 random lanes agree */
	uint64_t *in = calloc(orig->nin_bits + 1, 8), *o1 = calloc(orig->nout_bits + 1, 8);
	uint64_t *o2 = calloc(orig->nout_bits + 1, 8), *w = calloc(circ_nwires(orig) + 1, 8);
	for (uint32_t k = 0; k < orig->nin_bits; k++)
		in[k] = rnd();
	circ_eval64(orig, in, o1, w);
	circ_eval64(back, in, o2, w);
	cr_assert(memcmp(o1, o2, orig->nout_bits * 8) == 0, "%s: outputs differ", name);
	free(in);
	free(o1);
	free(o2);
	free(w);
	circ_free(orig);
	circ_free(bin);
	circ_free(back);
}

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

/* ---- malformed Bristol files: line-numbered messages, no crash or huge allocation ---- */

static const struct {
	const char *text, *msg;
} bad_bristol[] = {
	{"", "t.txt:1: expected the gate count, found the end of the line"},
	{"x 3\n", "t.txt:1: expected the gate count, found 'x'"},
	{"1 3 5\n", "t.txt:1: unexpected '5' at the end of the line"},
	{"1 3\n3 1 1\n1 1\n\n2 1 0 1 2 XOR\n", "t.txt:2: expected the input count and one width"},
	{"1 3\n2 1 1\n2 1\n\n2 1 0 1 2 XOR\n", "t.txt:3: expected the output count and one width"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 5 2 XOR\n", "t.txt:5: wire 5 is out of range"},
	{"2 4\n2 1 1\n1 1\n\n2 1 0 2 3 AND\n2 1 0 1 2 XOR\n",
	 "t.txt:5: wire 2 is read before it is assigned"},
	{"2 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n2 1 0 1 2 AND\n", "t.txt:6: wire 2 is assigned twice"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 1 XOR\n", "t.txt:5: wire 1 is an input and cannot be assigned"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 NAND\n", "t.txt:5: unknown gate type 'NAND'"},
	{"1 3\n2 1 1\n1 1\n\n1 1 0 2 XOR\n", "t.txt:5: XOR takes 2 inputs and 1 output, not 1 and 1"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 INV\n", "t.txt:5: INV takes 1 input and 1 output, not 2 and 1"},
	{"1 3\n2 1 1\n1 1\n\n1 1 7 2 EQ\n", "t.txt:5: EQ takes a constant 0 or 1, not 7"},
	{"1 4\n2 1 1\n2 1 1\n\n3 1 0 1 0 2 MAND\n", "t.txt:5: MAND takes 2n inputs and n outputs"},
	{"2 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n", "t.txt:6: the header promises 2 gates but the file has 1"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n2 1 0 1 2 XOR\n",
	 "t.txt:6: more gate lines than the 1 the header promises"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\nhello\n", "t.txt:6: more gate lines than the 1"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2 XOR junk\n", "t.txt:5: unexpected 'junk' at the end of the line"},
	{"1 4\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n", "t.txt:6: output wire 3 is never assigned"},
	{"4000000000 4000000000\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n",
	 "t.txt:1: the header promises 4000000000 gates, more than the file can hold"},
	{"1 4000000000\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n",
	 "t.txt:1: the header promises 4000000000 wires, more than the file can define"},
	{"99999999999999999999999 3\n", "t.txt:1: the gate count is too large"},
	{"1 3\n2 0 1\n1 1\n\n2 1 0 1 2 XOR\n", "t.txt:2: input 0 has width 0"},
	{"1 3\n2 1 1\n1 0\n\n2 1 0 1 2 XOR\n", "t.txt:3: output 0 has width 0"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1\n", "t.txt:5: expected a wire number, found the end of the line"},
	{"1 3\n2 1 1\n1 1\n\n2 1 0 1 2\n", "t.txt:5: expected a gate type, found the end of the line"},
	{"1 3\n2 1 1\n1 1\n\n99999 1 0 1 2 XOR\n", "t.txt:5: a gate with 99999 inputs"},
	{"1 2\n2 1 1\n1 1\n\n2 1 0 1 2 XOR\n", "t.txt:1: inputs and outputs need 2 + 1 wires"},
};

ParameterizedTestParameters(bristol_bad, rejected_with_line)
{
	static size_t idx[ARRAY_LEN(bad_bristol)];
	for (size_t i = 0; i < ARRAY_LEN(bad_bristol); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(bad_bristol));
}

ParameterizedTest(size_t *i, bristol_bad, rejected_with_line)
{
	const char *text = bad_bristol[*i].text;
	FILE *f = fmemopen((void *)text, strlen(text) ? strlen(text) : 1, "rb");
	if (strlen(text) == 0) {
		fclose(f);
		f = fopen("/dev/null", "rb");
	}
	struct circ_circuit *c = NULL;
	struct circ_err err = {{0}};
	int rc = circ_read_bristol(&c, f, "t.txt", NULL, &err);
	fclose(f);
	cr_assert_eq(rc, -1, "accepted: %s", text);
	cr_assert_null(c);
	bool starts = strncmp(err.msg, bad_bristol[*i].msg, strlen(bad_bristol[*i].msg)) == 0;
	cr_assert(starts, "got '%s', want '%s'", err.msg, bad_bristol[*i].msg);
}

Test(bristol_bad, all_six_gate_types_accepted)
{
	/* in0 (2 bits), in1 (1 bit); EQ, EQW, MAND, INV, XOR, AND */
	const char *text = "6 10\n2 2 1\n1 3\n\n"
			   "1 1 1 3 EQ\n"
			   "1 1 2 4 EQW\n"
			   "4 2 0 1 3 4 5 6 MAND\n"
			   "1 1 5 7 INV\n"
			   "2 1 6 7 8 XOR\n"
			   "2 1 8 0 9 AND\n";
	/* outputs are wires 7, 8, 9: ~(a0&1), (a1&b) ^ ~(a0&1), that & a0 */
	FILE *f = fmemopen((void *)text, strlen(text), "rb");
	struct circ_circuit *c = NULL;
	struct circ_err err;
	cr_assert(circ_read_bristol(&c, f, "t.txt", NULL, &err) == 0, "%s", err.msg);
	fclose(f);
	uint64_t in[2][64], out[1][64];
	for (int l = 0; l < 64; l++) {
		in[0][l] = l & 3;
		in[1][l] = (l >> 2) & 1;
	}
	eval_lanes(c, in, out);
	for (int l = 0; l < 64; l++) {
		uint64_t a0 = in[0][l] & 1, a1 = in[0][l] >> 1, b = in[1][l];
		uint64_t w7 = !(a0 & 1), w8 = (a1 & b) ^ w7, w9 = w8 & a0;
		cr_assert_eq(out[0][l], w7 | w8 << 1 | w9 << 2, "lane %d", l);
	}
	circ_free(c);
}

/* Random mutations of a valid file: rejected or accepted, never a crash (ASan build). */
Test(bristol_bad, mutations_never_crash)
{
	const char *base = "3 6\n2 2 1\n1 2\n\n2 1 0 1 3 XOR\n2 1 3 2 4 AND\n1 1 4 5 INV\n";
	size_t n = strlen(base);
	int accepted = 0, rejected = 0;
	for (int t = 0; t < 3000; t++) {
		char buf[128];
		memcpy(buf, base, n);
		int edits = 1 + (int)(rnd() % 3);
		for (int e = 0; e < edits; e++)
			buf[rnd() % n] = "0123456789 \nXORANDINVEQWM-x\t"[rnd() % 29];
		size_t len = rnd() % 4 == 0 ? rnd() % n + 1 : n;
		FILE *f = fmemopen(buf, len, "rb");
		struct circ_circuit *c = NULL;
		struct circ_err err;
		if (circ_read_bristol(&c, f, "m.txt", NULL, &err) == 0) {
			struct circ_err v;
			cr_assert(circ_validate(c, &v) == 0, "accepted an invalid circuit: %s", v.msg);
			accepted++;
		} else {
			cr_assert(strncmp(err.msg, "m.txt:", 6) == 0, "no file name: %s", err.msg);
			rejected++;
		}
		fclose(f);
		circ_free(c);
	}
	cr_assert(accepted > 0 && rejected > 0);
}

/* ---- the binary format ---- */

/* A small circuit with every gate kind, signed values and named parties. */
static struct circ_circuit *sample_circuit(void)
{
	struct circ_circuit *c = circ_new();
	cr_assert(circ_add_party(c, "alice") == 0 && circ_add_party(c, "bob") == 1);
	cr_assert(circ_add_input(c, "x", 4, CIRC_SIGNED, 0) == 0);
	cr_assert(circ_add_input(c, "y", 4, 0, 1) == 1);
	uint32_t a = (uint32_t)circ_add_gate(c, GATE_AND, 0, 4);
	uint32_t x = (uint32_t)circ_add_gate(c, GATE_XOR, a, 5);
	uint32_t n = (uint32_t)circ_add_gate(c, GATE_NOT, x, 0);
	uint32_t k = (uint32_t)circ_add_gate(c, GATE_CONST, 1, 0);
	uint32_t w[4] = {a, x, n, k};
	cr_assert(circ_add_output(c, "z", 4, 0, CIRC_ALL, w) == 0);
	uint32_t w2[2] = {1, 1};
	cr_assert(circ_add_output(c, "copy", 2, CIRC_SIGNED, 1, w2) == 1);
	struct circ_err err;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	return c;
}

static char *encode_binary(const struct circ_circuit *c, size_t *len)
{
	char *buf = NULL;
	struct circ_err err;
	FILE *f = open_memstream(&buf, len);
	cr_assert(circ_write_binary(c, f, &err) == 0, "%s", err.msg);
	fclose(f);
	return buf;
}

static int decode_binary(const char *buf, size_t len, struct circ_circuit **c,
			 struct circ_err *err)
{
	FILE *f = len ? fmemopen((void *)buf, len, "rb") : fopen("/dev/null", "rb");
	int rc = circ_read_binary(c, f, "b.circ", err);
	fclose(f);
	return rc;
}

TestSuite(binfmt, .timeout = 60);

Test(binfmt, keeps_interface)
{
	struct circ_circuit *c = sample_circuit(), *d = NULL;
	size_t len;
	char *buf = encode_binary(c, &len);
	struct circ_err err;
	cr_assert(decode_binary(buf, len, &d, &err) == 0, "%s", err.msg);
	assert_same_circuit(c, d, "sample");
	cr_assert_str_eq(d->parties[1], "bob");
	cr_assert_str_eq(d->inputs[0].name, "x");
	cr_assert_eq(d->inputs[0].flags, CIRC_SIGNED);
	cr_assert_eq(d->inputs[1].party, 1);
	cr_assert_str_eq(d->outputs[1].name, "copy");
	cr_assert_eq(d->outputs[1].to, 1);
	cr_assert_eq(d->outputs[0].to, CIRC_ALL);
	cr_assert_eq(d->gates[3].kind, GATE_CONST);
	cr_assert_eq(d->gates[3].a, 1);
	free(buf);
	circ_free(c);
	circ_free(d);
}

Test(binfmt, identity_is_sha256_of_body_and_changes_with_anything)
{
	struct circ_circuit *c = sample_circuit();
	size_t len;
	char *buf = encode_binary(c, &len);
	uint8_t id[32];
	cr_assert(circ_identity(c, id) == 0);
	cr_assert(memcmp(buf + len - 32, id, 32) == 0, "the trailer is the identity");
	free(c->outputs[0].name);
	c->outputs[0].name = strdup("w");
	uint8_t id2[32];
	cr_assert(circ_identity(c, id2) == 0);
	cr_assert(memcmp(id, id2, 32) != 0, "renaming an output changes the identity");
	c->gates[1].kind = GATE_AND;
	uint8_t id3[32];
	cr_assert(circ_identity(c, id3) == 0);
	cr_assert(memcmp(id3, id2, 32) != 0, "changing a gate changes the identity");
	free(buf);
	circ_free(c);
}

Test(binfmt, every_truncation_and_byte_flip_rejected)
{
	struct circ_circuit *c = sample_circuit();
	size_t len;
	char *buf = encode_binary(c, &len);
	for (size_t cut = 0; cut < len; cut++) {
		struct circ_circuit *d = NULL;
		struct circ_err err;
		cr_assert(decode_binary(buf, cut, &d, &err) == -1, "accepted %zu of %zu bytes", cut,
			  len);
		cr_assert(strncmp(err.msg, "b.circ: byte ", 13) == 0, "%s", err.msg);
	}
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (char)(1 << bit);
			struct circ_circuit *d = NULL;
			struct circ_err err;
			int rc = decode_binary(buf, len, &d, &err);
			cr_assert_eq(rc, -1, "a flip of byte %zu bit %d was accepted", i, bit);
			buf[i] ^= (char)(1 << bit);
		}
	char *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	struct circ_circuit *d = NULL;
	struct circ_err err;
	cr_assert(decode_binary(longer, len + 1, &d, &err) == -1);
	cr_assert(strstr(err.msg, "unexpected bytes after the end") != NULL, "%s", err.msg);
	free(longer);
	free(buf);
	circ_free(c);
}

Test(binfmt, huge_counts_do_not_allocate)
{
	/* a header that claims 2^30 gates in a tiny file: rejected after reading what is
	 * there, without allocating for the claim (the ASan build would report a huge
	 * allocation) */
	struct circ_circuit *c = sample_circuit();
	size_t len;
	char *buf = encode_binary(c, &len);
	/* ngates sits before the 6 bytes of gates (AND, XOR: 2 bytes; NOT, CONST: 1) */
	size_t pos = len - 32 - 6 - 8;
	uint64_t ng;
	memcpy(&ng, buf + pos, 8);
	cr_assert_eq(ng, 4);
	uint64_t huge = (uint64_t)1 << 30;
	memcpy(buf + pos, &huge, 8);
	struct circ_circuit *d = NULL;
	struct circ_err err;
	cr_assert(decode_binary(buf, len, &d, &err) == -1);
	cr_assert(strstr(err.msg, "not yet defined") || strstr(err.msg, "ends early") ||
			  strstr(err.msg, "malformed") || strstr(err.msg, "not 0 or 1"),
		  "%s", err.msg);
	free(buf);
	circ_free(c);
}

Test(binfmt, stream_reads_in_chunks)
{
	struct circ_circuit *c = load_shared("aes_128.txt");
	size_t len;
	char *buf = encode_binary(c, &len);
	FILE *f = fmemopen(buf, len, "rb");
	struct circ_stream *s;
	struct circ_circuit *iface;
	struct circ_err err;
	cr_assert(circ_stream_open(&s, &iface, f, "aes.circ", &err) == 0, "%s", err.msg);
	cr_assert_eq(iface->ngates, c->ngates);
	cr_assert_null(iface->gates);
	struct circ_gate chunk[1000];
	uint64_t got = 0;
	int64_t k;
	while ((k = circ_stream_read(s, chunk, ARRAY_LEN(chunk), &err)) > 0) {
		cr_assert(memcmp(chunk, c->gates + got, (size_t)k * sizeof(chunk[0])) == 0);
		got += (uint64_t)k;
	}
	cr_assert_eq(k, 0, "%s", err.msg);
	cr_assert_eq(got, c->ngates);
	circ_stream_close(s);
	circ_free(iface);
	fclose(f);
	free(buf);
	circ_free(c);
}

/* ---- values ---- */

TestSuite(value);

Test(value, parses_and_range_checks)
{
	uint64_t v[3];
	struct circ_err err;
	cr_assert(circ_value_parse(v, 8, false, "255", &err) == 0 && v[0] == 255);
	cr_assert(circ_value_parse(v, 8, false, "256", &err) == -1);
	cr_assert(strstr(err.msg, "does not fit in u8") != NULL, "%s", err.msg);
	cr_assert(circ_value_parse(v, 8, true, "-128", &err) == 0 && v[0] == 0x80);
	cr_assert(circ_value_parse(v, 8, true, "-129", &err) == -1);
	cr_assert(circ_value_parse(v, 8, true, "128", &err) == -1);
	cr_assert(circ_value_parse(v, 8, false, "-1", &err) == -1);
	cr_assert(strstr(err.msg, "negative") != NULL, "%s", err.msg);
	cr_assert(circ_value_parse(v, 1, true, "-1", &err) == 0 && v[0] == 1);
	cr_assert(circ_value_parse(v, 64, false, "18446744073709551615", &err) == 0 &&
		  v[0] == UINT64_MAX);
	cr_assert(circ_value_parse(v, 64, false, "18446744073709551616", &err) == -1);
	cr_assert(circ_value_parse(v, 130, false, "0x3ffffffffffffffffffffffffffffffff", &err) ==
		  0);
	cr_assert(v[0] == UINT64_MAX && v[1] == UINT64_MAX && v[2] == 3);
	cr_assert(circ_value_parse(v, 130, false, "0x7ffffffffffffffffffffffffffffffff", &err) ==
		  -1);
	cr_assert(circ_value_parse(v, 16, false, "0b1010", &err) == 0 && v[0] == 10);
	cr_assert(circ_value_parse(v, 32, false, "1_000_000", &err) == 0 && v[0] == 1000000);
	const char *junk[] = {"", "-", "0x", "12a", "0xg", "1.5", " 1", "--1", "0b2"};
	for (size_t i = 0; i < ARRAY_LEN(junk); i++) {
		cr_assert(circ_value_parse(v, 32, true, junk[i], &err) == -1, "'%s'", junk[i]);
		cr_assert(strstr(err.msg, "is not a number") != NULL, "%s", err.msg);
	}
	/* 100 decimal digits into 128 bits: an error, not an overflow */
	char big[101];
	memset(big, '9', 100);
	big[100] = 0;
	cr_assert(circ_value_parse(v, 128, false, big, &err) == -1);
}

Test(value, formats_decimal_signed_and_hex)
{
	char buf[64];
	uint64_t v[2] = {0xfb, 0};
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 8, true, false), "-5");
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 8, false, false), "251");
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 8, false, true), "0xfb");
	v[0] = 0;
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 100, false, false), "0x0");
	v[0] = 1;
	v[1] = 0xf1; /* bits above the width are ignored */
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 68, false, false),
			 "0x10000000000000001");
	v[0] = (uint64_t)INT64_MIN;
	cr_assert_str_eq(circ_value_format(buf, sizeof(buf), v, 64, true, false),
			 "-9223372036854775808");
	/* parse(format(x)) == x for random values and widths */
	for (int t = 0; t < 2000; t++) {
		uint32_t w = 1 + (uint32_t)(rnd() % 130);
		bool sgn = rnd() & 1, hex = rnd() & 1;
		uint64_t x[3] = {rnd(), rnd(), rnd()}, y[3];
		if (w % 64)
			x[(w - 1) / 64] &= ((uint64_t)1 << (w % 64)) - 1;
		for (size_t i = circ_limbs(w); i < 3; i++)
			x[i] = 0;
		char text[80];
		struct circ_err err;
		circ_value_format(text, sizeof(text), x, w, sgn, hex);
		bool sgn_parse = sgn && !hex && w <= 64;
		cr_assert(circ_value_parse(y, w, sgn_parse, text, &err) == 0, "%s: %s", text,
			  err.msg);
		cr_assert(memcmp(x, y, circ_limbs(w) * 8) == 0, "w=%u %s", w, text);
	}
}

/* ---- stats ---- */

Test(value, stats_count_depth_and_live_wires)
{
	struct circ_circuit *c = sample_circuit();
	struct circ_stats s;
	struct circ_err err;
	cr_assert(circ_compute_stats(c, &s, &err) == 0);
	cr_assert_eq(s.gates[GATE_AND], 1);
	cr_assert_eq(s.gates[GATE_XOR], 1);
	cr_assert_eq(s.gates[GATE_NOT], 1);
	cr_assert_eq(s.gates[GATE_CONST], 1);
	cr_assert_eq(s.and_depth, 1);
	cr_assert_eq(s.garbled_bytes, 32);
	cr_assert_eq(s.nwires, 12);
	cr_assert_eq(circ_party_input_bits(c, 0), 4);
	circ_free(c);

	/* a chain: x0 AND x1 AND x2 ... has depth n-1; a balanced tree log2(n) */
	c = circ_new();
	circ_add_party(c, "p");
	circ_add_input(c, "x", 64, 0, 0);
	uint32_t acc = 0;
	for (uint32_t i = 1; i < 64; i++)
		acc = (uint32_t)circ_add_gate(c, GATE_AND, acc, i);
	circ_add_output(c, "y", 1, 0, CIRC_ALL, &acc);
	cr_assert(circ_compute_stats(c, &s, &err) == 0);
	cr_assert_eq(s.and_depth, 63);
	/* inputs die as they are consumed: at the first gate all 64 inputs and its output */
	cr_assert_eq(s.peak_live, 65);
	circ_free(c);
}

/* ---- sum groups ---- */

TestSuite(sum, .timeout = 60);

/* Three parties add 12-bit values into one group; a fourth gives a plain input y; the
 * circuit outputs sum ^ y, so the result shows whether the members really were added. */
static struct circ_circuit *sum_circuit(void)
{
	struct circ_circuit *c = circ_new();
	for (int p = 0; p < 4; p++) {
		char name[8];
		snprintf(name, sizeof(name), "p%d", p);
		cr_assert(circ_add_party(c, name) == p);
	}
	cr_assert(circ_add_sum_input(c, "s[0]", 12, 0, 0, -1) == 0);
	cr_assert(circ_add_input(c, "y", 12, 0, 3) == 1);
	cr_assert(circ_add_sum_input(c, "s[1]", 12, 0, 1, 0) == 2);
	cr_assert(circ_add_sum_input(c, "s[2]", 12, 0, 2, 0) == 3);
	cr_assert_eq(c->nin_bits, 24, "the group's members share its wires");
	struct circ_circuit *twice = circ_new();
	cr_assert(circ_add_party(twice, "p0") == 0 && circ_add_party(twice, "p2") == 1);
	cr_assert(circ_add_sum_input(twice, "t[0]", 12, 0, 1, -1) == 0);
	cr_assert(circ_add_sum_input(twice, "t[1]", 12, 0, 1, 0) == 1);
	struct circ_err terr;
	cr_assert(circ_validate(twice, &terr) != 0 && strstr(terr.msg, "twice"),
		  "p2 may not add twice");
	circ_free(twice);
	cr_assert(circ_add_sum_input(c, "w", 11, 0, 3, 0) < 0, "widths must agree");
	cr_assert(circ_add_sum_input(c, "w", 12, 0, 3, 1) < 0, "y is no sum input");
	uint32_t w[12];
	for (uint32_t b = 0; b < 12; b++)
		w[b] = (uint32_t)circ_add_gate(c, GATE_XOR, b, 12 + b);
	cr_assert(circ_add_output(c, "z", 12, 0, CIRC_ALL, w) == 0);
	struct circ_err err;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	return c;
}

static uint64_t eval_sum(const struct circ_circuit *c, const uint64_t v[4])
{
	uint64_t in[4], z = 0;
	memcpy(in, v, sizeof(in));
	uint64_t *inp[4] = {&in[0], &in[3], &in[1], &in[2]}; /* s[0], y, s[1], s[2] */
	uint64_t *outp[1] = {&z};
	cr_assert(circ_eval_values(c, inp, outp) == 0);
	return z;
}

Test(sum, members_add_mod_2_to_the_width)
{
	struct circ_circuit *c = sum_circuit();
	uint64_t seed = 7;
	for (int t = 0; t < 500; t++) {
		uint64_t v[4];
		for (int k = 0; k < 4; k++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			v[k] = (seed >> 33) & 0xfff;
		}
		uint64_t want = ((v[0] + v[1] + v[2]) & 0xfff) ^ v[3];
		cr_assert_eq(eval_sum(c, v), want, "%lu+%lu+%lu ^ %lu", (unsigned long)v[0],
			     (unsigned long)v[1], (unsigned long)v[2], (unsigned long)v[3]);
	}
	circ_free(c);
}

Test(sum, binary_round_trip_keeps_groups)
{
	struct circ_circuit *c = sum_circuit(), *d = NULL;
	size_t len;
	char *buf = encode_binary(c, &len);
	struct circ_err err;
	cr_assert(decode_binary(buf, len, &d, &err) == 0, "%s", err.msg);
	assert_same_circuit(c, d, "sum");
	cr_assert_eq(d->nin_bits, 24);
	cr_assert_eq(d->inputs[3].first, 0);
	cr_assert_eq(d->inputs[3].flags, CIRC_SUM);
	uint64_t v[4] = {4000, 100, 7, 5};
	cr_assert_eq(eval_sum(d, v), ((4000 + 100 + 7) & 0xfff) ^ 5);
	free(buf);
	circ_free(c);
	circ_free(d);
}

Test(sum, validation_rejects_bad_groups)
{
	struct circ_err err;
	struct circ_circuit *c = sum_circuit();
	c->inputs[3].party = 1;
	cr_assert(circ_validate(c, &err) != 0);
	cr_assert(strstr(err.msg, "twice"), "%s", err.msg);
	c->inputs[3].party = 2;
	c->inputs[3].flags = 0;
	cr_assert(circ_validate(c, &err) != 0, "a plain input may not share wires");
	c->inputs[3].flags = CIRC_SUM;
	c->inputs[3].first = 12;
	cr_assert(circ_validate(c, &err) != 0, "y's wires are no group's");
	c->inputs[3].first = 0;
	cr_assert(circ_validate(c, &err) == 0, "%s", err.msg);
	circ_free(c);
}

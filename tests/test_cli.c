/* test_cli.c: the mpcc command as a user meets it: outputs, JSON, errors and exit codes. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procs.h"

static char out[1 << 16];

/* Runs "mpcc ARGS" through the shell, stdout and stderr together in out; returns the exit. */
static int mpcc(const char *args)
{
	const char *bin = getenv("MPCC_BIN");
	const char *dir = getenv("MPCC_BRISTOL_DIR");
	char cmd[4096];
	cr_assert(bin, "MPCC_BIN is not set (run through meson test)");
	snprintf(cmd, sizeof(cmd), "cd '%s' 2>/dev/null; '%s' %s 2>&1", dir ? dir : ".", bin, args);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void need_shared(void)
{
	const char *dir = getenv("MPCC_BRISTOL_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/aes_128.txt", dir ? dir : "");
	if (!dir || access(path, R_OK) != 0) {
		fprintf(stderr, "NOTICE: shared Bristol circuits not found; skipping\n");
		cr_skip_test("shared Bristol circuits not found");
	}
}

#define AES_ARGS                                                                            \
	"aes_128.txt --input in0=0x000102030405060708090a0b0c0d0e0f "                       \
	"--input in1=0x00112233445566778899aabbccddeeff"

TestSuite(cli, .timeout = 60);

Test(cli, eval_aes_prints_fips197_ciphertext)
{
	need_shared();
	cr_assert_eq(mpcc("eval " AES_ARGS), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n");
	cr_assert_eq(mpcc("eval --json " AES_ARGS), 0);
	cr_assert_str_eq(out, "{\"out0\": \"0x69c4e0d86a7b0430d8cdb78070b4c55a\"}\n");
}

Test(cli, eval_small_values_decimal_json_and_hex)
{
	need_shared();
	cr_assert_eq(mpcc("eval adder64.txt --input in0=40 --input in1=2"), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 42\n");
	cr_assert_eq(mpcc("eval adder64.txt --input in0=0x10 --input=in1=1 --hex"), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 0x11\n");
	/* 64-bit outputs are wider than 53 bits: a JSON string */
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1 --input in1=2 --json"), 0);
	cr_assert_str_eq(out, "{\"out0\": \"0x3\"}\n");
	cr_assert_eq(mpcc("eval zero_equal.txt --input in0=0 --json"), 0);
	cr_assert_str_eq(out, "{\"out0\": 1}\n");
}

Test(cli, eval_rejects_bad_inputs_clearly)
{
	need_shared();
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1"), 1);
	cr_assert(strstr(out, "missing --input in1=VALUE") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1 --input in1=2 --input in7=3"), 1);
	cr_assert(strstr(out, "the circuit has no input 'in7'") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1 --input in1=0x10000000000000000"), 1);
	cr_assert(strstr(out, "does not fit in u64") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1 --input in1=-1"), 1);
	cr_assert(strstr(out, "negative") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0=1 --input in0=2 --input in1=0"), 1);
	cr_assert(strstr(out, "given twice") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0 --input in1=0"), 1);
	cr_assert(strstr(out, "expected NAME=VALUE") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input in0=abc --input in1=0"), 1);
	cr_assert(strstr(out, "is not a number") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval /nonexistent.txt"), 1);
	cr_assert(strstr(out, "No such file") != NULL, "%s", out);
}

Test(cli, input_parties_assigns_bristol_inputs)
{
	need_shared();
	cr_assert_eq(mpcc("stats aes_128.txt"), 0, "%s", out);
	cr_assert(strstr(out, "in1                u128 from p1") != NULL, "%s", out);
	cr_assert_eq(mpcc("stats aes_128.txt --input-parties 0,0"), 0, "%s", out);
	cr_assert(strstr(out, "in1                u128 from p0") != NULL, "%s", out);
	cr_assert(strstr(out, "party p1           0 bits") != NULL, "%s", out);
	cr_assert_eq(mpcc("stats aes_128.txt --input-parties=1,2"), 0, "%s", out);
	cr_assert(strstr(out, "in1                u128 from p2") != NULL, "%s", out);
	cr_assert_eq(mpcc("stats aes_128.txt --input-parties 0,x"), 2, "%s", out);
	cr_assert(strstr(out, "expected party numbers") != NULL, "%s", out);
}

Test(cli, usage_errors_and_help)
{
	cr_assert_eq(mpcc(""), 2);
	cr_assert(strstr(out, "usage: mpcc COMMAND") != NULL, "%s", out);
	cr_assert_eq(mpcc("frobnicate"), 2);
	cr_assert(strstr(out, "unknown command 'frobnicate'") != NULL, "%s", out);
	cr_assert_eq(mpcc("--help"), 0);
	const char *cmds[] = {"stats", "eval", "convert"};
	for (size_t i = 0; i < 3; i++) {
		char a[64];
		snprintf(a, sizeof(a), "%s --help", cmds[i]);
		cr_assert_eq(mpcc(a), 0, "%s", cmds[i]);
		cr_assert(strstr(out, "usage: mpcc") != NULL, "%s", out);
		snprintf(a, sizeof(a), "%s --bogus", cmds[i]);
		cr_assert_eq(mpcc(a), 2, "%s", cmds[i]);
		cr_assert(strstr(out, "unexpected '--bogus'") != NULL, "%s", out);
	}
	cr_assert_eq(mpcc("eval"), 2);
	cr_assert(strstr(out, "which file?") != NULL, "%s", out);
}

Test(cli, convert_round_trip_keeps_identity_and_answers)
{
	need_shared();
	char tmp[] = "/tmp/mpcc-cli-XXXXXX";
	cr_assert(mkdtemp(tmp));
	char a[2048], id1[80] = "", id2[80] = "", id3[80] = "";
	cr_assert_eq(mpcc("stats --json aes_128.txt"), 0, "%s", out);
	char *p = strstr(out, "\"identity\": \"");
	cr_assert(p);
	memcpy(id1, p + 13, 64);
	snprintf(a, sizeof(a), "convert aes_128.txt %s/aes.circ", tmp);
	cr_assert_eq(mpcc(a), 0, "%s", out);
	snprintf(a, sizeof(a), "stats --json %s/aes.circ", tmp);
	cr_assert_eq(mpcc(a), 0, "%s", out);
	p = strstr(out, "\"identity\": \"");
	cr_assert(p);
	memcpy(id2, p + 13, 64);
	cr_assert_str_eq(id1, id2);
	snprintf(a, sizeof(a), "convert %s/aes.circ %s/back.txt", tmp, tmp);
	cr_assert_eq(mpcc(a), 0, "%s", out);
	snprintf(a, sizeof(a), "stats --json %s/back.txt", tmp);
	cr_assert_eq(mpcc(a), 0, "%s", out);
	p = strstr(out, "\"identity\": \"");
	memcpy(id3, p + 13, 64);
	cr_assert_str_eq(id1, id3);
	cr_assert(strstr(out, "\"and\": 6400") != NULL, "%s", out);
	snprintf(a, sizeof(a),
		 "eval %s/aes.circ --input in0=0x000102030405060708090a0b0c0d0e0f "
		 "--input in1=0x00112233445566778899aabbccddeeff",
		 tmp);
	cr_assert_eq(mpcc(a), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n");
	/* a corrupt binary file: a clear message, exit 1 */
	snprintf(a, sizeof(a), "sh -c 'printf X | dd of=%s/aes.circ bs=1 seek=500 conv=notrunc "
			       "2>/dev/null'", tmp);
	cr_assert_eq(system(a), 0);
	snprintf(a, sizeof(a), "stats %s/aes.circ", tmp);
	cr_assert_eq(mpcc(a), 1);
	cr_assert(strstr(out, "aes.circ: byte ") != NULL, "%s", out);
	snprintf(a, sizeof(a), "rm -rf %s", tmp);
	cr_assert_eq(system(a), 0);
}

Test(cli, list_values_expand_to_elements)
{
	need_shared();
	/* a Bristol input has no elements: the expanded name is reported */
	cr_assert_eq(mpcc("eval adder64.txt --input 'in0=[1,2]' --input in1=2"), 1);
	cr_assert(strstr(out, "no input 'in0[0]'") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input 'in0=[1' --input in1=2"), 1);
	cr_assert(strstr(out, "expected ',' or ']'") != NULL, "%s", out);
	cr_assert_eq(mpcc("eval adder64.txt --input 'in0=1 2' --input in1=2"), 1);
	cr_assert(strstr(out, "is not a value") != NULL, "%s", out);
}

/* A free loopback port: bind port 0, read it, release it. */
Test(cli, local_runs_the_protocol_and_matches_eval)
{
	need_shared();
	cr_assert_eq(mpcc("local " AES_ARGS), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n");
	static char want[sizeof(out)];
	cr_assert_eq(mpcc("eval mult2_64.txt --input in0=0xfedcba9876543210 --input in1=77"), 0);
	memcpy(want, out, sizeof(out));
	cr_assert_eq(mpcc("local mult2_64.txt --input in0=0xfedcba9876543210 --input in1=77"), 0,
		     "%s", out);
	cr_assert_str_eq(out, want);
	/* --stats goes to stderr, as JSON with --json */
	cr_assert_eq(mpcc("local adder64.txt --input in0=1 --input in1=2 --stats --json"), 0);
	cr_assert(strstr(out, "{\"out0\": \"0x3\"}") != NULL, "%s", out);
	cr_assert(strstr(out, "\"party\": \"p0\"") && strstr(out, "\"and_gates\": 63"), "%s",
		  out);
	cr_assert(strstr(out, "\"base_ot_s\"") && strstr(out, "\"bytes_sent\""), "%s", out);
}

/* Keys for p0, p1 and an outsider in a fresh directory, made by mpcc keygen. */
static void make_keys(char dir[64])
{
	snprintf(dir, 64, "/tmp/mpcc-cli-XXXXXX");
	cr_assert(mkdtemp(dir));
	char a[256];
	static const char *names[] = {"p0", "p1", "eve"};
	for (int i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "keygen --out %s/%s", dir, names[i]);
		cr_assert_eq(mpcc(a), 0, "%s", out);
		cr_assert(strstr(out, "sha256:"), "%s", out);
	}
}

static void drop_keys(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* p1 in the background, p0 in front; both outputs (p1's first), and p1's exit status. */
static int run_pair(const char *p0_opts, const char *p1_opts)
{
	unsigned port = free_port();
	char a[2048];
	snprintf(a, sizeof(a),
		 "run aes_128.txt --as p1 --connect 127.0.0.1:%u --timeout 5 %s "
		 "--input in1=0x00112233445566778899aabbccddeeff > /tmp/mpcc-p1.$$ 2>&1 & "
		 "'%s' run aes_128.txt --as p0 --listen 127.0.0.1:%u --timeout 5 %s "
		 "--input in0=0x000102030405060708090a0b0c0d0e0f 2>&1; s0=$?; wait $!; s1=$?; "
		 "cat /tmp/mpcc-p1.$$; rm -f /tmp/mpcc-p1.$$; exit $((s0 * 16 + s1))",
		 port, p1_opts, getenv("MPCC_BIN"), port, p0_opts);
	return mpcc(a);
}

Test(cli, run_two_processes_over_loopback_tcp)
{
	need_shared();
	char dir[64], o0[256], o1[256];
	make_keys(dir);
	snprintf(o0, sizeof(o0), "--key %s/p0 --peer-fingerprint %s/p1.crt", dir, dir);
	snprintf(o1, sizeof(o1), "--key %s/p1 --peer-fingerprint %s/p0.crt", dir, dir);
	cr_assert_eq(run_pair(o0, o1), 0, "%s", out);
	cr_assert_str_eq(out, "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n"
			      "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n");
	/* plain TCP, when both say so */
	cr_assert_eq(run_pair("--insecure", "--insecure"), 0, "%s", out);
	const char *line = "out0 = 0x69c4e0d86a7b0430d8cdb78070b4c55a\n", *first = strstr(out, line);
	cr_assert(first && strstr(first + 1, line), "%s", out);
	cr_assert(strstr(out, "--insecure: plain TCP"), "%s", out);
	drop_keys(dir);
}

/* A peer with another key than the pinned one: both refuse, name the peer, exit 6, print no
 * output; a peer without TLS: both end with an error. */
Test(cli, run_refuses_a_peer_that_is_not_pinned)
{
	need_shared();
	char dir[64], o0[256], o1[256];
	make_keys(dir);
	snprintf(o0, sizeof(o0), "--key %s/p0 --peer-fingerprint %s/p1.crt", dir, dir);
	snprintf(o1, sizeof(o1), "--key %s/eve --peer-fingerprint %s/p0.crt", dir, dir);
	cr_assert_eq(run_pair(o0, o1), 6 * 16 + 6, "%s", out);
	cr_assert(strstr(out, "authentication with p1 failed") &&
		  strstr(out, "does not match the pinned fingerprint"), "%s", out);
	cr_assert(strstr(out, "authentication with p0 failed"), "%s", out);
	cr_assert_null(strstr(out, "out0"), "%s", out);
	int st = run_pair(o0, "--insecure");
	cr_assert(st / 16 != 0 && st % 16 != 0, "exit %d: %s", st, out);
	cr_assert(strstr(out, "is it running without TLS?"), "%s", out);
	cr_assert(strstr(out, "a party that expects TLS closes like this: run every party with "
			      "--insecure, or none"),
		  "%s", out);
	cr_assert_null(strstr(out, "out0"), "%s", out);
	/* the other way round: the plain party reads the TLS hello and says so */
	snprintf(o1, sizeof(o1), "--key %s/p1 --peer-fingerprint %s/p0.crt", dir, dir);
	st = run_pair("--insecure", o1);
	cr_assert(st / 16 != 0 && st % 16 != 0, "exit %d: %s", st, out);
	cr_assert(strstr(out, "is it running without TLS?"), "%s", out);
	cr_assert(strstr(out, "the peer speaks TLS: run every party with --insecure, or none"),
		  "%s", out);
	cr_assert_null(strstr(out, "out0"), "%s", out);
	/* a fingerprint given as text works like the file */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "keygen --fingerprint %s/p1.crt", dir);
	cr_assert_eq(mpcc(cmd), 0, "%s", out);
	char fp[80];
	cr_assert_eq(sscanf(out, "%79s", fp), 1);
	snprintf(o0, sizeof(o0), "--key %s/p0 --peer-fingerprint %s", dir, fp);
	snprintf(o1, sizeof(o1), "--key %s/p1 --peer-fingerprint %s/p0.crt", dir, dir);
	cr_assert_eq(run_pair(o0, o1), 0, "%s", out);
	drop_keys(dir);
}

Test(cli, run_errors_are_clear)
{
	need_shared();
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --input in0=1"), 2);
	cr_assert(strstr(out, "one of --listen HOST:PORT or --connect") != NULL, "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --input in0=1"), 2);
	cr_assert(strstr(out, "give --key NAME") && strstr(out, "--insecure"), "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --key k --input in0=1"),
		     2);
	cr_assert(strstr(out, "give --peer-fingerprint FP") != NULL, "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --key /nonexistent/k "
			  "--peer-fingerprint sha256:00 --input in0=1"),
		     1);
	cr_assert(strstr(out, "--peer-fingerprint sha256:00: not a fingerprint"), "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --key /nonexistent/k "
			  "--peer-fingerprint aes_128.txt --input in0=1"),
		     1);
	cr_assert(strstr(out, "aes_128.txt is 906879 bytes, more than a certificate"), "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --key /nonexistent/k "
			  "--peer-fingerprint sha256:"
			  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
			  "--input in0=1"),
		     1);
	cr_assert(strstr(out, "--key /nonexistent/k: cannot open /nonexistent/k.crt"), "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as carol --listen 127.0.0.1:0 --input in0=1 "
			  "--insecure"),
		     1);
	cr_assert(strstr(out, "no party 'carol'") != NULL, "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --listen 127.0.0.1:0 --input in1=1 --insecure"),
		     1);
	cr_assert(strstr(out, "'in1' is p1's input, not p0's") != NULL, "%s", out);
	unsigned port = free_port();
	char a[256];
	snprintf(a, sizeof(a), "run aes_128.txt --as p0 --connect 127.0.0.1:%u --timeout 0.5 "
			       "--input in0=1 --insecure",
		 port);
	cr_assert_eq(mpcc(a), 4, "%s", out);
	cr_assert(strstr(out, "timed out") != NULL, "%s", out);
	cr_assert_eq(mpcc("run aes_128.txt --as p0 --connect nowhere --input in0=1 --insecure"), 1,
		     "%s", out);
}

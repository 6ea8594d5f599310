/* cmd_run.c: `mpcc run` (one party of a secure computation, over TCP) and `mpcc local` (every
 * party on this machine, as separate processes over loopback TCP: the real protocol). */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#include "net.h"
#include "party.h"
#include "prg.h"
#include "server.h"
#include "tls.h"

/* Exit codes (documented in README.md). */
enum {
	EXIT_BAD_INPUT = 1,
	EXIT_IO = 3,
	EXIT_TIMEOUT = 4,
	EXIT_PROTOCOL = 5,
	EXIT_AUTH = 6,
};

static int exit_code(rt_err err)
{
	switch (err) {
	case RT_OK:
		return 0;
	case RT_ERR_IO:
		return EXIT_IO;
	case RT_ERR_TIMEOUT:
		return EXIT_TIMEOUT;
	case RT_ERR_PROTOCOL:
		return EXIT_PROTOCOL;
	case RT_ERR_AUTH:
		return EXIT_AUTH;
	default:
		return EXIT_BAD_INPUT;
	}
}

struct run_opts {
	const char *path, *as, *listen, *connect, *parties;
	const char *key;      /* --key NAME: NAME.key and NAME.crt */
	const char *peer_fp;  /* --peer-fingerprint: the other party's (two parties, no file) */
	bool insecure;
	const char **items;
	int nitems;
	struct cli_defines defs;
	double timeout_s;
	bool json, hex, stats;
};

/* Parses the options run and local share; returns 0, 1 for --help (printed), or 2. */
static int parse_opts(int argc, char **argv, struct run_opts *o, const char *help, bool is_run)
{
	o->timeout_s = 30;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int d = cli_take_load_option(argc, argv, &i, &o->defs);
		if (d < 0)
			return EXIT_USAGE;
		if (d > 0)
			continue;
		if (cli_opt_value(argc, argv, &i, "--input", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->items[o->nitems++] = v;
		} else if (is_run && cli_opt_value(argc, argv, &i, "--as", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->as = v;
		} else if (is_run && cli_opt_value(argc, argv, &i, "--listen", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->listen = v;
		} else if (is_run && cli_opt_value(argc, argv, &i, "--connect", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->connect = v;
		} else if (is_run && cli_opt_value(argc, argv, &i, "--key", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->key = v;
		} else if (is_run && cli_opt_value(argc, argv, &i, "--peer-fingerprint", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->peer_fp = v;
		} else if (strcmp(argv[i], "--insecure") == 0) {
			o->insecure = true;
		} else if (cli_opt_value(argc, argv, &i, "--parties", &v)) {
			if (!v)
				return EXIT_USAGE;
			o->parties = v;
		} else if (cli_opt_value(argc, argv, &i, "--timeout", &v)) {
			char *end;
			if (!v)
				return EXIT_USAGE;
			o->timeout_s = strtod(v, &end);
			if (*end || !(o->timeout_s > 0) || o->timeout_s > 86400) {
				fprintf(stderr, "mpcc: --timeout %s: give seconds, more than 0\n", v);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return 1;
		} else if (strcmp(argv[i], "--json") == 0) {
			o->json = true;
		} else if (strcmp(argv[i], "--hex") == 0) {
			o->hex = true;
		} else if (strcmp(argv[i], "--stats") == 0) {
			o->stats = true;
		} else if (argv[i][0] == '-' || o->path) {
			fprintf(stderr, "mpcc: unexpected '%s'\n", argv[i]);
			return EXIT_USAGE;
		} else {
			o->path = argv[i];
		}
	}
	if (!o->path) {
		fprintf(stderr, "mpcc: which file?\n");
		return EXIT_USAGE;
	}
	if (is_run && !o->as) {
		fprintf(stderr, "mpcc run: say which party you are with --as NAME\n");
		return EXIT_USAGE;
	}
	if (is_run && !o->parties && !o->listen == !o->connect) {
		fprintf(stderr, "mpcc run: give --parties FILE, or for two parties one of --listen "
				"HOST:PORT or --connect HOST:PORT\n");
		return EXIT_USAGE;
	}
	if (is_run && o->parties && o->connect) {
		fprintf(stderr, "mpcc run: with --parties, the file says where to connect\n");
		return EXIT_USAGE;
	}
	if (is_run && o->insecure && (o->key || o->peer_fp)) {
		fprintf(stderr, "mpcc run: --insecure runs without TLS: drop --key and "
				"--peer-fingerprint, or --insecure\n");
		return EXIT_USAGE;
	}
	if (is_run && !o->insecure && !o->key) {
		fprintf(stderr, "mpcc run: give --key NAME (NAME.key and NAME.crt, from mpcc keygen "
				"--out NAME), or --insecure for plain TCP\n");
		return EXIT_USAGE;
	}
	if (is_run && !o->insecure && !o->parties && !o->peer_fp) {
		fprintf(stderr, "mpcc run: give --peer-fingerprint FP (the other party's, as its mpcc "
				"keygen printed it, or its .crt file), or --insecure\n");
		return EXIT_USAGE;
	}
	if (is_run && o->parties && o->peer_fp) {
		fprintf(stderr, "mpcc run: with --parties, the file pins every party's fingerprint\n");
		return EXIT_USAGE;
	}
	if (o->insecure)
		fprintf(stderr, "mpcc: --insecure: plain TCP, no TLS: anyone on the network reads "
				"and can change every message, and no party's identity is checked\n");
	return 0;
}

/* The start run and local share: parse the options, load FILE, check it is a two-party
 * program. Returns -1 to go on, or the exit status (0 after --help). */
static int prepare(int argc, char **argv, struct run_opts *o, const char *help, bool is_run,
		   struct circ_circuit **c)
{
	const char *cmd = is_run ? "mpcc run" : "mpcc local";
	o->items = calloc((size_t)argc + 1, sizeof(char *));
	o->defs.items = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->items || !o->defs.items) {
		fprintf(stderr, "%s: out of memory\n", cmd);
		return EXIT_BAD_INPUT;
	}
	int rc = parse_opts(argc, argv, o, help, is_run);
	if (rc == 1)
		return 0;
	if (rc != 0) {
		fputs(help, stderr);
		return rc;
	}
	if (cli_load(c, o->path, &o->defs) != 0)
		return EXIT_BAD_INPUT;
	if (is_run && !o->parties && (*c)->nparties != 2) {
		fprintf(stderr,
			"%s: %s has %u parties: give --parties FILE, which names the two compute "
			"parties (README.md, \"Many parties\")\n",
			cmd, o->path, (*c)->nparties);
		return EXIT_BAD_INPUT;
	}
	/* a session may hold a thousand connections */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return -1;
}

static void print_stats(FILE *f, const char *who, const struct party_stats *st, double connect_s,
			bool json)
{
	double total = connect_s + st->base_ot_s + st->ot_ext_s + st->garble_s + st->output_s;
	double rate = st->garble_s > 0 ? (double)st->and_gates / st->garble_s : 0;
	if (json) {
		fprintf(f,
			"{\"party\": \"%s\", \"connect_s\": %.6f, \"base_ot_s\": %.6f, "
			"\"ot_extension_s\": %.6f, \"garbling_s\": %.6f, \"output_s\": %.6f, "
			"\"total_s\": %.6f, \"bytes_sent\": %llu, \"bytes_received\": %llu, "
			"\"and_gates\": %llu, \"and_per_s\": %.0f}\n",
			who, connect_s, st->base_ot_s, st->ot_ext_s, st->garble_s, st->output_s,
			total, (unsigned long long)st->bytes_sent,
			(unsigned long long)st->bytes_received, (unsigned long long)st->and_gates,
			rate);
		return;
	}
	fprintf(f, "%s: connect %.3f ms, base OT %.3f ms, OT extension %.3f ms, garbling and "
		   "transfer %.3f ms, output %.3f ms; total %.3f ms\n",
		who, connect_s * 1e3, st->base_ot_s * 1e3, st->ot_ext_s * 1e3, st->garble_s * 1e3,
		st->output_s * 1e3, total * 1e3);
	fprintf(f, "%s: sent %llu bytes, received %llu bytes, %llu AND gates, %.1f M AND/s\n", who,
		(unsigned long long)st->bytes_sent, (unsigned long long)st->bytes_received,
		(unsigned long long)st->and_gates, rate / 1e6);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool has_sum_groups(const struct circ_circuit *c)
{
	for (uint32_t k = 0; k < c->ninputs; k++)
		if (c->inputs[k].flags & CIRC_SUM)
			return true;
	return false;
}

/* A two-party program with sum groups runs as a session of its two parties alone, the
 * first garbling: they add up their own contributions and the circuit adds the totals. */
static rt_err pair_session(const struct circ_circuit *c, struct sa_session *s, sa **x,
			   char err[SA_ERR_BYTES])
{
	char text[2 * CIRC_MAX_NAME + 64];
	snprintf(text, sizeof(text), "%s garbler -:0\n%s evaluator -:0\n", c->parties[0],
		 c->parties[1]);
	if (sa_session_parse(s, text, strlen(text), "(two parties)", err) != 0)
		return RT_ERR_INPUT;
	rt_err e = sa_new(x, c, s, err);
	if (e)
		sa_session_free(s);
	return e;
}

/* TLS for two parties: this party's identity, and the other's pinned fingerprint. */
struct pair_tls {
	net_tls_ctx *t; /* NULL: plain TCP (--insecure) */
	uint8_t peer_fp[NET_TLS_FP_BYTES];
};

/* Runs party me over the connected socket fd (which it takes) and fills out/learned; with
 * TLS, me == PARTY_GARBLER is the TLS server. */
static rt_err run_party(const struct circ_circuit *c, uint32_t me, int fd, int timeout_ms,
			const struct pair_tls *tls, uint64_t *const *in, uint64_t *const *out,
			bool *learned, struct party_stats *st, char *errbuf, size_t errlen)
{
	net_chan *ch = NULL;
	prg *p = NULL;
	party *pt = NULL;
	rt_err err = net_chan_new(&ch, fd, timeout_ms);
	if (err) {
		snprintf(errbuf, errlen, "%s", rt_err_str(err));
		return err;
	}
	if (tls->t) {
		err = net_chan_tls(ch, tls->t, me == PARTY_GARBLER, tls->peer_fp, NULL);
		if (err) {
			snprintf(errbuf, errlen, "%s with %s failed: %s",
				 err == RT_ERR_AUTH ? "authentication" : "TLS", c->parties[1 - me],
				 net_chan_errmsg(ch));
			net_chan_free(ch);
			return err;
		}
	}
	if (has_sum_groups(c)) {
		struct sa_session s;
		sa *x = NULL;
		char why[SA_ERR_BYTES];
		struct sa_stats sst;
		err = pair_session(c, &s, &x, why);
		if (!err) {
			err = sa_pair(x, me, ch, in, out, learned, &sst, why);
			*st = sst.run;
			sa_free(x);
			sa_session_free(&s);
		}
		if (err)
			snprintf(errbuf, errlen, "%s", why);
		net_chan_free(ch);
		return err;
	}
	err = prg_new_random(&p);
	if (!err)
		err = party_new(&pt, c, me, ch, p);
	if (!err)
		err = party_run(pt, in, out, learned);
	if (err)
		snprintf(errbuf, errlen, "with %s: %s", c->parties[1 - me],
			 pt ? party_error(pt) : rt_err_str(err));
	else
		party_get_stats(pt, st);
	party_free(pt);
	prg_free(p);
	net_chan_free(ch);
	return err;
}

static void print_session_stats(FILE *f, const char *who, const struct sa_stats *st, bool json)
{
	if (json) {
		fprintf(f,
			"{\"party\": \"%s\", \"collect_s\": %.6f, \"base_ot_s\": %.6f, "
			"\"ot_extension_s\": %.6f, \"garbling_s\": %.6f, \"output_s\": %.6f, "
			"\"deliver_s\": %.6f, \"bytes_sent\": %llu, \"bytes_received\": %llu, "
			"\"bytes_from_inputs\": %llu, \"bytes_to_inputs\": %llu, "
			"\"and_gates\": %llu}\n",
			who, st->collect_s, st->run.base_ot_s, st->run.ot_ext_s, st->run.garble_s,
			st->run.output_s, st->deliver_s, (unsigned long long)st->run.bytes_sent,
			(unsigned long long)st->run.bytes_received,
			(unsigned long long)st->bytes_from_inputs,
			(unsigned long long)st->bytes_to_inputs,
			(unsigned long long)st->run.and_gates);
		return;
	}
	fprintf(f, "%s: parties in %.3f ms, base OT %.3f ms, OT extension %.3f ms, garbling and "
		   "transfer %.3f ms, output %.3f ms, delivery %.3f ms\n",
		who, st->collect_s * 1e3, st->run.base_ot_s * 1e3, st->run.ot_ext_s * 1e3,
		st->run.garble_s * 1e3, st->run.output_s * 1e3, st->deliver_s * 1e3);
	fprintf(f, "%s: %llu AND gates; with the other compute party sent %llu and received %llu "
		   "bytes; %llu bytes from input parties, %llu to them\n",
		who, (unsigned long long)st->run.and_gates, (unsigned long long)st->run.bytes_sent,
		(unsigned long long)st->run.bytes_received,
		(unsigned long long)st->bytes_from_inputs, (unsigned long long)st->bytes_to_inputs);
}

/* --key NAME: NAME.key and NAME.crt as this party's TLS identity. Returns 0 or an exit status
 * (the reason printed). */
static int load_key(const char *cmd, const char *name, net_tls_ctx **t)
{
	size_t n = strlen(name) + 5;
	char *kp = malloc(n), *cp = malloc(n), msg[NET_ERRMSG_BYTES];
	rt_err e = kp && cp ? RT_OK : RT_ERR_NOMEM;
	if (!e) {
		snprintf(kp, n, "%s.key", name);
		snprintf(cp, n, "%s.crt", name);
		e = net_tls_new(t, kp, cp, msg);
	} else {
		snprintf(msg, sizeof(msg), "out of memory");
	}
	if (e)
		fprintf(stderr, "%s: --key %s: %s\n", cmd, name, msg);
	free(kp);
	free(cp);
	return e ? EXIT_BAD_INPUT : 0;
}

/* --peer-fingerprint V: a fingerprint, or a certificate file. */
static int peer_fingerprint(const char *v, uint8_t fp[NET_TLS_FP_BYTES])
{
	if (tls_fp_parse(v, fp) == RT_OK)
		return 0;
	char msg[NET_ERRMSG_BYTES];
	if (tls_cert_file_fingerprint(v, fp, msg, sizeof(msg)) == RT_OK)
		return 0;
	fprintf(stderr, "mpcc run: --peer-fingerprint %s: not a fingerprint (sha256: and 64 hex "
			"digits), nor a certificate file (%s)\n", v, msg);
	return EXIT_BAD_INPUT;
}

/* One party of a session from a parties file: a compute party listens and computes, an
 * input party connects, sends its shares and waits for its outputs. */
static int run_session(const struct run_opts *o, const struct circ_circuit *c,
		       uint64_t **out, bool *learned)
{
	struct sa_session s;
	sa *x = NULL;
	net_tls_ctx *tls = NULL;
	uint64_t **in = NULL;
	char why[SA_ERR_BYTES];
	int rc = EXIT_BAD_INPUT, lfd = -1;
	if (sa_session_load(&s, o->parties, why) != 0) {
		fprintf(stderr, "mpcc run: %s\n", why);
		return EXIT_BAD_INPUT;
	}
	int64_t me = sa_session_find(&s, o->as);
	int64_t cp = circ_find_party(c, o->as);
	if (me < 0) {
		fprintf(stderr, "mpcc run: --as %s: %s lists no party '%s'\n", o->as, o->parties,
			o->as);
		goto out;
	}
	rt_err e = sa_new(&x, c, &s, why);
	if (e) {
		fprintf(stderr, "mpcc run: %s: %s\n", o->parties, why);
		rc = exit_code(e);
		goto out;
	}
	if (cp < 0 && o->nitems > 0) {
		fprintf(stderr, "mpcc run: %s is a compute party with no inputs of its own\n",
			o->as);
		goto out;
	}
	if (cp >= 0 && !(in = cli_parse_inputs(c, o->items, o->nitems, (uint32_t)cp)))
		goto out;
	if (!o->insecure) {
		rc = load_key("mpcc run", o->key, &tls);
		if (rc)
			goto out;
		rc = EXIT_BAD_INPUT;
		e = sa_use_tls(x, tls, (uint32_t)me, why);
		if (e) {
			fprintf(stderr, "mpcc run: --key %s: %s\n", o->key, why);
			rc = exit_code(e);
			goto out;
		}
	}
	int timeout_ms = (int)(o->timeout_s * 1000);
	const struct sa_party *p = &s.p[me];
	if (p->role == SA_INPUT) {
		if (o->listen) {
			fprintf(stderr, "mpcc run: %s is an input party: it connects, and "
					"listens nowhere\n",
				o->as);
			rc = EXIT_USAGE;
			goto out;
		}
		sa_input *h = NULL;
		e = sa_input_start(&h, x, (uint32_t)me, timeout_ms, in, why);
		if (!e)
			e = sa_input_finish(h, out, learned, why);
	} else {
		char msg[NET_ERRMSG_BYTES];
		const char *addr = o->listen ? o->listen : p->addr;
		e = net_listen(&lfd, addr, msg);
		if (e) {
			snprintf(why, sizeof(why), "%s", msg);
		} else {
			struct sa_stats st;
			e = sa_compute(x, (uint32_t)me, lfd, timeout_ms, in, out, learned, &st, why);
			if (!e && o->stats)
				print_session_stats(stderr, o->as, &st, o->json);
		}
	}
	if (e) {
		fprintf(stderr, "mpcc run: %s: %s\n", o->as, why);
		rc = exit_code(e);
		goto out;
	}
	cli_print_outputs(stdout, c, out, learned, o->json, o->hex);
	fflush(stdout);
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	cli_free_values(in, c->ninputs);
	sa_free(x);
	net_tls_free(tls);
	sa_session_free(&s);
	return rc;
}

static const char run_help[] =
	"usage: mpcc run FILE --as NAME (--listen HOST:PORT | --connect HOST:PORT)\n"
	"                --key KEY --peer-fingerprint FP --input NAME=VALUE...\n"
	"                [-D NAME=VALUE]... [--timeout SECONDS] [--json] [--hex] [--stats]\n"
	"       mpcc run FILE --parties PARTIES --as NAME --key KEY [--listen HOST:PORT]\n"
	"                --input NAME=VALUE... [-D NAME=VALUE]... [options as above]\n"
	"       (--insecure in place of --key and --peer-fingerprint: plain TCP)\n\n"
	"Runs one party of a secure computation of FILE (a .mpc program or a circuit; a Bristol\n"
	"file's parties are p0 and p1). Two parties: the first party of the program garbles, the\n"
	"second evaluates; either may listen and the other connect. Any number of parties: the\n"
	"parties file (README.md, \"Many parties\") names every party and the two compute\n"
	"parties; the same file goes to everyone. Compute parties listen at their address in\n"
	"the file (--listen overrides, e.g. 0.0.0.0:7000), input parties connect to both, send\n"
	"their inputs as random shares and wait for their outputs. Give your own inputs only.\n"
	"Connecting retries until --timeout (default 30 s), which also bounds the wait for\n"
	"every party to show up and every later wait for a peer. Prints the outputs this party\n"
	"may learn, like mpcc eval. --stats prints time per phase, bytes sent and received and\n"
	"AND gates per second on stderr (JSON with --json).\n\n"
	"Every connection is TLS 1.3, both sides authenticated by their certificates:\n"
	"  --key KEY                your KEY.key and KEY.crt (mpcc keygen --out KEY)\n"
	"  --peer-fingerprint FP    two parties: the other party's fingerprint (as its mpcc\n"
	"                           keygen printed it) or its .crt file; a parties file pins\n"
	"                           every party's fingerprint instead (sha256:... on its line)\n"
	"  --insecure               plain TCP instead: anyone on the network reads and can change\n"
	"                           every message (inputs' shares, outputs), and no party's\n"
	"                           identity is checked. Every party must use it, or none.\n\n"
	"exit status: 0 done, 1 bad input, 2 usage, 3 connection failed or closed, 4 timed out\n"
	"(also: a party did not show up), 5 protocol error (also: a party holds another circuit\n"
	"or parties file), 6 a peer failed authentication (or our key is not the pinned one)\n\n"
	"example: mpcc keygen --out alice    (prints alice's fingerprint; bob likewise)\n"
	"         mpcc run millionaires.mpc --as alice --listen 127.0.0.1:7000 --key alice \\\n"
	"             --peer-fingerprint bob.crt --input alice_wealth=5\n"
	"         mpcc run millionaires.mpc --as bob --connect 127.0.0.1:7000 --key bob \\\n"
	"             --peer-fingerprint alice.crt --input bob_wealth=7\n";

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct pair_tls tls = {0};
	struct circ_circuit *c = NULL;
	uint64_t **in = NULL, **out = NULL;
	bool *learned = NULL;
	int fd = -1, rc = prepare(argc, argv, &o, run_help, true, &c);
	if (rc >= 0)
		goto out;
	rc = EXIT_BAD_INPUT;
	if (o.parties) {
		out = cli_alloc_outputs(c);
		learned = calloc(c->noutputs + 1, sizeof(bool));
		if (out && learned)
			rc = run_session(&o, c, out, learned);
		goto out;
	}
	int64_t me = circ_find_party(c, o.as);
	if (me < 0) {
		fprintf(stderr, "mpcc run: --as %s: the program has no party '%s' (parties:", o.as,
			o.as);
		for (uint32_t p = 0; p < c->nparties; p++)
			fprintf(stderr, " %s", c->parties[p]);
		fprintf(stderr, ")\n");
		goto out;
	}
	in = cli_parse_inputs(c, o.items, o.nitems, (uint32_t)me);
	out = cli_alloc_outputs(c);
	learned = calloc(c->noutputs + 1, sizeof(bool));
	if (!in || !out || !learned)
		goto out;

	if (!o.insecure) {
		rc = peer_fingerprint(o.peer_fp, tls.peer_fp);
		if (!rc)
			rc = load_key("mpcc run", o.key, &tls.t);
		if (rc)
			goto out;
		rc = EXIT_BAD_INPUT;
	}
	int timeout_ms = (int)(o.timeout_s * 1000);
	char errmsg[NET_ERRMSG_BYTES] = "";
	double t0 = now();
	rt_err err;
	if (o.listen) {
		int lfd;
		err = net_listen(&lfd, o.listen, errmsg);
		if (!err) {
			err = net_accept(lfd, timeout_ms, &fd, errmsg);
			close(lfd);
		}
	} else {
		err = net_connect(&fd, o.connect, timeout_ms, errmsg);
	}
	if (err) {
		fprintf(stderr, "mpcc run: %s: %s: %s\n", o.as, rt_err_str(err), errmsg);
		rc = exit_code(err);
		goto out;
	}
	double connect_s = now() - t0;
	struct party_stats st;
	char why[512];
	err = run_party(c, (uint32_t)me, fd, timeout_ms, &tls, in, out, learned, &st, why,
			sizeof(why));

	if (err) {
		fprintf(stderr, "mpcc run: %s: %s\n", o.as, why);
		rc = exit_code(err);
		goto out;
	}
	cli_print_outputs(stdout, c, out, learned, o.json, o.hex);
	fflush(stdout);
	if (o.stats)
		print_stats(stderr, o.as, &st, connect_s, o.json);
	rc = 0;
out:
	if (c) {
		cli_free_values(in, c->ninputs);
		cli_free_values(out, c->noutputs);
	}
	free(learned);
	net_tls_free(tls.t);
	circ_free(c);
	free(o.items);
	free(o.defs.items);
	return rc;
}

/* ---- mpcc local ---- */

/* What a child party reports to the parent through its pipe. */
struct child_report {
	int32_t err;
	double connect_s;
	struct party_stats st;
	char why[480];
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* A child's outputs through its pipe: per output, whether it learned it, then its limbs. */
static int write_outputs(int fd, const struct circ_circuit *c, uint64_t *const *out,
			 const bool *learned)
{
	for (uint32_t k = 0; k < c->noutputs; k++)
		if (write_all(fd, &learned[k], sizeof(bool)) ||
		    write_all(fd, out[k], circ_limbs(c->outputs[k].width) * 8))
			return -1;
	return 0;
}

static int read_outputs(int fd, const struct circ_circuit *c, uint64_t *const *out,
			bool *learned)
{
	for (uint32_t k = 0; k < c->noutputs; k++)
		if (read_all(fd, &learned[k], sizeof(bool)) ||
		    read_all(fd, out[k], circ_limbs(c->outputs[k].width) * 8))
			return -1;
	return 0;
}

/* The child's life: connect (or accept), run, report through wfd, exit. */
static void child_main(const struct circ_circuit *c, uint32_t me, int lfd, uint16_t port,
		       int timeout_ms, const struct pair_tls *tls, uint64_t *const *in,
		       uint64_t *const *out, bool *learned, int wfd)
{
	struct child_report r = {0};
	int fd = -1;
	double t0 = now();
	rt_err err;
	if (me == PARTY_GARBLER) {
		err = net_accept(lfd, timeout_ms, &fd, r.why);
	} else {
		char addr[32];
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		err = net_connect(&fd, addr, timeout_ms, r.why);
	}
	close(lfd);
	r.connect_s = now() - t0;
	if (!err)
		err = run_party(c, me, fd, timeout_ms, tls, in, out, learned, &r.st, r.why,
				sizeof(r.why));
	r.err = (int32_t)err;
	int bad = write_all(wfd, &r, sizeof(r)) || write_outputs(wfd, c, out, learned);
	close(wfd);
	_exit(bad ? 1 : 0);
}

/* Fresh in-memory TLS identities for n parties of `mpcc local` (unless --insecure: all NULL),
 * and their fingerprints. Returns 0 or an exit status (the reason printed). */
static int local_keys(const struct run_opts *o, uint32_t n, net_tls_ctx **t,
		      uint8_t (*fp)[NET_TLS_FP_BYTES])
{
	for (uint32_t i = 0; !o->insecure && i < n; i++) {
		char msg[NET_ERRMSG_BYTES];
		if (net_tls_ephemeral(&t[i], "mpcc local", msg) != RT_OK) {
			fprintf(stderr, "mpcc local: %s\n", msg);
			return EXIT_BAD_INPUT;
		}
		net_tls_fingerprint(t[i], fp[i]);
	}
	return 0;
}

/* What a child of a many-party `mpcc local` reports: its error, then learned and values. */
struct multi_report {
	int32_t err;
	struct sa_stats st;
	char why[SA_ERR_BYTES];
};

/* A child of local_multi: plays session party me, reports through wfd, exits. */
static void multi_child(sa *x, const struct circ_circuit *c, const struct sa_session *s,
			uint32_t me, const int lfd[2], int timeout_ms, net_tls_ctx *tls,
			uint64_t *const *in, uint64_t *const *out, bool *learned, int wfd)
{
	struct multi_report r = {0};
	rt_err e = tls ? sa_use_tls(x, tls, me, r.why) : RT_OK;
	if (e) {
		/* r.why says why */
	} else if (s->p[me].role == SA_INPUT) {
		sa_input *h = NULL;
		e = sa_input_start(&h, x, me, timeout_ms, in, r.why);
		if (!e)
			e = sa_input_finish(h, out, learned, r.why);
	} else {
		e = sa_compute(x, me, lfd[me == s->evaluator], timeout_ms, in, out, learned, &r.st,
			       r.why);
	}
	r.err = (int32_t)e;
	int bad = write_all(wfd, &r, sizeof(r)) || write_outputs(wfd, c, out, learned);
	close(wfd);
	_exit(bad ? 1 : 0);
}

/* The session of a many-party `mpcc local`: --parties FILE (its addresses replaced by local
 * ports), or two compute parties of their own and every program party an input party. */
static int local_session(const struct run_opts *o, const struct circ_circuit *c,
			 struct sa_session *s, const uint16_t port[2])
{
	char why[SA_ERR_BYTES];
	if (o->parties) {
		if (sa_session_load(s, o->parties, why) != 0) {
			fprintf(stderr, "mpcc local: %s\n", why);
			return -1;
		}
	} else {
		size_t cap = 128 + (size_t)c->nparties * (CIRC_MAX_NAME + 8), len = 0;
		char *text = malloc(cap);
		if (!text)
			return -1;
		const char *cname[2] = {"garbler", "evaluator"};
		for (int k = 0; k < 2; k++)
			len += (size_t)snprintf(text + len, cap - len, "%s%s %s 127.0.0.1:0\n",
						cname[k], circ_find_party(c, cname[k]) >= 0 ? "-server" : "",
						cname[k]);
		for (uint32_t p = 0; p < c->nparties; p++)
			len += (size_t)snprintf(text + len, cap - len, "%s input\n", c->parties[p]);
		int rc = sa_session_parse(s, text, len, "(local)", why);
		free(text);
		if (rc != 0) {
			fprintf(stderr, "mpcc local: %s\n", why);
			return -1;
		}
	}
	uint32_t cp[2] = {s->garbler, s->evaluator};
	for (int k = 0; k < 2; k++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port[k]);
		char *a = strdup(addr);
		if (!a)
			return -1;
		free(s->p[cp[k]].addr);
		s->p[cp[k]].addr = a;
	}
	return 0;
}

/* mpcc local for more than two parties (or with --parties): every party of the session its
 * own process, over loopback. */
static int local_multi(const struct run_opts *o, const struct circ_circuit *c, uint64_t **in)
{
	struct sa_session s = {0};
	sa *x = NULL;
	net_tls_ctx **tls = NULL;
	uint8_t (*fp)[NET_TLS_FP_BYTES] = NULL;
	int lfd[2] = {-1, -1}, rc = EXIT_BAD_INPUT;
	uint16_t port[2];
	char why[SA_ERR_BYTES];
	pid_t *pids = NULL;
	int *pipes = NULL;
	uint64_t **out = cli_alloc_outputs(c), **got = cli_alloc_outputs(c);
	bool *learned = calloc(c->noutputs + 1, sizeof(bool));
	bool *have = calloc(c->noutputs + 1, sizeof(bool));
	if (!out || !got || !learned || !have)
		goto out;
	for (int k = 0; k < 2; k++)
		if (net_listen(&lfd[k], "127.0.0.1:0", why) || net_local_port(lfd[k], &port[k], why)) {
			fprintf(stderr, "mpcc local: %s\n", why);
			rc = EXIT_IO;
			goto out;
		}
	if (local_session(o, c, &s, port) != 0)
		goto out;
	tls = calloc(s.n + 1, sizeof(net_tls_ctx *));
	fp = calloc(s.n + 1, sizeof(*fp));
	if (!tls || !fp || (rc = local_keys(o, s.n, tls, fp)) != 0)
		goto out;
	rc = EXIT_BAD_INPUT;
	for (uint32_t i = 0; !o->insecure && i < s.n; i++) {
		s.p[i].has_fp = true;
		memcpy(s.p[i].fp, fp[i], NET_TLS_FP_BYTES);
	}
	rt_err e = sa_new(&x, c, &s, why);
	if (e) {
		fprintf(stderr, "mpcc local: %s\n", why);
		rc = exit_code(e);
		goto out;
	}
	pids = calloc(s.n + 1, sizeof(pid_t));
	pipes = malloc(sizeof(int) * (s.n + 1));
	if (!pids || !pipes)
		goto out;
	for (uint32_t i = 0; i < s.n; i++)
		pipes[i] = -1;
	int timeout_ms = (int)(o->timeout_s * 1000);
	fflush(stdout);
	fflush(stderr);
	for (uint32_t i = 0; i < s.n; i++) {
		int pp[2];
		if (pipe(pp) != 0) {
			perror("mpcc local: pipe");
			goto out;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("mpcc local: fork");
			close(pp[0]);
			close(pp[1]);
			goto out;
		}
		if (pids[i] == 0) {
			close(pp[0]);
			multi_child(x, c, &s, i, lfd, timeout_ms, tls[i], in, out, learned, pp[1]);
		}
		close(pp[1]);
		pipes[i] = pp[0];
	}
	for (int k = 0; k < 2; k++) {
		close(lfd[k]);
		lfd[k] = -1;
	}
	rc = 0;
	struct multi_report rep;
	struct sa_stats cst[2];
	for (uint32_t i = 0; i < s.n; i++) {
		bool ok = read_all(pipes[i], &rep, sizeof(rep)) == 0 &&
			  read_outputs(pipes[i], c, out, learned) == 0;
		if (!ok) {
			fprintf(stderr, "mpcc local: %s ended without a report\n", s.p[i].name);
			rc = rc ? rc : EXIT_IO;
			continue;
		}
		if (rep.err) {
			fprintf(stderr, "mpcc local: %s: %s\n", s.p[i].name, rep.why);
			rc = rc ? rc : exit_code((rt_err)rep.err);
			continue;
		}
		if (i == s.garbler || i == s.evaluator)
			cst[i == s.evaluator] = rep.st;
		for (uint32_t k = 0; k < c->noutputs; k++) {
			size_t nb = circ_limbs(c->outputs[k].width) * 8;
			if (!learned[k])
				continue;
			if (have[k] && memcmp(got[k], out[k], nb) != 0) {
				fprintf(stderr, "mpcc local: the parties disagree on output %s\n",
					c->outputs[k].name);
				rc = rc ? rc : EXIT_PROTOCOL;
			}
			memcpy(got[k], out[k], nb);
			have[k] = true;
		}
	}
	if (rc)
		goto out;
	cli_print_outputs(stdout, c, got, have, o->json, o->hex);
	fflush(stdout);
	if (o->stats)
		for (int k = 0; k < 2; k++)
			print_session_stats(stderr, s.p[k ? s.evaluator : s.garbler].name, &cst[k],
					    o->json);
out:
	for (int k = 0; k < 2; k++)
		if (lfd[k] >= 0)
			close(lfd[k]);
	for (uint32_t i = 0; pids && pipes && i < s.n; i++) {
		if (pipes[i] >= 0)
			close(pipes[i]);
		if (pids[i] > 0) {
			int st;
			if (rc)
				kill(pids[i], SIGTERM);
			waitpid(pids[i], &st, 0);
		}
	}
	free(pids);
	free(pipes);
	for (uint32_t i = 0; tls && i < s.n; i++)
		net_tls_free(tls[i]);
	free(tls);
	free(fp);
	cli_free_values(out, c->noutputs);
	cli_free_values(got, c->noutputs);
	free(learned);
	free(have);
	sa_free(x);
	sa_session_free(&s);
	return rc;
}

static const char local_help[] =
	"usage: mpcc local FILE [-D NAME=VALUE]... --input NAME=VALUE... [--parties PARTIES]\n"
	"                  [--timeout SECONDS] [--json] [--hex] [--stats] [--insecure]\n\n"
	"Runs every party of FILE on this machine, each as its own process, talking over\n"
	"loopback TCP with the real protocol, and prints every output (each one as a party that\n"
	"may learn it learned it). Give every party's inputs. The outputs equal mpcc eval's for\n"
	"the same inputs: the quickest way to try a program. A program of more than two parties\n"
	"runs server-aided: two compute parties of their own (garbler and evaluator) and every\n"
	"party of the program an input party, or the roles of --parties PARTIES (its addresses\n"
	"are replaced by free local ports, its fingerprints by fresh keys). --stats prints the\n"
	"compute parties' time per phase, traffic and AND gates per second on stderr.\n"
	"Connections are TLS 1.3 with a fresh key per party, made in memory for this run;\n"
	"--insecure runs over plain TCP instead.\n";

int cmd_local(int argc, char **argv)
{
	struct run_opts o = {0};
	struct pair_tls ptls[2] = {{0}, {0}};
	struct circ_circuit *c = NULL;
	uint64_t **in = NULL, **out[2] = {NULL, NULL};
	bool *learned[2] = {NULL, NULL};
	int lfd = -1, pipes[2][2] = {{-1, -1}, {-1, -1}};
	pid_t pids[2] = {-1, -1};
	int rc = prepare(argc, argv, &o, local_help, false, &c);
	if (rc >= 0)
		goto out;
	rc = EXIT_BAD_INPUT;
	in = cli_parse_inputs(c, o.items, o.nitems, CIRC_ALL);
	if (in && (o.parties || c->nparties != 2)) {
		rc = local_multi(&o, c, in);
		goto out;
	}
	for (int p = 0; p < 2; p++) {
		out[p] = cli_alloc_outputs(c);
		learned[p] = calloc(c->noutputs + 1, sizeof(bool));
	}
	if (!in || !out[0] || !out[1] || !learned[0] || !learned[1])
		goto out;
	char errmsg[NET_ERRMSG_BYTES];
	uint16_t port;
	if (net_listen(&lfd, "127.0.0.1:0", errmsg) || net_local_port(lfd, &port, errmsg)) {
		fprintf(stderr, "mpcc local: %s\n", errmsg);
		rc = EXIT_IO;
		goto out;
	}
	net_tls_ctx *keys[2] = {NULL, NULL};
	uint8_t fps[2][NET_TLS_FP_BYTES];
	rc = local_keys(&o, 2, keys, fps);
	for (int p = 0; p < 2; p++) {
		ptls[p].t = keys[p];
		memcpy(ptls[p].peer_fp, fps[1 - p], NET_TLS_FP_BYTES);
	}
	if (rc)
		goto out;
	rc = EXIT_BAD_INPUT;
	int timeout_ms = (int)(o.timeout_s * 1000);
	fflush(stdout);
	fflush(stderr);
	for (uint32_t p = 0; p < 2; p++) {
		if (pipe(pipes[p]) != 0) {
			perror("mpcc local: pipe");
			goto out;
		}
		pids[p] = fork();
		if (pids[p] < 0) {
			perror("mpcc local: fork");
			goto out;
		}
		if (pids[p] == 0) {
			close(pipes[p][0]);
			child_main(c, p, lfd, port, timeout_ms, &ptls[p], in, out[p], learned[p],
				   pipes[p][1]);
		}
		close(pipes[p][1]);
		pipes[p][1] = -1;
	}
	close(lfd);
	lfd = -1;
	rc = 0;
	struct child_report rep[2];
	for (uint32_t p = 0; p < 2; p++) {
		bool ok = read_all(pipes[p][0], &rep[p], sizeof(rep[p])) == 0 &&
			  read_outputs(pipes[p][0], c, out[p], learned[p]) == 0;
		if (!ok) {
			fprintf(stderr, "mpcc local: %s ended without a report\n", c->parties[p]);
			rc = EXIT_IO;
		} else if (rep[p].err) {
			fprintf(stderr, "mpcc local: %s: %s\n", c->parties[p], rep[p].why);
			if (!rc)
				rc = exit_code((rt_err)rep[p].err);
		}
	}
	if (rc)
		goto out;
	/* every output from a party that learned it; where both did, they must agree */
	for (uint32_t k = 0; k < c->noutputs; k++) {
		if (learned[0][k] && learned[1][k] &&
		    memcmp(out[0][k], out[1][k], circ_limbs(c->outputs[k].width) * 8) != 0) {
			fprintf(stderr, "mpcc local: the parties disagree on output %s\n",
				c->outputs[k].name);
			rc = EXIT_PROTOCOL;
			goto out;
		}
		if (!learned[0][k])
			memcpy(out[0][k], out[1][k], circ_limbs(c->outputs[k].width) * 8);
	}
	cli_print_outputs(stdout, c, out[0], NULL, o.json, o.hex);
	fflush(stdout);
	if (o.stats)
		for (uint32_t p = 0; p < 2; p++)
			print_stats(stderr, c->parties[p], &rep[p].st, rep[p].connect_s, o.json);
out:
	if (lfd >= 0)
		close(lfd);
	for (int p = 0; p < 2; p++) {
		if (pipes[p][0] >= 0)
			close(pipes[p][0]);
		if (pids[p] > 0) {
			int st;
			if (rc)
				kill(pids[p], SIGTERM);
			waitpid(pids[p], &st, 0);
		}
	}
	if (c) {
		cli_free_values(in, c->ninputs);
		for (int p = 0; p < 2; p++)
			cli_free_values(out[p], c->noutputs);
	}
	free(learned[0]);
	free(learned[1]);
	net_tls_free(ptls[0].t);
	net_tls_free(ptls[1].t);
	circ_free(c);
	free(o.items);
	free(o.defs.items);
	return rc;
}

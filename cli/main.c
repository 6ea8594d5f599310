/* main.c: the mpcc command: finds the subcommand and hands it the rest of the line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
#ifdef MPCC_HAVE_COMPILER
	{"compile", cmd_compile, "compile a .mpc program to a circuit"},
	{"check", cmd_check, "report a program's diagnostics only"},
#endif
	{"stats", cmd_stats, "gate counts, depth, size and identity of a circuit"},
	{"eval", cmd_eval, "evaluate a circuit in the clear"},
	{"convert", cmd_convert, "convert between Bristol Fashion and mpcc's binary format"},
#ifdef MPCC_HAVE_RUNTIME
	{"run", cmd_run, "run one party of a secure computation"},
	{"local", cmd_local, "run every party on this machine (over loopback)"},
	{"keygen", cmd_keygen, "make a party's TLS key and certificate; print its fingerprint"},
#endif
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mpcc COMMAND [ARGS...]\n\n"
		   "mpcc compiles .mpc programs to boolean circuits and runs them as secure\n"
		   "multi-party computations with garbled circuits.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'mpcc COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mpcc 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mpcc: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

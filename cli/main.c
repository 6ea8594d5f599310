/* main.c: the mpcc command: dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mpcc: not built yet\n");
	return 2;
}

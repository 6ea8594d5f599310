/* sums.h (internal to compiler/): the sums over a party array that become sum groups.
 *
 * lower_sums_find() reads a checked program before it is lowered and finds the inputs from
 * a party array (`input x: T from p;`, x is [T; N]) whose values reach the program only
 * through full sums, `for b in 0..N { acc += x[b]<suffix>; }`. Each scalar of such an
 * input becomes a sum group: N circuit inputs, one per party, sharing wires that carry
 * their sum (circ_add_sum_input), so each party sends additive shares and the circuit does
 * not grow with N. The lowering then gives element 0 of the input the group's wires, runs
 * each of its sum statements only in iteration b == 0 (where x[0]<suffix> reads the whole
 * sum), and runs a loop that holds nothing else once. sums.c says exactly which programs
 * qualify.
 */
#ifndef MPCC_SUMS_H
#define MPCC_SUMS_H

#include <stdbool.h>

#include "lang.h"

struct lower_sums;

/* The sums of a checked program without errors; NULL when out of memory. */
struct lower_sums *lower_sums_find(const struct lang_program *p);
void lower_sums_free(struct lower_sums *s); /* NULL is a no-op */

/* Whether input d becomes sum groups. */
bool lower_sums_grouped(const struct lower_sums *s, const struct ast_decl *d);
/* For a sum statement over a grouped input: the index of its loop (the statement runs
 * only while that index is 0); NULL for every other statement. */
const struct ast_decl *lower_sums_loop_of(const struct lower_sums *s, const struct ast_stmt *st);
/* Whether a for loop holds only such statements of its own, so one iteration does. */
bool lower_sums_once(const struct lower_sums *s, const struct ast_stmt *loop);
/* How many inputs are grouped (for tests and statistics). */
uint32_t lower_sums_count(const struct lower_sums *s);

#endif

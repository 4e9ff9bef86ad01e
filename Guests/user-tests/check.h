/* Self-checking programs for the process VM: CHECK(cond) prints the failing
 * line and exits 1; a program that reaches its end prints "ok" and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); exit(1); } } while (0)

/* libc qsort of 10 million pseudo-random ints, then a check that they are sorted. */
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void) {
    int n = 10 * 1000 * 1000;
    int *v = malloc(sizeof(int) * n);
    unsigned x = 12345;
    for (int i = 0; i < n; i++) { x = x * 1103515245 + 12345; v[i] = (int)(x >> 1); }
    qsort(v, n, sizeof(int), compare);
    for (int i = 1; i < n; i++) if (v[i - 1] > v[i]) { printf("unsorted\n"); return 1; }
    printf("%d %d %d\n", v[0], v[n / 2], v[n - 1]);
    return 0;
}

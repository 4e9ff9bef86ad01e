/* A wild pointer is the program's SIGSEGV, never the monitor's crash. */
#include <stdio.h>
int main(void) {
    printf("before\n");
    fflush(stdout);
    *(volatile int *)0x1234 = 1;
    printf("after\n");
    return 0;
}

/* argv, the environment, the auxiliary vector and the exit status reach the program. */
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include "check.h"

int main(int argc, char **argv) {
    CHECK(argc == 3);
    CHECK(strcmp(argv[1], "first") == 0 && strcmp(argv[2], "second arg") == 0);
    const char *v = getenv("ISOLA_TEST_VALUE");
    CHECK(v != NULL && strcmp(v, "42") == 0);
    CHECK(getauxval(AT_PAGESZ) == 4096);
    CHECK(getauxval(AT_ENTRY) != 0 && getauxval(AT_PHDR) != 0);
    const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
    CHECK(random != NULL);
    CHECK(getauxval(AT_HWCAP) & (1 << ('d' - 'a')));
    struct utsname u;
    CHECK(uname(&u) == 0 && strcmp(u.machine, "riscv64") == 0);
    printf("ok\n");
    return 3;
}

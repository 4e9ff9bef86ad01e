/* Prints through the 16550 UART and powers off through the test finisher. */
#include "common/harness.h"
RVTEST_BEGIN
        la a0, message
        li a1, UART
1:      lbu a2, 0(a0)
        beqz a2, 2f
        /* Wait for THR empty (LSR bit 5). */
3:      lbu a3, 5(a1)
        andi a3, a3, 0x20
        beqz a3, 3b
        sb a2, 0(a1)
        addi a0, a0, 1
        j 1b
2:      j pass
RVTEST_END
        .data
message: .asciz "Hello from a bare-metal RISC-V guest on Isola!\n"

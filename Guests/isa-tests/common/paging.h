/* Paging test body shared by priv-sv39.S, priv-sv48.S and priv-sv57.S; the
 * including file defines LEVELS (3, 4 or 5) and SATP_MODE (8, 9 or 10).
 *
 * Layout: the gigapage at VA 0x80000000 maps the program itself (identity,
 * S-only, RWX). The gigapage slot at VA 0x40000000 points to a table of 2 MiB
 * entries whose first entry points to a table of 4 KiB test pages, each with
 * different PTE bits. Every fault is taken in M-mode, which checks mcause and
 * mtval and goes on with the next check. */
#include "common/harness.h"

#include "common/pte.h"
#define TESTVA 0x40000000
#define PAGE(i) (TESTVA + (i) * 4096)

/* table[index] = pointer to next_table */
#define LINK(table, index, next)                      \
        la t0, next; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, PTE_V; \
        la t1, table; sd t0, (index) * 8(t1);
/* leaf[index] = physical page `phys` with flags */
#define LEAF_AT(table, index, phys_reg, flags)        \
        srli t0, phys_reg, 12; slli t0, t0, 10; ori t0, t0, flags; \
        la t1, table; sd t0, (index) * 8(t1);

/* Run `code` in S-mode and expect it to fault with `cause` at `tval`. */
#define S_FAULT(n, cause, tval, code...)              \
        EXPECT_TRAP_TVAL(n, cause, tval, 1f)          \
        ENTER_MODE(MPP_S, 2f)                         \
2:      code;                                         \
        j fail;                                       \
1:
/* Run `code` in S-mode; it must reach the ecall without faulting. */
#define S_OK(n, code...)                              \
        EXPECT_TRAP(n, 9, 1f)                         \
        ENTER_MODE(MPP_S, 2f)                         \
2:      code;                                         \
        ecall;                                        \
        j fail;                                       \
1:
/* U-mode code runs from the user alias of the program at VA 0xC0000000. */
#define ENTER_USER_ALIAS(target)                      \
        li t0, 0x1800;                                \
        csrc mstatus, t0;                             \
        la t0, target;                                \
        li t1, 0x40000000;                            \
        add t0, t0, t1;                               \
        csrw mepc, t0;                                \
        mret;
#define U_FAULT(n, cause, tval, code...)              \
        EXPECT_TRAP_TVAL(n, cause, tval, 1f)          \
        ENTER_USER_ALIAS(2f)                          \
2:      code;                                         \
        j fail;                                       \
1:
#define U_OK(n, code...)                              \
        EXPECT_TRAP(n, 8, 1f)                         \
        ENTER_USER_ALIAS(2f)                          \
2:      code;                                         \
        ecall;                                        \
        j fail;                                       \
1:

RVTEST_BEGIN
        PMP_ALLOW_ALL
        /* the chain of tables above the 1 GiB level: entry 0 each */
#if LEVELS >= 5
        LINK(table4, 0, table3)
#endif
#if LEVELS >= 4
        LINK(table3, 0, table2)
#endif
        /* table2 (1 GiB entries): [2] identity gigapage, [1] -> table1, [3] user alias */
        li t2, 0x80000000
        LEAF_AT(table2, 2, t2, PTE_V|PTE_R|PTE_W|PTE_X|PTE_A|PTE_D)
        LINK(table2, 1, table1)
        /* [3]: the same program as a user RX alias at VA 0xC0000000 */
        LEAF_AT(table2, 3, t2, PTE_V|PTE_R|PTE_X|PTE_U|PTE_A)
        /* table1 (2 MiB entries): [0] -> table0; [1] megapage at 0x80200000; [2] misaligned megapage */
        LINK(table1, 0, table0)
        li t2, 0x80200000
        LEAF_AT(table1, 1, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)
        li t2, 0x80201000
        LEAF_AT(table1, 2, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)
        /* table0 (4 KiB test pages) */
        la t2, pages
        LEAF_AT(table0, 0, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)                /* RW */
        li t3, 4096
        add t2, t2, t3
        LEAF_AT(table0, 1, t2, PTE_V|PTE_R|PTE_A)                            /* read-only */
        add t2, t2, t3
        LEAF_AT(table0, 2, t2, PTE_V|PTE_X|PTE_A)                            /* execute-only */
        add t2, t2, t3
        LEAF_AT(table0, 3, t2, PTE_V|PTE_R|PTE_W|PTE_U|PTE_A|PTE_D)          /* user RW */
        add t2, t2, t3
        LEAF_AT(table0, 4, t2, PTE_V|PTE_R|PTE_W)                            /* A and D clear */
        add t2, t2, t3
        LEAF_AT(table0, 5, t2, PTE_R|PTE_W|PTE_A|PTE_D)                      /* not valid */
        add t2, t2, t3
        LEAF_AT(table0, 6, t2, PTE_V|PTE_W|PTE_A|PTE_D)                      /* W without R: reserved */
        add t2, t2, t3
        LEAF_AT(table0, 7, t2, PTE_V|PTE_R|PTE_X|PTE_U|PTE_A)                /* user RX */
        /* a `ret` at the start of the two executable pages */
        la t2, pages
        li t0, 0x00008067
        li t3, 2 * 4096
        add t1, t2, t3
        sw t0, 0(t1)
        li t3, 7 * 4096
        add t1, t2, t3
        sw t0, 0(t1)
        /* a marker the megapage must show at VA 0x40201234 */
        li t0, 0x80201230
        li t1, 0x5a5a5a5a
        sd t1, 0(t0)
        /* turn on paging */
        la t0, ROOT
        srli t0, t0, 12
        li t1, SATP_MODE
        slli t1, t1, 60
        or t0, t0, t1
        csrw satp, t0
        sfence.vma
        li TESTNUM, 1
        csrr a0, satp
        srli a0, a0, 60
        li t6, SATP_MODE
        bne a0, t6, fail

        /* reads and writes where allowed */
        S_OK(2, li a1, PAGE(0); li a2, 77; sd a2, 0(a1); ld a3, 0(a1); bne a2, a3, fail)
        S_OK(3, li a1, PAGE(1); ld a3, 0(a1))
        /* each permission bit */
        S_FAULT(4, 15, PAGE(1) + 8, li a1, PAGE(1); sd a1, 8(a1))            /* W */
        S_FAULT(5, 13, PAGE(2) + 16, li a1, PAGE(2); ld a3, 16(a1))          /* R */
        S_FAULT(6, 12, PAGE(0), li a1, PAGE(0); jalr a1)                     /* X */
        S_OK(7, li a1, PAGE(2); jalr a1)                                    /* execute-only runs */
        S_FAULT(8, 13, PAGE(5), li a1, PAGE(5); ld a3, 0(a1))                /* V */
        S_FAULT(9, 15, PAGE(5), li a1, PAGE(5); sd a3, 0(a1))
        S_FAULT(10, 13, PAGE(6), li a1, PAGE(6); ld a3, 0(a1))               /* W without R */
        /* MXR makes execute-only pages readable */
        li t0, 1 << 19
        csrs mstatus, t0
        S_OK(11, li a1, PAGE(2); ld a3, 0(a1))
        li t0, 1 << 19
        csrc mstatus, t0
        /* a translation used under MXR must not outlive it */
        S_FAULT(28, 13, PAGE(2), li a1, PAGE(2); ld a3, 0(a1))
        /* U pages from S: data only with SUM, never execution */
        S_FAULT(12, 13, PAGE(3), li a1, PAGE(3); ld a3, 0(a1))
        li t0, 1 << 18
        csrs mstatus, t0
        S_OK(13, li a1, PAGE(3); ld a3, 0(a1); sd a3, 8(a1))
        S_FAULT(14, 12, PAGE(7), li a1, PAGE(7); jalr a1)
        li t0, 1 << 18
        csrc mstatus, t0
        /* nor one used under SUM */
        S_FAULT(29, 13, PAGE(3), li a1, PAGE(3); ld a3, 0(a1))
        S_FAULT(30, 15, PAGE(3) + 8, li a1, PAGE(3); sd a3, 8(a1))
        /* U-mode: only U pages */
        U_FAULT(15, 13, PAGE(0), li a1, PAGE(0); ld a3, 0(a1))
        U_OK(16, li a1, PAGE(3); ld a3, 0(a1); sd a3, 0(a1))
        U_FAULT(17, 12, 0x80000000, li a1, 0x80000000; jalr a1)             /* the program's own pages are not U */
        /* A and D are set by the walk */
        S_OK(18, li a1, PAGE(4); ld a3, 0(a1))
        li TESTNUM, 19
        ld a0, table0 + 4 * 8
        andi a1, a0, PTE_A
        beqz a1, fail
        andi a1, a0, PTE_D
        bnez a1, fail
        S_OK(20, li a1, PAGE(4); sd a3, 0(a1))
        li TESTNUM, 21
        ld a0, table0 + 4 * 8
        andi a1, a0, PTE_D
        beqz a1, fail
        /* a megapage translates with the low VPN bits from the address */
        S_OK(22, li a1, 0x40201230; ld a2, 0(a1); li t6, 0x5a5a5a5a; bne a2, t6, fail)
        /* a misaligned megapage faults */
        S_FAULT(23, 13, 0x40400000, li a1, 0x40400000; ld a2, 0(a1))
        /* a non-canonical address faults */
        S_FAULT(24, 13, NONCANONICAL, li a1, NONCANONICAL; ld a2, 0(a1))
        /* sfence.vma makes a changed PTE visible: page 1 becomes writable */
        li t2, 0
        la t2, pages
        li t3, 4096
        add t2, t2, t3
        LEAF_AT(table0, 1, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)
        S_OK(25, li a1, PAGE(1); sfence.vma a1, zero; sd a1, 8(a1))
        /* MPRV: M-mode data accesses translated as S */
        li TESTNUM, 26
        li t0, (1 << 17) | MPP_S
        li t1, 0x1800
        csrc mstatus, t1
        csrs mstatus, t0
        li a1, PAGE(0)
        ld a2, 0(a1)
        li t0, 1 << 17
        csrc mstatus, t0
        li t6, 77
        bne a2, t6, fail
        /* remapping a megapage and fencing one address of it drops every cached piece:
           0x40201230 was read through the old mapping (test 22) */
        li t0, 0x80401230
        li t1, 0x6b6b6b6b
        sd t1, 0(t0)
        li t2, 0x80400000
        LEAF_AT(table1, 1, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)
        S_OK(27, li a1, 0x40200000; sfence.vma a1, zero; li a1, 0x40201230; ld a2, 0(a1); li t6, 0x6b6b6b6b; bne a2, t6, fail)
        /* back to Bare */
        csrw satp, x0
        j pass
RVTEST_END
        .data
        .align 12
table2: .skip 4096
table1: .skip 4096
table0: .skip 4096
#if LEVELS >= 4
table3: .skip 4096
#endif
#if LEVELS >= 5
table4: .skip 4096
#endif
pages:  .skip 8 * 4096

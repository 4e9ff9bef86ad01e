/* Sv39 scaffolding for programs that check translation from S-mode
 * (tlb.S, decode-cache.S, page-cross.S).
 *
 * VM_SETUP, in M-mode, builds the address space `root`:
 *   VA 0x00000000  gigapage -> PA 0 (devices: the test finisher), RW
 *   VA 0x40000000  `mid` -> `leaf`: 512 test pages TVA(0..511), all invalid
 *                  until a test maps them; mid[1..511] are free for megapages
 *   VA 0x80000000  gigapage -> PA 0x80000000 (program, data, tables), RWX
 * so S-mode code edits page tables through their physical addresses and can
 * reach `pass` and `fail`.
 *
 * Faults are taken in M-mode by `vm_trap`, which records them and resumes, so
 * a check reads inline:  ARM; <access>; TRAPPED_AT(cause, tval_reg, label)
 *   s9 = mcause (0 = no trap: cause 0 cannot occur on a hart with C),
 *   s10 = mtval, s11 = mepc;
 *   instruction faults (1, 12) resume at ra: the faulting code was called;
 *   load/store faults (4-7, 13, 15) resume at mepc + 4 (every file is
 *   assembled without RVC, see below);
 *   ecall from S (9) continues in M-mode after the ecall (TO_M);
 *   ecall from U (8) continues in M-mode at s7 (U-mode code may run at an
 *   alias of the program, which M-mode cannot fetch);
 *   illegal instruction (2) resumes at mepc + 4 where the program defines
 *   VM_TRAP_ILLEGAL before including this file;
 *   anything else fails.
 * t6 belongs to the handler and to the checks. */
#include "common/harness.h"

/* The handler skips a faulting load or store as 4 bytes, so nothing is
   compressed unless a test asks for it with .option rvc. */
        .option norvc

#include "common/pte.h"
#define RW  (PTE_V|PTE_R|PTE_W|PTE_A|PTE_D)
#define RO  (PTE_V|PTE_R|PTE_A)
#define RX  (PTE_V|PTE_R|PTE_X|PTE_A)
#define XO  (PTE_V|PTE_X|PTE_A)
#define RWX (PTE_V|PTE_R|PTE_W|PTE_X|PTE_A|PTE_D)
#define SATP_SV39 (8 << 60)
#define SSTATUS_SUM (1 << 18)
#define SSTATUS_MXR (1 << 19)
#define MSTATUS_MPRV (1 << 17)

#define TVA(i) (0x40000000 + (i) * 4096)

/* dst = a PTE for the physical address in `pa` with `flags` */
#define PTE(dst, pa, flags)                           \
        srli dst, pa, 12; slli dst, dst, 10; ori dst, dst, flags
/* t1 = address of entry i of `table` (any i: sd offsets stop at 2047) */
#define SLOT(table, i)                                \
        la t1, table; li t0, (i) * 8; add t1, t1, t0
/* table[i] = PTE(pa_reg, flags); uses t0 t1 */
#define MAP_IN(table, i, pa_reg, flags)               \
        SLOT(table, i); PTE(t0, pa_reg, flags); sd t0, 0(t1)
#define MAP(i, pa_reg, flags) MAP_IN(leaf, i, pa_reg, flags)
#define UNMAP(i) SLOT(leaf, i); sd zero, 0(t1)
/* dst = satp value for the root table `table` */
#define SATP_OF(dst, table)                           \
        la dst, table; srli dst, dst, 12; li t0, SATP_SV39; or dst, dst, t0

/* Where failing checks go; a test may point it elsewhere for a stretch
   (M-mode code running with MPRV must clear it before `fail` stores). */
#define FAIL fail
#define ARM li s9, 0
#define NO_TRAP bnez s9, FAIL
#define TRAPPED(cause) li t6, cause; bne s9, t6, FAIL
/* trapped with `cause`, xtval = tval_reg, xepc = label */
#define TRAPPED_AT(cause, tval_reg, at)               \
        TRAPPED(cause); bne s10, tval_reg, FAIL; la t6, at; bne s11, t6, FAIL
/* the same with xepc given in a register */
#define TRAPPED_AT_REG(cause, tval_reg, epc_reg)      \
        TRAPPED(cause); bne s10, tval_reg, FAIL; bne s11, epc_reg, FAIL
/* reg == expected (an immediate) */
#define EXPECT(reg, expected) li t6, expected; bne reg, t6, FAIL

/* Continue in S-mode at the next instruction; from S-mode, back to M-mode. */
#define TO_S ENTER_MODE(MPP_S, 70f); 70:
#define TO_M ecall

#ifdef VM_TRAP_ILLEGAL
#define VM_TRAP_ILLEGAL_CASE li t6, 2; beq s9, t6, 71f;
#else
#define VM_TRAP_ILLEGAL_CASE
#endif

#define VM_SETUP                                      \
        PMP_ALLOW_ALL                                 \
        la t1, root;                                  \
        li t2, 0; PTE(t0, t2, RW); sd t0, 0(t1);      \
        la t2, mid; PTE(t0, t2, PTE_V); sd t0, 8(t1); \
        li t2, 0x80000000; PTE(t0, t2, RWX); sd t0, 16(t1); \
        la t1, mid; la t2, leaf; PTE(t0, t2, PTE_V); sd t0, 0(t1); \
        la t0, vm_trap; csrw mtvec, t0;               \
        SATP_OF(t2, root); csrw satp, t2;             \
        sfence.vma;                                   \
        j 79f;                                        \
        .align 2;                                     \
vm_trap:                                              \
        csrr s9, mcause;                              \
        csrr s10, mtval;                              \
        csrr s11, mepc;                               \
        bltz s9, fail;                                \
        li t6, 9; beq s9, t6, 73f;                    \
        li t6, 8; beq s9, t6, 75f;                    \
        li t6, 1; beq s9, t6, 72f;                    \
        li t6, 12; beq s9, t6, 72f;                   \
        li t6, 13; beq s9, t6, 71f;                   \
        VM_TRAP_ILLEGAL_CASE                          \
        li t6, 15; beq s9, t6, 71f;                   \
        li t6, 4; bltu s9, t6, fail;                  \
        li t6, 7; bgtu s9, t6, fail;                  \
71:     addi t6, s11, 4;                              \
        csrw mepc, t6;                                \
        mret;                                         \
72:     csrw mepc, ra;                                \
        mret;                                         \
73:     addi t6, s11, 4;                              \
        jr t6;                                        \
75:     jr s7;                                        \
79:

/* The page tables; place after RVTEST_END. */
#define VM_TABLES                                     \
        .data;                                        \
        .align 12;                                    \
root:   .skip 4096;                                   \
mid:    .skip 4096;                                   \
leaf:   .skip 4096;

/* Svpbmt: bits 62:61 of a leaf PTE name a memory type. With menvcfg.PBMTE clear any
 * type is a page fault; with it set NC (1) and IO (2) map memory as usual and the
 * reserved 3 is a page fault (privileged spec 4.3.2 step 3: an encoding reserved for
 * future use). A type in a non-leaf PTE is always a page fault. */
#include "common/vm.h"
#define PBMT_NC 0x2000000000000000
#define PBMT_IO 0x4000000000000000
#define PBMT_RESERVED 0x6000000000000000
#define MENVCFG_PBMTE 0x4000000000000000
/* leaf[i] = PTE(pa_reg, flags) with memory type `type`; uses t0 t1 t6 */
#define MAP_TYPED(i, pa_reg, flags, type)             \
        SLOT(leaf, i); PTE(t0, pa_reg, flags); li t6, type; or t0, t0, t6; sd t0, 0(t1)
/* a load from TVA(i) faults with a load page fault naming its address */
#define LOAD_FAULTS(i) li a1, TVA(i); ARM; ld a0, 0(a1); TRAPPED(13); bne s10, a1, FAIL
#define LOAD_READS(i, value) li a1, TVA(i); ARM; ld a0, 0(a1); NO_TRAP; EXPECT(a0, value)
RVTEST_BEGIN
        VM_SETUP
        la s1, frame
        li t0, 0x1234
        sd t0, 0(s1)
        MAP_TYPED(0, s1, RW, PBMT_NC)
        MAP_TYPED(1, s1, RW, PBMT_IO)
        MAP_TYPED(2, s1, RW, PBMT_RESERVED)
        MAP(3, s1, RW)
        /* PBMTE clear */
        li TESTNUM, 1
        TO_S
        sfence.vma
#ifndef QEMU_VALIDATION  /* QEMU 7.2 takes memory types whatever PBMTE says */
        LOAD_FAULTS(0)
        LOAD_FAULTS(1)
        LOAD_FAULTS(2)
#endif
        LOAD_READS(3, 0x1234)
        TO_M
        /* PBMTE set */
        li TESTNUM, 2
        li t0, MENVCFG_PBMTE
        csrs menvcfg, t0
        csrr a0, menvcfg
        and a0, a0, t0
        beqz a0, fail
        TO_S
        sfence.vma
        LOAD_READS(0, 0x1234)
        LOAD_READS(1, 0x1234)
        li TESTNUM, 3
        li a1, TVA(1)
        li t2, 0x77
        ARM
        sd t2, 8(a1)
        NO_TRAP
        ld a0, 8(s1)
        EXPECT(a0, 0x77)
#ifndef QEMU_VALIDATION  /* QEMU 7.2 maps the reserved type too */
        li TESTNUM, 4
        LOAD_FAULTS(2)
        ARM
        sd zero, 0(a1)                  /* a1 = TVA(2) */
        TRAPPED(15)
#endif
        TO_M
        /* a type in the non-leaf PTE above the leaf table */
        li TESTNUM, 5
        la t1, mid
        ld s4, 0(t1)
        li t6, PBMT_NC
        or t0, s4, t6
        sd t0, 0(t1)
        TO_S
        sfence.vma
        LOAD_FAULTS(3)
        TO_M
        la t1, mid
        sd s4, 0(t1)
        j pass
RVTEST_END
        VM_TABLES
        .align 12
frame:  .skip 4096

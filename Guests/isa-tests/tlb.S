/* Address translation caching under Sv39: what sfence.vma, satp writes and
 * changes of SUM, MXR and MPRV must make visible. Every change of a PTE is
 * followed by the fence the privileged spec (4.2.1) asks for, so each check
 * holds on any implementation, however it caches translations; without the
 * fence either outcome would be allowed, so nothing here tests that.
 *
 * S-mode does the work (see common/vm.h); the data frames each carry three
 * markers, so a load names the frame it reached. */
#include "common/vm.h"

#define NFRAMES 24
#define MARK0(i) (0x10000 + (i))        /* at offset 0 of frame i */
#define MARK1(i) (0x20000 + (i))        /* at offset 0x18 */
#define MARK2(i) (0x30000 + (i))        /* at offset 0x230 */
/* dst = physical address of frame i (uses t0) */
#define FRAME(dst, i) la dst, frames; li t0, (i) * 4096; add dst, dst, t0
/* code frames: `li a0, 1; ret` and `li a0, 2; ret`, and two copies of
   `remap_self` ending in `li a0, 1` and `li a0, 2` */
#define CODE1 16
#define CODE2 17
#define SELF1 18
#define SELF2 19
#define JUMPS 20                        /* t_jal, t_beq */
#define SWITCH_A 21                     /* t_switch; li a0, 1; ret */
#define SWITCH_B 22                     /* t_switch; li a0, 2; ret */
/* 2 MiB-aligned physical regions for the megapage; below them is the program */
#define MEGA_A 0x80400000
#define MEGA_B 0x80600000
#define LI_A0(k) (((k) << 20) | 0x513)   /* addi a0, zero, k */
#define RET 0x00008067

RVTEST_BEGIN
        VM_SETUP
        /* markers in every frame */
        la t2, frames
        li t3, 0
1:      li t0, 0x10000
        add t0, t0, t3
        sd t0, 0(t2)
        li t0, 0x20000
        add t0, t0, t3
        sd t0, 0x18(t2)
        li t0, 0x30000
        add t0, t0, t3
        sd t0, 0x230(t2)
        li t0, 4096
        add t2, t2, t0
        addi t3, t3, 1
        li t0, NFRAMES
        bne t3, t0, 1b
        /* code frames */
        FRAME(t2, CODE1)
        li t0, LI_A0(1)
        sw t0, 0(t2)
        li t0, RET
        sw t0, 4(t2)
        FRAME(t2, CODE2)
        li t0, LI_A0(2)
        sw t0, 0(t2)
        li t0, RET
        sw t0, 4(t2)
        la t3, remap_self
        FRAME(t2, SELF1)
        lw t0, 0(t3)
        sw t0, 0(t2)
        lw t0, 4(t3)
        sw t0, 4(t2)
        li t0, LI_A0(1)
        sw t0, 8(t2)
        li t0, RET
        sw t0, 12(t2)
        FRAME(t2, SELF2)
        lw t0, 0(t3)
        sw t0, 0(t2)
        lw t0, 4(t3)
        sw t0, 4(t2)
        li t0, LI_A0(2)
        sw t0, 8(t2)
        li t0, RET
        sw t0, 12(t2)
        /* megapage contents: data at +0x1230 and +0x1ff008, code at +0x5000 */
        li t2, MEGA_A
        li t1, 0x1230
        add t1, t1, t2
        li t0, 0xa1
        sd t0, 0(t1)
        li t1, 0x1ff008
        add t1, t1, t2
        li t0, 0xa2
        sd t0, 0(t1)
        li t1, 0x5000
        add t1, t1, t2
        li t0, LI_A0(0xa)
        sw t0, 0(t1)
        li t0, RET
        sw t0, 4(t1)
        li t2, MEGA_B
        li t1, 0x1230
        add t1, t1, t2
        li t0, 0xb1
        sd t0, 0(t1)
        li t1, 0x1ff008
        add t1, t1, t2
        li t0, 0xb2
        sd t0, 0(t1)
        li t1, 0x5000
        add t1, t1, t2
        li t0, LI_A0(0xb)
        sw t0, 0(t1)
        li t0, RET
        sw t0, 4(t1)
        la t3, t_switch
        FRAME(t2, SWITCH_A)
        lw t0, 0(t3)
        sw t0, 0(t2)
        li t0, LI_A0(1)
        sw t0, 4(t2)
        li t0, RET
        sw t0, 8(t2)
        FRAME(t2, SWITCH_B)
        lw t0, 0(t3)
        sw t0, 0(t2)
        li t0, LI_A0(2)
        sw t0, 4(t2)
        li t0, RET
        sw t0, 8(t2)
        la t3, t_jal
        FRAME(t2, JUMPS)
        lw t0, 0(t3)
        sw t0, 0(t2)
        lw t0, 4(t3)
        sw t0, 4(t2)
        fence.i
        TO_S

/* Tests 1-3: TVA(0) is remapped to frame k mod 4 eight times; after the fence
   a load reads that frame and a store lands in it. `fencing` is the fence for
   iteration s1 with a1 = TVA(0). */
#define REMAP_LOOP(n, fencing...)                     \
        li TESTNUM, n;                                \
        FRAME(t2, 0); MAP(0, t2, RW);                 \
        sfence.vma;                                   \
        li a1, TVA(0);                                \
        ld a0, 0(a1); EXPECT(a0, MARK0(0));           \
        li s1, 0;                                     \
1:      andi s2, s1, 3;                               \
        la s3, frames; slli t0, s2, 12; add s3, s3, t0; \
        MAP(0, s3, RW);                               \
        fencing;                                      \
        ld a0, 0(a1);                                 \
        li t6, 0x10000; add t6, t6, s2; bne a0, t6, fail; \
        sd s1, 0x40(a1);                              \
        ld a0, 0x40(s3); bne a0, s1, fail;            \
        addi s1, s1, 1; li t0, 8; bne s1, t0, 1b

        /* 1: sfence.vma with the page's address, aligned or not */
        REMAP_LOOP(1, andi t0, s1, 1; slli t0, t0, 11; add a2, a1, t0; sfence.vma a2, zero)
        /* 2: sfence.vma for all addresses */
        REMAP_LOOP(2, sfence.vma zero, zero)
        /* 3: the same with the ASID in use (0) given in a register */
        REMAP_LOOP(3, li a3, 0; andi t0, s1, 1; bnez t0, 2f; sfence.vma a1, a3; j 3f; 2: sfence.vma zero, a3; 3:)

        /* 4: a megapage remapped and fenced at one 4 KiB piece it never used:
           the data and code pieces used before come from the new region */
        li TESTNUM, 4
        li t2, MEGA_A
        MAP_IN(mid, 1, t2, RWX)
        sfence.vma
        li a1, 0x40201230
        li a2, 0x403ff008
        li a4, 0x40205000
        ld a0, 0(a1)
        EXPECT(a0, 0xa1)
        ld a0, 0(a2)
        EXPECT(a0, 0xa2)
        jalr a4
        EXPECT(a0, 0xa)
        li s1, 1
1:      andi s2, s1, 1
        li t2, MEGA_A
        beqz s2, 2f
        li t2, MEGA_B
2:      mv s3, t2
        MAP_IN(mid, 1, s3, RWX)
        slli t0, s1, 12
        li a3, 0x40240000
        add a3, a3, t0
        sfence.vma a3, zero
        ld a0, 0(a1)
        li t6, 0xa1
        beqz s2, 3f
        li t6, 0xb1
3:      bne a0, t6, fail
        ld a0, 0(a2)
        addi t6, t6, 1
        bne a0, t6, fail
        jalr a4
        li t6, 0xa
        beqz s2, 3f
        li t6, 0xb
3:      bne a0, t6, fail
        /* a store through the megapage lands in the region mapped now */
        li a5, 0x40300008
        sd s1, 0(a5)
        li t0, 0x100008
        add t0, t0, s3
        ld a0, 0(t0)
        bne a0, s1, fail
        addi s1, s1, 1
        li t0, 7
        bne s1, t0, 1b

        /* 5: the megapage's entry becomes a pointer to a 4 KiB table and back
           (a non-leaf change: the fence has rs1 = x0) */
        li TESTNUM, 5
        FRAME(t2, 3)
        MAP_IN(leaf2, 1, t2, RW)
        la t2, leaf2
        MAP_IN(mid, 1, t2, PTE_V)
        sfence.vma
        li a1, 0x40201230
        ld a0, 0(a1)
        EXPECT(a0, MARK2(3))
        li a2, 0x403ff008
        ARM
1:      ld a0, 0(a2)
        TRAPPED_AT(13, a2, 1b)
        li t2, MEGA_A
        MAP_IN(mid, 1, t2, RWX)
        sfence.vma
        ld a0, 0(a1)
        EXPECT(a0, 0xa1)
        ld a0, 0(a2)
        EXPECT(a0, 0xa2)

        /* 6: a whole leaf table swapped under a non-leaf entry */
        li TESTNUM, 6
        FRAME(t2, 0)
        MAP(0, t2, RW)
        FRAME(t2, 13)
        MAP_IN(leafalt, 0, t2, RW)
        sfence.vma
        li a1, TVA(0)
        ld a0, 0(a1)
        EXPECT(a0, MARK0(0))
        la t2, leafalt
        MAP_IN(mid, 0, t2, PTE_V)
        sfence.vma
        ld a0, 0(a1)
        EXPECT(a0, MARK0(13))
        la t2, leaf
        MAP_IN(mid, 0, t2, PTE_V)
        sfence.vma
        ld a0, 0(a1)
        EXPECT(a0, MARK0(0))

        /* 7: a code page remapped between two frames: each call runs the frame
           mapped now (both were written and fence.i'd before) */
        li TESTNUM, 7
        li a4, TVA(1)
        li s1, 0
1:      andi s2, s1, 1
        FRAME(t2, CODE1)
        slli t0, s2, 12
        add t2, t2, t0
        MAP(1, t2, RX)
        sfence.vma a4, zero
        jalr a4
        addi t6, s2, 1
        bne a0, t6, fail
        addi s1, s1, 1
        li t0, 6
        bne s1, t0, 1b

        /* 8: code remaps its own page: the instruction after its sfence.vma is
           fetched from the new frame (remap_self: a1 = its PTE's address,
           a2 = the new PTE, a3 = its page). Not on QEMU 7.2: it finishes the
           translation block it translated from the old frame ("target/riscv:
           Exit current TB after an sfence.vma", qemu-devel, March 2022, was
           dropped again); a binary translator must end its block here. */
#ifndef QEMU_VALIDATION
        li TESTNUM, 8
        FRAME(t2, SELF1)
        MAP(2, t2, RX)
        sfence.vma
        li a4, TVA(2)
        mv a3, a4
        SLOT(leaf, 2)
        mv a1, t1
        li s1, 0
1:      andi s2, s1, 1                  /* 0: running in SELF1 */
        xori s3, s2, 1                  /* the frame it switches to */
        FRAME(t2, SELF1)
        slli t0, s3, 12
        add t2, t2, t0
        PTE(a2, t2, RX)
        jalr a4
        addi t6, s3, 1
        bne a0, t6, fail
        addi s1, s1, 1
        li t0, 6
        bne s1, t0, 1b
#endif

        /* 9: two roots map TVA(0) and TVA(1) to different frames; satp
           switches between them, each time with sfence.vma */
        li TESTNUM, 9
        la t1, root
        la t2, rootB
        ld t0, 0(t1)
        sd t0, 0(t2)
        ld t0, 16(t1)
        sd t0, 16(t2)
        la t2, midB
        PTE(t0, t2, PTE_V)
        la t1, rootB
        sd t0, 8(t1)
        la t2, leafB
        MAP_IN(midB, 0, t2, PTE_V)
        FRAME(t2, 5)
        MAP_IN(leafB, 0, t2, RW)
        FRAME(t2, CODE2)
        MAP_IN(leafB, 1, t2, RX)
        FRAME(t2, 4)
        MAP(0, t2, RW)
        FRAME(t2, CODE1)
        MAP(1, t2, RX)
        sfence.vma
        SATP_OF(s4, root)
        SATP_OF(s5, rootB)
        li a1, TVA(0)
        li a4, TVA(1)
        li s1, 0
1:      csrw satp, s4
        sfence.vma
        ld a0, 0(a1)
        EXPECT(a0, MARK0(4))
        jalr a4
        EXPECT(a0, 1)
        csrw satp, s5
        sfence.vma
        ld a0, 0(a1)
        EXPECT(a0, MARK0(5))
        jalr a4
        EXPECT(a0, 2)
        addi s1, s1, 1
        li t0, 4
        bne s1, t0, 1b
        csrw satp, s4
        sfence.vma

        /* 10: with an ASID per root, switching satp needs no fence, and a
           fence for one ASID covers changes to its tables made while another
           runs (skipped if fewer than two ASID bits stick: without ASIDs
           each switch would need a fence) */
        li TESTNUM, 10
        li t0, 0xffff
        slli t0, t0, 44
        or t2, s4, t0
        csrw satp, t2
        csrr t2, satp
        csrw satp, s4
        sfence.vma
        srli t2, t2, 44
        andi t2, t2, 3
        li t0, 3
        bne t2, t0, 4f
        li t0, 1
        slli t0, t0, 44
        or s6, s4, t0
        li t0, 2
        slli t0, t0, 44
        or s7, s5, t0
        csrw satp, s6
        sfence.vma
        li s1, 0
1:      csrw satp, s6
        ld a0, 0(a1)
        EXPECT(a0, MARK0(4))
        jalr a4
        EXPECT(a0, 1)
        csrw satp, s7
        ld a0, 0(a1)
        EXPECT(a0, MARK0(5))
        jalr a4
        EXPECT(a0, 2)
        addi s1, s1, 1
        li t0, 4
        bne s1, t0, 1b
        /* B's tables changed while A runs, fenced for B's ASID only (all
           addresses, then one address): switching to B sees the change */
        csrw satp, s6
        FRAME(t2, 14)
        MAP_IN(leafB, 0, t2, RW)
        li t3, 2
        sfence.vma zero, t3
        ld a0, 0(a1)
        EXPECT(a0, MARK0(4))
        csrw satp, s7
        ld a0, 0(a1)
        EXPECT(a0, MARK0(14))
        csrw satp, s6
        FRAME(t2, 5)
        MAP_IN(leafB, 0, t2, RW)
        sfence.vma a1, t3
        csrw satp, s7
        ld a0, 0(a1)
        EXPECT(a0, MARK0(5))
        /* code at TVA(50) switches satp itself: the next instruction comes
           from the frame the new address space maps there (SWITCH_A in A,
           SWITCH_B in B: `csrw satp, a2; li a0, 1 or 2; ret`) */
        FRAME(t2, SWITCH_A)
        MAP(50, t2, RX)
        FRAME(t2, SWITCH_B)
        MAP_IN(leafB, 50, t2, RX)
        sfence.vma
        li a4, TVA(50)
        li s1, 0
1:      csrw satp, s6
        mv a2, s7
        jalr a4
        EXPECT(a0, 2)
        csrr t0, satp
        bne t0, s7, fail
        mv a2, s6
        jalr a4
        EXPECT(a0, 1)
        addi s1, s1, 1
        li t0, 3
        bne s1, t0, 1b
        csrw satp, s4
        sfence.vma
4:

        /* 11: SUM toggled repeatedly: S-mode loads and stores to a U page
           fault exactly while SUM is clear (precisely: the instruction before
           the fault took effect, a load into its own base register left it
           alone); SUM never allows execution */
        li TESTNUM, 11
        FRAME(t2, 6)
        MAP(3, t2, RW | PTE_U)
        sfence.vma
        li a1, TVA(3)
        addi a2, a1, 8
        li s2, SSTATUS_SUM
        li s1, 0
        li s5, 0
1:      csrc sstatus, s2
        addi s5, s5, 1                  /* done before the fault, kept after it */
        ARM
2:      ld a0, 0(a1)
        TRAPPED_AT(13, a1, 2b)
        mv a3, a1
        ARM
4:      ld a3, 0(a3)
        TRAPPED_AT(13, a1, 4b)
        bne a3, a1, fail                /* rd = rs1: left alone */
        ARM
3:      sd s1, 8(a1)
        TRAPPED_AT(15, a2, 3b)
        csrs sstatus, s2
        ARM
        ld a0, 0(a1)
        NO_TRAP
        EXPECT(a0, MARK0(6))
        ARM
        sd s1, 8(a1)
        NO_TRAP
        ld a0, 8(a1)
        bne a0, s1, fail
        addi s1, s1, 1
        li t0, 8
        bne s1, t0, 1b
        EXPECT(s5, 8)
        FRAME(t2, CODE1)
        MAP(20, t2, RX | PTE_U)
        li a4, TVA(20)
        sfence.vma a4, zero
        ARM
        jalr a4
        TRAPPED_AT_REG(12, a4, a4)
        csrc sstatus, s2

        /* 12: MXR and SUM in all four combinations, twice: an execute-only
           S page is readable exactly with MXR, an execute-only U page exactly
           with MXR and SUM; MXR never allows a store */
        li TESTNUM, 12
        FRAME(t2, 7)
        MAP(4, t2, XO)
        FRAME(t2, 8)
        MAP(5, t2, XO | PTE_U)
        sfence.vma
        li a1, TVA(4)
        li a2, TVA(5)
        li s2, SSTATUS_MXR
        li s3, SSTATUS_SUM
        li s1, 0
1:      csrc sstatus, s2
        csrc sstatus, s3
        andi t0, s1, 1
        beqz t0, 2f
        csrs sstatus, s2
2:      andi t0, s1, 2
        beqz t0, 2f
        csrs sstatus, s3
2:      ARM
3:      ld a0, 0(a1)
        andi t0, s1, 1
        bnez t0, 4f
        TRAPPED_AT(13, a1, 3b)
        j 5f
4:      NO_TRAP
        EXPECT(a0, MARK0(7))
        ARM
6:      sd a0, 0(a1)
        TRAPPED_AT(15, a1, 6b)
5:      ARM
3:      ld a0, 0(a2)
        andi t0, s1, 3
        li t6, 3
        beq t0, t6, 4f
        TRAPPED_AT(13, a2, 3b)
        j 5f
4:      NO_TRAP
        EXPECT(a0, MARK0(8))
5:      addi s1, s1, 1
        li t0, 8
        bne s1, t0, 1b
        csrc sstatus, s2
        csrc sstatus, s3

        /* 13: stores of every width and an AMO to a read-only page fault with
           cause 15 and the address, and leave memory and rd alone; a page made
           read-only after a store (and fenced) faults again, and back */
        li TESTNUM, 13
        FRAME(s3, 9)
        MAP(6, s3, RO)
        sfence.vma
        li a1, TVA(6)
        addi a2, a1, 0x18
        li a3, 0x5a5a5a5a5a5a5a5a
        ARM
1:      sd a3, 0x18(a1)
        TRAPPED_AT(15, a2, 1b)
        ARM
1:      sw a3, 0x18(a1)
        TRAPPED_AT(15, a2, 1b)
        ARM
1:      sh a3, 0x18(a1)
        TRAPPED_AT(15, a2, 1b)
        ARM
1:      sb a3, 0x18(a1)
        TRAPPED_AT(15, a2, 1b)
        li a0, 77
        ARM
1:      amoadd.d a0, a3, (a2)
        TRAPPED_AT(15, a2, 1b)
        EXPECT(a0, 77)
        ld a0, 0x18(a1)
        EXPECT(a0, MARK1(9))
        ld a0, 0x18(s3)
        EXPECT(a0, MARK1(9))
        addi a2, a1, 0x20
        li s1, 0
1:      MAP(6, s3, RW)
        sfence.vma a1, zero
        ARM
        sd s1, 0x20(a1)
        NO_TRAP
        MAP(6, s3, RO)
        sfence.vma a1, zero
        ARM
2:      sd a3, 0x20(a1)
        TRAPPED_AT(15, a2, 2b)
        ld a0, 0x20(s3)
        bne a0, s1, fail
        addi s1, s1, 1
        li t0, 4
        bne s1, t0, 1b

        /* 14: A and D. Isola (like QEMU) sets them in the walk, which the spec
           allows (Svadu); an implementation may instead fault (Svade), which is
           accepted with the PTE left alone. A load sets A and never D; a store
           sets D. After software clears them and fences, the next accesses set
           them again, and a store after a load that cached D = 0 still sets D. */
        li TESTNUM, 14
        FRAME(s3, 10)
        MAP(7, s3, PTE_V | PTE_R | PTE_W)
        sfence.vma
        SLOT(leaf, 7)
        mv s2, t1
        li a1, TVA(7)
        ARM
1:      ld a0, 0(a1)
        ld t2, 0(s2)
        beqz s9, 2f
        TRAPPED_AT(13, a1, 1b)
        andi t0, t2, PTE_A | PTE_D
        bnez t0, fail
        j 9f
2:      EXPECT(a0, MARK0(10))
        andi t0, t2, PTE_A
        beqz t0, fail
        andi t0, t2, PTE_D
        bnez t0, fail
        addi a2, a1, 8
        ARM
1:      sd a1, 8(a1)
        ld t2, 0(s2)
        beqz s9, 2f
        TRAPPED_AT(15, a2, 1b)
        j 9f
2:      andi t0, t2, PTE_D
        beqz t0, fail
        li s1, 0
1:      li t0, ~(PTE_A | PTE_D)
        and t2, t2, t0
        sd t2, 0(s2)
        sfence.vma a1, zero
        ARM
        ld a0, 0(a1)
        NO_TRAP
        ld t2, 0(s2)
        andi t0, t2, PTE_A
        beqz t0, fail
        andi t0, t2, PTE_D
        bnez t0, fail
        ARM
        sd s1, 8(a1)
        NO_TRAP
        ld t2, 0(s2)
        andi t0, t2, PTE_D
        beqz t0, fail
        /* D cleared alone; a load caches the translation, then a store */
        li t0, ~PTE_D
        and t2, t2, t0
        sd t2, 0(s2)
        sfence.vma a1, zero
        ARM
        ld a0, 8(a1)
        NO_TRAP
        bne a0, s1, fail
        ld t2, 0(s2)
        andi t0, t2, PTE_D
        bnez t0, fail
        ARM
        sd a1, 16(a1)
        NO_TRAP
        ld t2, 0(s2)
        andi t0, t2, PTE_D
        beqz t0, fail
        addi s1, s1, 1
        li t0, 4
        bne s1, t0, 1b
9:

        /* 15: pages 256 apart (which share a slot in a 256-entry direct-mapped
           TLB) used alternately for loads, stores and calls */
        li TESTNUM, 15
        FRAME(t2, 11)
        MAP(16, t2, RW)
        FRAME(t2, 12)
        MAP(272, t2, RW)
        FRAME(t2, CODE1)
        MAP(17, t2, RX)
        FRAME(t2, CODE2)
        MAP(273, t2, RX)
        sfence.vma
        li a1, TVA(16)
        li a2, TVA(272)
        li a4, TVA(17)
        li a5, TVA(273)
        li s1, 0
1:      ld a0, 0(a1)
        EXPECT(a0, MARK0(11))
        ld a0, 0(a2)
        EXPECT(a0, MARK0(12))
        sd s1, 0x48(a1)
        addi t2, s1, 100
        sd t2, 0x48(a2)
        ld a0, 0x48(a1)
        bne a0, s1, fail
        ld a0, 0x48(a2)
        bne a0, t2, fail
        jalr a4
        EXPECT(a0, 1)
        jalr a5
        EXPECT(a0, 2)
        addi s1, s1, 1
        li t0, 16
        bne s1, t0, 1b

        /* 16: direct jumps into a page that is remapped between two code
           frames: a jal and a taken beq at TVA(30) that reach TVA(31) */
        li TESTNUM, 16
        FRAME(t2, JUMPS)
        MAP(30, t2, RX)
        sfence.vma
        li a4, TVA(30)
        li a5, TVA(30) + 4
        li s1, 0
1:      andi s2, s1, 1
        FRAME(t2, CODE1)
        slli t0, s2, 12
        add t2, t2, t0
        MAP(31, t2, RX)
        li t0, TVA(31)
        sfence.vma t0, zero
        jalr a4
        addi t6, s2, 1
        bne a0, t6, fail
        jalr a5
        addi t6, s2, 1
        bne a0, t6, fail
        addi s1, s1, 1
        li t0, 6
        bne s1, t0, 1b

        /* 17: execute permission taken away and given back (the frame's
           code unchanged): without X, not valid, or U, a call faults */
        li TESTNUM, 17
        li a4, TVA(40)
        li s1, 0
1:      FRAME(t2, CODE1)
        MAP(40, t2, RX)
        sfence.vma a4, zero
        ARM
        jalr a4
        NO_TRAP
        EXPECT(a0, 1)
        FRAME(t2, CODE1)
        MAP(40, t2, RW)
        sfence.vma a4, zero
        ARM
        jalr a4
        TRAPPED_AT_REG(12, a4, a4)
        FRAME(t2, CODE1)
        MAP(40, t2, RX | PTE_U)
        sfence.vma a4, zero
        ARM
        jalr a4
        TRAPPED_AT_REG(12, a4, a4)
        UNMAP(40)
        sfence.vma a4, zero
        ARM
        jalr a4
        TRAPPED_AT_REG(12, a4, a4)
        addi s1, s1, 1
        li t0, 3
        bne s1, t0, 1b

        /* 18: fetch permission per privilege: TVA(41) (U) runs in U-mode
           only, TVA(42) (not U) in S-mode only, each tried from both modes in
           turn. U-mode runs the program through a U alias at 0xc0000000 and
           reports back in s3-s6 (its ecall continues in M at s7). */
        li TESTNUM, 18
        la t1, root
        li t2, 0x80000000
        PTE(t0, t2, RX | PTE_U)
        sd t0, 24(t1)
        FRAME(t2, CODE1)
        MAP(41, t2, RX | PTE_U)
        FRAME(t2, CODE2)
        MAP(42, t2, RX)
        sfence.vma
        li a4, TVA(41)
        li a5, TVA(42)
        li s1, 0
1:      ARM
        jalr a5
        NO_TRAP
        EXPECT(a0, 2)
        ARM
        jalr a4
        TRAPPED_AT_REG(12, a4, a4)
        TO_M
        la s7, 2f
        li t0, 0x1800                   /* MPP = U */
        csrc mstatus, t0
        la t0, u_fetches
        li t1, 0x40000000
        add t0, t0, t1
        csrw mepc, t0
        mret
2:      EXPECT(s4, 1)
        EXPECT(s5, 12)
        bne s6, a5, fail
        bne s3, a5, fail
        TO_S
        addi s1, s1, 1
        li t0, 3
        bne s1, t0, 1b

        /* 19: M-mode with MPRV: loads are translated for MPP, and changing MPP
           or SUM changes which accesses fault. A fault traps into M (MPP = M)
           and the handler's mret leaves MPP = U (the least-privileged mode),
           after which loads are translated for U. */
        li TESTNUM, 19
        FRAME(t2, 4)
        MAP(0, t2, RW)
        FRAME(t2, 6)
        MAP(3, t2, RW | PTE_U)
        sfence.vma
        TO_M
#undef FAIL
#define FAIL mprv_fail
        li a1, TVA(0)
        li a2, TVA(3)
        li s2, 0x1800
        li s3, SSTATUS_SUM
        li t0, MSTATUS_MPRV
        csrs mstatus, t0
        li s1, 0
1:      csrc mstatus, s2                /* MPP = S */
        li t0, MPP_S
        csrs mstatus, t0
        ARM
        ld a0, 0(a1)
        NO_TRAP
        EXPECT(a0, MARK0(4))
        csrc mstatus, s2                /* MPP = U */
        ARM
2:      ld a0, 0(a1)
        TRAPPED_AT(13, a1, 2b)
        csrr t0, mstatus                /* the handler's mret left MPP = U */
        and t0, t0, s2
        bnez t0, FAIL
        ARM
        ld a0, 0(a2)
        NO_TRAP
        EXPECT(a0, MARK0(6))
        li t0, MPP_S                    /* MPP = S, SUM = 0 */
        csrs mstatus, t0
        ARM
2:      ld a0, 0(a2)
        TRAPPED_AT(13, a2, 2b)
        csrc mstatus, s2                /* MPP = S, SUM = 1 */
        li t0, MPP_S
        csrs mstatus, t0
        csrs mstatus, s3
        ARM
        ld a0, 0(a2)
        NO_TRAP
        EXPECT(a0, MARK0(6))
        csrc mstatus, s3
        addi s1, s1, 1
        li t0, 3
        bne s1, t0, 1b
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
#undef FAIL
#define FAIL fail
        j pass
mprv_fail:
        li t0, MSTATUS_MPRV
        csrc mstatus, t0
        j fail

        /* test 18's U-mode part, run at the U alias */
u_fetches:
        li a0, 0
        jalr a4
        mv s4, a0
        ARM
        jalr a5
        mv s5, s9
        mv s6, s10
        mv s3, s11
        ecall
        /* not run: copied to SWITCH_A and SWITCH_B, and to JUMPS (jumps
           from TVA(30) to TVA(31)) */
t_switch: csrw satp, a2
t_jal:  jal zero, t_jal + 4096
t_beq:  beq zero, zero, t_beq + 4092
        /* not run: copied to the front of SELF1 and SELF2 */
remap_self:
        sd a2, 0(a1)
        sfence.vma a3, zero
RVTEST_END
        VM_TABLES
leaf2:  .skip 4096
leafalt: .skip 4096
rootB:  .skip 4096
midB:   .skip 4096
leafB:  .skip 4096
frames: .skip NFRAMES * 4096

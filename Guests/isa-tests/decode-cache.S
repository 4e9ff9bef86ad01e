/* Caching of decoded or translated code: whatever an engine keeps, code
 * rewritten and followed by fence.i runs as rewritten, code on many physical
 * pages runs as written on each, and code reached through several virtual
 * addresses of one physical page sees its own pc and every store through any
 * alias. Every change of code is followed by fence.i (Zifencei), so each check
 * holds on any implementation.
 *
 * Tests 1-10 run in M-mode on physical addresses; CODE_BASE holds NPAGES pages
 * with one routine each, `li a0, V; ret`, at an offset that differs between
 * neighbours and repeats every 512 pages (so pages 512 apart, which share a
 * slot of a 512-slot direct-mapped cache keyed by physical page, also share
 * their offset). Test 11 uses Sv39 from S-mode (common/vm.h). */
#include "common/vm.h"

#define CODE_BASE 0x80800000
#define NPAGES 1024
#define RET 0x00008067
/* dst = the routine of page idx_reg: CODE_BASE + idx * 4096 + (idx mod 512) * 8 (uses t1 t2) */
#define ROUTINE(dst, idx_reg)                         \
        slli t1, idx_reg, 12; andi t2, idx_reg, 511; slli t2, t2, 3; \
        add t1, t1, t2; li t2, CODE_BASE; add dst, t1, t2
/* t1 = `addi a0, zero, imm_reg` (low 12 bits of imm_reg) */
#define LI_A0_OF(imm_reg) slli t1, imm_reg, 20; ori t1, t1, 0x513
/* writes `li a0, value_reg; ret` at addr_reg (uses t1) */
#define WRITE_ROUTINE(addr_reg, value_reg)            \
        LI_A0_OF(value_reg); sw t1, 0(addr_reg); li t1, RET; sw t1, 4(addr_reg)

RVTEST_BEGIN
        /* 1: a routine on each of 1024 pages (twice the slots above), each
           called twice in order */
        li TESTNUM, 1
        li s2, NPAGES
        li s1, 0
1:      ROUTINE(s3, s1)
        addi s4, s1, 1
        WRITE_ROUTINE(s3, s4)
        addi s1, s1, 1
        bne s1, s2, 1b
        fence.i
        li s4, 0
2:      li s1, 0
3:      ROUTINE(s3, s1)
        jalr s3
        addi t6, s1, 1
        bne a0, t6, fail
        addi s1, s1, 1
        bne s1, s2, 3b
        addi s4, s4, 1
        li t0, 2
        bne s4, t0, 2b

        /* 2: pages 512 apart called alternately */
        li TESTNUM, 2
        li s1, 0
1:      ROUTINE(s3, s1)
        addi t0, s1, 512
        ROUTINE(s4, t0)
        li s5, 0
2:      jalr s3
        addi t6, s1, 1
        bne a0, t6, fail
        jalr s4
        addi t6, s1, 513
        bne a0, t6, fail
        addi s5, s5, 1
        li t0, 2
        bne s5, t0, 2b
        addi s1, s1, 1
        li t0, 512
        bne s1, t0, 1b

        /* 3: every routine rewritten to li a0, -(i + 1), then the even ones
           back to i + 1; after each fence.i all 1024 run as rewritten, whether
           an engine still held them or had dropped them */
        li TESTNUM, 3
        li s1, 0
1:      ROUTINE(s3, s1)
        not s4, s1                      /* -(i + 1) */
        WRITE_ROUTINE(s3, s4)
        addi s1, s1, 1
        bne s1, s2, 1b
        fence.i
        li s1, 0
1:      ROUTINE(s3, s1)
        jalr s3
        not t6, s1
        bne a0, t6, fail
        addi s1, s1, 1
        bne s1, s2, 1b
        li s1, 0
1:      ROUTINE(s3, s1)
        addi s4, s1, 1
        WRITE_ROUTINE(s3, s4)
        addi s1, s1, 2
        bne s1, s2, 1b
        fence.i
        mv s1, s2
1:      addi s1, s1, -1
        ROUTINE(s3, s1)
        jalr s3
        andi t0, s1, 1
        addi t6, s1, 1
        beqz t0, 2f
        not t6, s1
2:      bne a0, t6, fail
        bnez s1, 1b

        /* 4: a caller on page j calls the routine on page j + 512 and goes on
           after the call on its own page (caller_template at offset 0x800);
           then the callers' `addi a0, a0, 100` becomes 200 */
        li TESTNUM, 4
        la s6, caller_template
        li s1, 0
1:      ROUTINE(s3, s1)
        srli s3, s3, 12
        slli s3, s3, 12
        addi s3, s3, 0x7ff
        addi s3, s3, 1                  /* page j + 0x800 */
        li t0, 0
2:      add t1, s6, t0
        lw t1, 0(t1)
        add t2, s3, t0
        sw t1, 0(t2)
        addi t0, t0, 4
        li t1, 20
        bne t0, t1, 2b
        addi s1, s1, 1
        li t0, 16
        bne s1, t0, 1b
        fence.i
        li s7, 100                      /* what the callers add */
5:      li s4, 0                        /* three rounds */
3:      li s1, 0
1:      ROUTINE(s3, s1)
        srli s3, s3, 12
        slli s3, s3, 12
        addi s3, s3, 0x7ff
        addi s3, s3, 1
        addi t0, s1, 512
        ROUTINE(s5, t0)
        jalr s3
        andi t0, s1, 1                  /* the callee's value: as test 3 left it */
        addi t6, s1, 513
        beqz t0, 2f
        neg t6, t6
2:      add t6, t6, s7
        bne a0, t6, fail
        addi s1, s1, 1
        li t0, 16
        bne s1, t0, 1b
        addi s4, s4, 1
        li t0, 3
        bne s4, t0, 3b
        li t0, 200
        beq s7, t0, 6f
        /* patch `addi a0, a0, 100` (the third word) in every caller */
        li s7, 200
        li t3, 0x0c850513               /* addi a0, a0, 200 */
        li s1, 0
1:      ROUTINE(s3, s1)
        srli s3, s3, 12
        slli s3, s3, 12
        li t0, 0x808
        add s3, s3, t0
        sw t3, 0(s3)
        addi s1, s1, 1
        li t0, 16
        bne s1, t0, 1b
        fence.i
        j 5b
6:

        /* 5: a loop rewrites the instruction its next iteration starts with;
           it adds 0 + 1 + ... + 9 */
        li TESTNUM, 5
        la t0, 2f
        li t1, 0x00000513               /* addi a0, zero, 0 */
        sw t1, 0(t0)
        fence.i
        li s1, 0
        li s2, 10
        li s3, 0
2:      addi a0, zero, 0x7ff            /* rewritten */
        add s3, s3, a0
        addi s1, s1, 1
        LI_A0_OF(s1)
        la t0, 2b
        sw t1, 0(t0)
        fence.i
        blt s1, s2, 2b
        EXPECT(s3, 45)

        /* 6: the instruction right after fence.i was just rewritten: first a
           different immediate each time, then a nop and a jump over the next
           instruction in turn */
        li TESTNUM, 6
        li s1, 0
1:      LI_A0_OF(s1)
        la t0, 2f
        sw t1, 0(t0)
        fence.i
2:      addi a0, zero, 0x7ff            /* rewritten */
        bne a0, s1, fail
        addi s1, s1, 1
        li t0, 8
        bne s1, t0, 1b
        li s1, 0
        li s3, 0
1:      andi t0, s1, 1
        li t1, 0x00000013               /* nop */
        beqz t0, 2f
        li t1, 0x0080006f               /* jal zero, .+8 */
2:      la t0, 3f
        sw t1, 0(t0)
        fence.i
3:      nop                             /* rewritten */
        addi s3, s3, 1
        addi s1, s1, 1
        li t0, 8
        bne s1, t0, 1b
        EXPECT(s3, 4)

        /* 7: eight bytes of code rewritten between four compressed
           instructions, two 4-byte ones, and a 4-byte one between two
           compressed ones (so instruction boundaries move by two bytes) */
        li TESTNUM, 7
#define FLEX(template, expected)                      \
        la t0, template; la t2, flex;                 \
        lw t1, 0(t0); sw t1, 0(t2); lw t1, 4(t0); sw t1, 4(t2); \
        fence.i;                                      \
        li a0, 0; call flex; EXPECT(a0, expected)
        FLEX(flex_rvc, 11)
        FLEX(flex_wide, 101)
        FLEX(flex_mixed, 23)
        FLEX(flex_rvc, 11)
        FLEX(flex_mixed, 23)
        FLEX(flex_wide, 101)
        FLEX(flex_mixed, 23)
        FLEX(flex_rvc, 11)

        /* 8: stores right around a routine, on its page, land and leave it
           working: a doubleword after its `ret`, a halfword before it */
        li TESTNUM, 8
        li t0, 1000
        ROUTINE(s3, t0)
        li s1, 0
1:      sd s1, 8(s3)
        sh s1, -2(s3)
        jalr s3
        EXPECT(a0, 1001)
        ld a0, 8(s3)
        bne a0, s1, fail
        lh a0, -2(s3)
        bne a0, s1, fail
        addi s1, s1, 1
        li t0, 32
        bne s1, t0, 1b

        /* 9: one byte sequence, two instruction streams: `lui a1, 0x45150`
           whose upper half is `c.li a0, 5`; called at its start it sets a1,
           called at its second half it sets a0 (both then reach the `ret`) */
        li TESTNUM, 9
        la s3, overlap
        li s1, 0
1:      li a0, 0
        li a1, 0
        jalr s3
        EXPECT(a0, 0)
        EXPECT(a1, 0x45150000)
        li a0, 0
        li a1, 0
        jalr 2(s3)
        EXPECT(a0, 5)
        EXPECT(a1, 0)
        addi s1, s1, 1
        li t0, 4
        bne s1, t0, 1b

        /* 10: a routine rewritten by every kind of store, each time followed
           by fence.i: sw, two sh, four sb, fsw, amoswap.w, amoadd.w, lr.w/sc.w,
           an sd over both its instructions, a misaligned sw over the two, fsd */
        li TESTNUM, 10
        la s3, patch_me
#define PATCHED(value) fence.i; jalr s3; EXPECT(a0, value)
        li s1, 1
        LI_A0_OF(s1)
        sw t1, 0(s3)
        PATCHED(1)
        li s1, 2
        LI_A0_OF(s1)
        sh t1, 0(s3)
        srli t1, t1, 16
        sh t1, 2(s3)
        PATCHED(2)
        li s1, 3
        LI_A0_OF(s1)
        sb t1, 0(s3)
        srli t1, t1, 8
        sb t1, 1(s3)
        srli t1, t1, 8
        sb t1, 2(s3)
        srli t1, t1, 8
        sb t1, 3(s3)
        PATCHED(3)
        li s1, 4
        LI_A0_OF(s1)
        fmv.w.x f1, t1
        fsw f1, 0(s3)
        PATCHED(4)
        li s1, 5
        LI_A0_OF(s1)
        amoswap.w a2, t1, (s3)
        PATCHED(5)
        li s1, 4                        /* amoswap returned the old instruction */
        LI_A0_OF(s1)
        sext.w t1, t1
        bne a2, t1, fail
        li t1, 1 << 20                  /* immediate + 1 */
        amoadd.w zero, t1, (s3)
        PATCHED(6)
        li s1, 7
        LI_A0_OF(s1)
        lr.w a2, (s3)
        sc.w a2, t1, (s3)
        bnez a2, 1f                     /* sc.w may fail spuriously: then a plain sw */
        PATCHED(7)
        j 2f
1:      sw t1, 0(s3)
        PATCHED(7)
2:      li s1, 8
        LI_A0_OF(s1)
        li t2, RET
        slli t2, t2, 32
        slli t1, t1, 32
        srli t1, t1, 32
        or t2, t2, t1
        sd t2, 0(s3)
        PATCHED(8)
        li s1, 9                        /* bytes 2-5: the upper half of li a0, 9 and the lower half of ret */
        LI_A0_OF(s1)
        srli t1, t1, 16
        li t2, RET & 0xffff
        slli t2, t2, 16
        or t1, t1, t2
        sw t1, 2(s3)
        PATCHED(9)
        li s1, 10
        LI_A0_OF(s1)
        li t2, RET
        slli t2, t2, 32
        slli t1, t1, 32
        srli t1, t1, 32
        or t2, t2, t1
        fmv.d.x f1, t2
        fsd f1, 0(s3)
        PATCHED(10)

        /* 11: one physical page of code at four virtual addresses (TVA(0),
           TVA(1) and TVA(256) executable and writable, TVA(2) writable only)
           and at its physical address in M-mode. `auipc` sees the address it
           ran at; a routine written through any alias and fenced runs as
           written through every other. */
        li TESTNUM, 11
        VM_SETUP
        la s2, alias_frame
        MAP(0, s2, RWX)
        MAP(1, s2, RWX)
        MAP(256, s2, RWX)
        MAP(2, s2, RW)
        li t0, 0x00000517               /* auipc a0, 0 */
        sw t0, 0x100(s2)
        li t0, RET
        sw t0, 0x104(s2)
        fence.i
        TO_S
        sfence.vma
        li s3, TVA(0) + 0x100
        jalr s3
        bne a0, s3, fail
        li s3, TVA(1) + 0x100
        jalr s3
        bne a0, s3, fail
        li s3, TVA(256) + 0x100
        jalr s3
        bne a0, s3, fail
        TO_M
        addi s3, s2, 0x100
        jalr s3
        bne a0, s3, fail
        TO_S
        li s1, 0
1:      andi t0, s1, 3                  /* the alias written through: TVA(0), TVA(1), TVA(2), TVA(256) */
        li s4, TVA(0) + 0x200
        slli t0, t0, 12
        add s4, s4, t0
        andi t0, s1, 3
        li t1, 3
        bne t0, t1, 2f
        li s4, TVA(256) + 0x200
2:      addi s5, s1, 1
        WRITE_ROUTINE(s4, s5)
        fence.i
        li s3, TVA(0) + 0x200
        jalr s3
        bne a0, s5, fail
        li s3, TVA(1) + 0x200
        jalr s3
        bne a0, s5, fail
        li s3, TVA(256) + 0x200
        jalr s3
        bne a0, s5, fail
        TO_M
        addi s3, s2, 0x200
        jalr s3
        bne a0, s5, fail
        TO_S
        addi s1, s1, 1
        li t0, 8
        bne s1, t0, 1b
        /* the auipc routine, run again through each alias after all that */
        li s3, TVA(1) + 0x100
        jalr s3
        bne a0, s3, fail
        li s3, TVA(0) + 0x100
        jalr s3
        bne a0, s3, fail
        j pass

        /* not run: copied to the callers of test 4 (s5 = the callee) */
caller_template:
        mv t5, ra
        jalr s5
        addi a0, a0, 100
        mv ra, t5
        ret
        /* test 9's overlapping instructions, test 10's routine */
        .align 2
overlap: .word 0x451505b7               /* lui a1, 0x45150; c.li a0, 5 at +2 */
        ret
        .align 3
patch_me:
        addi a0, zero, 0
        ret
        /* test 7's code and the eight-byte variants copied into it */
        .align 2
flex:   nop
        nop
        ret
flex_rvc:                               /* 5 + 1 + 2 + 3 */
        .option push
        .option rvc
        c.li a0, 5
        c.addi a0, 1
        c.addi a0, 2
        c.addi a0, 3
        .option pop
flex_wide:                              /* 100 + 1 */
        addi a0, zero, 100
        addi a0, a0, 1
flex_mixed:                             /* 7 + 16 */
        .option push
        .option rvc
        c.li a0, 7
        .option norvc
        addi a0, a0, 16
        .option rvc
        c.nop
        .option pop
RVTEST_END
        VM_TABLES
alias_frame: .skip 4096

/* Instructions and data accesses that cross a page end, under Sv39 from
 * S-mode (common/vm.h) unless noted.
 *
 * Code: a 4-byte instruction at TVA(0) + 0xffe takes its second half from
 * whatever frame TVA(1) maps now; the code frames CF(k) are 2 MiB apart, so
 * the two halves never come from neighbouring frames (and share a slot of a
 * 512-slot cache keyed by physical page). Privileged spec 3.1.16: a fetch
 * fault on such an instruction has xepc = its address and xtval = the address
 * of the portion that faulted, here TVA(1).
 *
 * Data: TVA(8) and TVA(9) map D0 and D1, where D1 lies physically before D0
 * and the frame after D0 is a decoy, so a crossing access must translate
 * each page. A misaligned access that faults in its second page may report
 * either its own address or the second page's (both are "the portion that
 * faulted" for some split); one that faults in its first page reports its
 * own address. */
#include "common/vm.h"

#define CF(k) (0x81000000 + (k) * 0x200000)
#define FRAME(dst, i) la dst, dframes; li t0, (i) * 4096; add dst, dst, t0
#define D1 0                            /* frames of dframes */
#define D0 2
#define DECOY 3
#define D2 4
#define D3 5
#define D4 6
#define D5 7
#define D6 8
/* half `half` (0: low, 1: high) of the instruction at `template`, stored at dst_reg + off (uses t0 t1) */
#define PUT_HALF(dst_reg, off, template, half)        \
        la t0, template; lhu t1, (half) * 2(t0);      \
        li t0, off; add t0, t0, dst_reg; sh t1, 0(t0)
#define PUT_INSN(dst_reg, off, template)              \
        PUT_HALF(dst_reg, off, template, 0); PUT_HALF(dst_reg, (off) + 2, template, 1)
/* the last doubleword of the frame at base_reg (uses t0) */
#define SD_END(src, base_reg) li t0, 0xff8; add t0, t0, base_reg; sd src, 0(t0)
#define LD_END(dst, base_reg) li t0, 0xff8; add t0, t0, base_reg; ld dst, 0(t0)
/* the fault was reported at the access's address or at the start of its second page */
#define TVAL_SPLIT(va_reg)                            \
        beq s10, va_reg, 91f; srli t6, va_reg, 12; addi t6, t6, 1; slli t6, t6, 12; \
        bne s10, t6, FAIL; 91:

RVTEST_BEGIN
        VM_SETUP
        /* code frames: the second halves, each followed by `ret` */
        li s1, CF(0)
        PUT_HALF(s1, 0xffe, t_addi77, 0)
        li t0, 0xf00                    /* the target of t_jal */
        add s2, s1, t0
        PUT_INSN(s2, 0, t_addi33)
        PUT_INSN(s2, 4, t_ret)
        li s1, CF(1)
        PUT_HALF(s1, 0, t_addi77, 1)
        PUT_INSN(s1, 2, t_ret)
        li s1, CF(2)
        PUT_HALF(s1, 0, t_addi55, 1)
        PUT_INSN(s1, 2, t_ret)
        li s1, CF(3)
        PUT_HALF(s1, 0, t_ld, 1)
        PUT_INSN(s1, 2, t_ret)
        li s1, CF(6)
        PUT_HALF(s1, 0, t_auipc, 1)
        PUT_INSN(s1, 2, t_ret)
        li s1, CF(7)
        PUT_HALF(s1, 0, t_jal, 1)
        /* compressed instructions at a page end: CF(4) ends in two, CF(5) and
           the page after CF(8) go on with `addi a0, a0, 2; ret`, CF(9) with
           `addi a0, a0, 0x20; ret` */
        li s1, CF(4)
        PUT_HALF(s1, 0xffc, t_c_addi4, 0)
        PUT_HALF(s1, 0xffe, t_c_addi1, 0)
        li s1, CF(5)
        PUT_INSN(s1, 0, t_addi2)
        PUT_INSN(s1, 4, t_ret)
        li s1, CF(9)
        PUT_INSN(s1, 0, t_addi20)
        PUT_INSN(s1, 4, t_ret)
        li s1, CF(8)
        PUT_HALF(s1, 0xffe, t_c_addi1, 0)
        PUT_INSN(s1, 0x1000, t_addi2)
        PUT_INSN(s1, 0x1004, t_ret)
        fence.i
        /* data frames */
        FRAME(s1, DECOY)
        li t2, 0x5555555555555555
        li t3, 512
1:      sd t2, 0(s1)
        addi s1, s1, 8
        addi t3, t3, -1
        bnez t3, 1b
        FRAME(s1, D0)
        li t2, 0x2726252423222120
        sd t2, 0(s1)
        li t2, 0x0706050403020100
        SD_END(t2, s1)
        FRAME(s1, D1)
        li t2, 0x8f8e8d8c8b8a8988
        sd t2, 0(s1)
        li t2, 0x1716151413121110
        SD_END(t2, s1)
        FRAME(s1, D2)
        li t2, 0x3736353433323130
        SD_END(t2, s1)
        FRAME(s1, D3)
        li t2, 0x4746454443424140
        sd t2, 0(s1)
        li t2, 0x5756555453525150
        SD_END(t2, s1)
        FRAME(s1, D4)
        li t2, 0x6766656463626160
        sd t2, 0(s1)
        /* mappings */
        li t2, CF(0)
        MAP(0, t2, RX)
        li t2, CF(4)
        MAP(4, t2, RX)
        li t2, CF(5)
        MAP(5, t2, RX)
        FRAME(t2, D0)
        MAP(8, t2, RW)
        FRAME(t2, D1)
        MAP(9, t2, RW)
        FRAME(t2, D2)
        MAP(12, t2, RW)
        FRAME(t2, D3)
        MAP(13, t2, RO)
        FRAME(t2, D4)
        MAP(14, t2, RW)
        TO_S
        sfence.vma
        li s1, TVA(0) + 0xffe           /* the straddling instruction */
        li s2, TVA(1)
        li s3, CF(0) + 0xffe            /* its first half, physically */

        /* 1: second page unmapped: instruction page fault at the second half,
           xepc at the instruction, a0 untouched */
        li TESTNUM, 1
        li a0, 0x99
        ARM
        jalr s1
        TRAPPED_AT_REG(12, s2, s1)
        EXPECT(a0, 0x99)

        /* 2, 3: the second page mapped, then alternately remapped to two frames
           with different second halves: each run decodes the current pair */
        li TESTNUM, 2
        li t2, CF(1)
        MAP(1, t2, RX)
        sfence.vma s2, zero
        ARM
        jalr s1
        NO_TRAP
        EXPECT(a0, 0x77)
        li TESTNUM, 3
        li s4, 0
1:      andi s5, s4, 1
        li t2, CF(1)
        li t6, 0x77
        beqz s5, 2f
        li t2, CF(2)
        li t6, 0x55
2:      mv s6, t6
        MAP(1, t2, RX)
        sfence.vma s2, zero
        ARM
        jalr s1
        NO_TRAP
        bne a0, s6, fail
        addi s4, s4, 1
        li t0, 6
        bne s4, t0, 1b

        /* 4: the second page readable but not executable, then executable
           but U: instruction page faults at the second half; then usable again */
        li TESTNUM, 4
        li t2, CF(1)
        MAP(1, t2, RO)
        sfence.vma s2, zero
        li a0, 0x99
        ARM
        jalr s1
        TRAPPED_AT_REG(12, s2, s1)
        li t2, CF(1)
        MAP(1, t2, RX | PTE_U)
        sfence.vma s2, zero
        ARM
        jalr s1
        TRAPPED_AT_REG(12, s2, s1)
        EXPECT(a0, 0x99)
        li t2, CF(1)
        MAP(1, t2, RX)
        sfence.vma s2, zero
        ARM
        jalr s1
        NO_TRAP
        EXPECT(a0, 0x77)

        /* 5: the second half rewritten in place (fence.i), and back */
        li TESTNUM, 5
        li s4, CF(1)
        PUT_HALF(s4, 0, t_addi55, 1)
        fence.i
        jalr s1
        EXPECT(a0, 0x55)
        PUT_HALF(s4, 0, t_addi77, 1)
        fence.i
        jalr s1
        EXPECT(a0, 0x77)

        /* 6: the first half rewritten (fence.i) into a straddling `ld a0, 0(a2)`:
           a load fault names the load's own address and xepc the straddling
           instruction (the handler resumes after it, at the `ret` in CF(3));
           with a2 mapped it loads */
        li TESTNUM, 6
        PUT_HALF(s3, 0, t_ld, 0)
        fence.i
        li t2, CF(3)
        MAP(1, t2, RX)
        sfence.vma s2, zero
        li a0, 0x99
        li a2, TVA(10) + 8
        ARM
        jalr s1
        TRAPPED_AT_REG(13, a2, s1)
        EXPECT(a0, 0x99)
        li a2, TVA(8)
        ARM
        jalr s1
        NO_TRAP
        EXPECT(a0, 0x2726252423222120)

        /* 7: a straddling auipc sees its own (virtual) address */
        li TESTNUM, 7
        PUT_HALF(s3, 0, t_auipc, 0)
        fence.i
        li t2, CF(6)
        MAP(1, t2, RX)
        sfence.vma s2, zero
        jalr s1
        bne a0, s1, fail

        /* 8: a straddling jal back into the first page (t_jal: to 0xf00) */
        li TESTNUM, 8
        PUT_HALF(s3, 0, t_jal, 0)
        fence.i
        li t2, CF(7)
        MAP(1, t2, RX)
        sfence.vma s2, zero
        jalr s1
        EXPECT(a0, 0x33)

        /* 9: compressed instructions in a page's last four bytes, then a
           4-byte one on the next page */
        li TESTNUM, 9
        li s4, TVA(4) + 0xffc
        li a0, 0
        jalr s4
        EXPECT(a0, 7)
        li s4, TVA(4) + 0xffe
        li a0, 0
        jalr s4
        EXPECT(a0, 3)
        /* the next page remapped to CF(9) (`addi a0, a0, 0x20`) and back,
           then its first instruction rewritten in place and back: execution
           falling through the page end follows each */
        li s5, TVA(5)
        li s6, TVA(4) + 0xffc
        li t2, CF(9)
        MAP(5, t2, RX)
        sfence.vma s5, zero
        li a0, 0
        jalr s6
        EXPECT(a0, 0x25)
        li t2, CF(5)
        MAP(5, t2, RX)
        sfence.vma s5, zero
        li a0, 0
        jalr s6
        EXPECT(a0, 7)
        li t2, CF(5)
        PUT_INSN(t2, 0, t_addi40)
        fence.i
        li a0, 0
        jalr s6
        EXPECT(a0, 0x45)
        li t2, CF(5)
        PUT_INSN(t2, 0, t_addi2)
        fence.i
        li a0, 0
        jalr s6
        EXPECT(a0, 7)

        /* 10: the same with the next page unmapped: the compressed instruction
           at the end runs (it fits in its page); the fetch fault is for the
           next instruction, at the next page */
        li TESTNUM, 10
        li s5, TVA(5)
        UNMAP(5)
        sfence.vma s5, zero
        li a0, 0
        ARM
        jalr s4
        TRAPPED_AT_REG(12, s5, s5)
        EXPECT(a0, 1)

        /* 11: in M-mode without translation, across two physical pages */
        li TESTNUM, 11
        TO_M
        li s4, CF(8) + 0xffe
        li a0, 0
        jalr s4
        EXPECT(a0, 3)
        TO_S

        /* 12: loads of every width across TVA(9), and the same through the
           FPU and a compressed load */
        li TESTNUM, 12
        li a1, TVA(9)
        ld a0, -4(a1)
        EXPECT(a0, 0x8b8a898807060504)
        ld a0, -7(a1)
        EXPECT(a0, 0x8807060504030201)
        ld a0, -1(a1)
        EXPECT(a0, 0x8e8d8c8b8a898807)
        lw a0, -2(a1)
        EXPECT(a0, 0xffffffff89880706)
        lwu a0, -2(a1)
        EXPECT(a0, 0x0000000089880706)
        lw a0, -1(a1)
        EXPECT(a0, 0xffffffff8a898807)
        lh a0, -1(a1)
        EXPECT(a0, 0xffffffffffff8807)
        lhu a0, -1(a1)
        EXPECT(a0, 0x8807)
        fld f1, -4(a1)
        fmv.x.d a0, f1
        EXPECT(a0, 0x8b8a898807060504)
        flw f1, -2(a1)
        fmv.x.w a0, f1
        EXPECT(a0, 0xffffffff89880706)
        addi a2, a1, -2
        .option push
        .option rvc
        c.lw a0, 0(a2)
        .option pop
        EXPECT(a0, 0xffffffff89880706)

        /* 13: stores across TVA(9): each byte lands in its page's frame, the
           decoy after D0 stays as it was */
        li TESTNUM, 13
        li t2, 0x1122334455667788
        sd t2, -4(a1)
        FRAME(s4, D0)
        FRAME(s5, D1)
        LD_END(a0, s4)
        EXPECT(a0, 0x5566778803020100)
        ld a0, 0(s5)
        EXPECT(a0, 0x8f8e8d8c11223344)
        li t2, 0xa1a2a3a4
        sw t2, -2(a1)
        li t2, 0xb1b2
        sh t2, -1(a1)
        LD_END(a0, s4)
        EXPECT(a0, 0xb2a4778803020100)
        ld a0, 0(s5)
        EXPECT(a0, 0x8f8e8d8c1122a1b1)
        ld a0, -4(a1)
        EXPECT(a0, 0x1122a1b1b2a47788)
        li t2, 0x0123456789abcdef
        fmv.d.x f2, t2
        fsd f2, -3(a1)
        ld a0, -3(a1)
        EXPECT(a0, 0x0123456789abcdef)
        li a3, 0x7766554433221100
        addi a2, a1, -6
        .option push
        .option rvc
        c.sd a3, 0(a2)
        .option pop
        ld a0, -6(a1)
        EXPECT(a0, 0x7766554433221100)
        FRAME(s6, DECOY)
        ld a0, 0(s6)
        EXPECT(a0, 0x5555555555555555)
        LD_END(a0, s6)
        EXPECT(a0, 0x5555555555555555)

        /* 14: loads and stores from TVA(9) into the unmapped TVA(10) fault;
           rd and memory are left alone. (The privileged spec lets part of a
           misaligned store become visible when another part fails a PMP check,
           3.7.1, and does not rule it out for page faults; on a page fault
           Isola and QEMU write none of it, and this suite holds engines to
           that.) */
        li TESTNUM, 14
        li a1, TVA(10)
        li a0, 0x99
#define CROSS_FAULT(cause, off, insn...)              \
        addi a2, a1, off; ARM; 92: insn; TRAPPED(cause); \
        la t6, 92b; bne s11, t6, fail; TVAL_SPLIT(a2)
        CROSS_FAULT(13, -4, ld a0, -4(a1))
        CROSS_FAULT(13, -2, lw a0, -2(a1))
        CROSS_FAULT(13, -1, lhu a0, -1(a1))
        CROSS_FAULT(13, -6, fld f3, -6(a1))
        EXPECT(a0, 0x99)
        li t2, -1
        CROSS_FAULT(15, -4, sd t2, -4(a1))
        CROSS_FAULT(15, -2, sw t2, -2(a1))
        CROSS_FAULT(15, -1, sh t2, -1(a1))
        CROSS_FAULT(15, -7, fsd f2, -7(a1))
        LD_END(a0, s5)
        EXPECT(a0, 0x1716151413121110)

        /* 15: from the unmapped TVA(7) into TVA(8): the first part faults, at
           the access's own address; TVA(8) is left alone */
        li TESTNUM, 15
        li a1, TVA(8)
        li a2, TVA(8) - 4
        ARM
1:      ld a0, -4(a1)
        TRAPPED_AT(13, a2, 1b)
        ARM
1:      sd t2, -4(a1)
        TRAPPED_AT(15, a2, 1b)
        li a2, TVA(8) - 1
        ARM
1:      sh t2, -1(a1)
        TRAPPED_AT(15, a2, 1b)
        ld a0, 0(s4)
        EXPECT(a0, 0x2726252423222120)

        /* 16: into a read-only page (TVA(12) -> TVA(13)) loads work and
           stores fault; out of it (TVA(13) -> TVA(14)) they fault at their
           own address; neither page changes */
        li TESTNUM, 16
        li a1, TVA(13)
        ld a0, -4(a1)
        EXPECT(a0, 0x4342414037363534)
        CROSS_FAULT(15, -4, sd t2, -4(a1))
        CROSS_FAULT(15, -1, sw t2, -1(a1))
        li a1, TVA(14)
        ld a0, -2(a1)
        EXPECT(a0, 0x6564636261605756)
        li a2, TVA(14) - 2
        ARM
1:      sd t2, -2(a1)
        TRAPPED_AT(15, a2, 1b)
        FRAME(s4, D2)
        LD_END(a0, s4)
        EXPECT(a0, 0x3736353433323130)
        FRAME(s4, D3)
        ld a0, 0(s4)
        EXPECT(a0, 0x4746454443424140)
        LD_END(a0, s4)
        EXPECT(a0, 0x5756555453525150)
        FRAME(s4, D4)
        ld a0, 0(s4)
        EXPECT(a0, 0x6766656463626160)

        /* 17: atomics across a page end are misaligned: address-misaligned or
           access fault (unpriv spec, A extension), nothing changes */
        li TESTNUM, 17
        li a1, TVA(9)
        li a0, 0x99
        FRAME(s5, D1)
        ld s6, 0(s5)
#define AMO_FAULT(misaligned, insn...)                \
        ARM; 92: insn; la t6, 92b; bne s11, t6, fail; bne s10, a2, fail; \
        li t6, misaligned; beq s9, t6, 93f; li t6, misaligned + 1; bne s9, t6, fail; 93:
#ifdef QEMU_VALIDATION
#define AMO_MISALIGNED 4                /* QEMU 7.2 reports a misaligned AMO as a misaligned load */
#else
#define AMO_MISALIGNED 6                /* store/AMO address misaligned */
#endif
        addi a2, a1, -2
        AMO_FAULT(AMO_MISALIGNED, amoadd.w a0, t2, (a2))
        AMO_FAULT(4, lr.w a0, (a2))
        addi a2, a1, -4
        AMO_FAULT(AMO_MISALIGNED, amoswap.d a0, t2, (a2))
        EXPECT(a0, 0x99)
        ld a0, 0(s5)
        bne a0, s6, fail

        /* 18: from a page S-mode may write into one that PMP lets it only
           read (both mapped RW). A load may work (split per page) or raise a
           load access fault (one PMP entry must match all bytes of an access:
           QEMU); a store raises a store access fault and the read-only part
           is never written. Its first part may be (privileged spec 3.7.1: "a
           portion of a misaligned store that passes the PMP check may become
           visible"; Isola writes it, QEMU does not), so that is not checked. */
        li TESTNUM, 18
        FRAME(s4, D5)
        li t2, 0x7776757473727170
        SD_END(t2, s4)
        FRAME(s5, D6)
        li t2, 0x8786858483828180
        sd t2, 0(s5)
        MAP(16, s4, RW)
        MAP(17, s5, RW)
        TO_M
        srli t0, s5, 2                  /* entry 0: D6, NAPOT 4 KiB, R */
        ori t0, t0, 0x1ff
        csrw pmpaddr0, t0
        li t0, -1                       /* entry 1: everything, RWX */
        csrw pmpaddr1, t0
        li t0, 0x1f19
        csrw pmpcfg0, t0
        TO_S
        sfence.vma
        li a1, TVA(17)
        addi a2, a1, -4
        ARM
1:      ld a0, -4(a1)
        bnez s9, 2f
        EXPECT(a0, 0x8382818077767574)
        j 3f
2:      TRAPPED(5)
        la t6, 1b
        bne s11, t6, fail
        TVAL_SPLIT(a2)
3:      li t2, -1
        CROSS_FAULT(7, -4, sd t2, -4(a1))
        CROSS_FAULT(7, -1, sh t2, -1(a1))
        ld a0, 0(s5)
        EXPECT(a0, 0x8786858483828180)
        TO_M
        PMP_ALLOW_ALL
        j pass

        /* not run: instructions whose halves are copied into the code frames */
t_addi77: addi a0, zero, 0x77
t_addi55: addi a0, zero, 0x55
t_addi33: addi a0, zero, 0x33
t_addi2: addi a0, a0, 2
t_addi20: addi a0, a0, 0x20
t_addi40: addi a0, a0, 0x40
t_ld:   ld a0, 0(a2)
t_auipc: auipc a0, 0
t_jal:  jal zero, t_jal - 0xfe          /* from offset 0xffe to 0xf00 */
t_ret:  ret
        .option push
        .option rvc
t_c_addi4: c.addi a0, 4
t_c_addi1: c.addi a0, 1
        .option pop
RVTEST_END
        VM_TABLES
        .align 12
dframes: .skip 9 * 4096

//go:build !purego

#include "textflag.h"

// Hand-written MaskedSum kernels; see rabitq.go for the bit layout and rabitq_amd64.go for
// the stubs' contracts. Registers: SI q, CX dimensions left, DI bits.

// func maskedSumAVX512(q *float32, n int, bits *byte) float32
TEXT ·maskedSumAVX512(SB), NOSPLIT, $0-28
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   bits+16(FP), DI
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3

loop64:
	CMPQ   CX, $64
	JL     loop16
	KMOVQ    (DI), K1
	KSHIFTRQ $16, K1, K2
	KSHIFTRQ $32, K1, K3
	KSHIFTRQ $48, K1, K4
	VADDPS (SI), Z0, K1, Z0
	VADDPS 64(SI), Z1, K2, Z1
	VADDPS 128(SI), Z2, K3, Z2
	VADDPS 192(SI), Z3, K4, Z3
	ADDQ   $256, SI
	ADDQ   $8, DI
	SUBQ   $64, CX
	JMP    loop64

loop16:
	CMPQ   CX, $16
	JL     reduce
	KMOVW  (DI), K1
	VADDPS (SI), Z0, K1, Z0
	ADDQ   $64, SI
	ADDQ   $2, DI
	SUBQ   $16, CX
	JMP    loop16

reduce:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X1, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+24(FP)
	RET

// bitsel holds 1, 2, 4, ..., 128: lane j of a widened code byte is set when bit j is.
DATA bitsel<>+0(SB)/4, $1
DATA bitsel<>+4(SB)/4, $2
DATA bitsel<>+8(SB)/4, $4
DATA bitsel<>+12(SB)/4, $8
DATA bitsel<>+16(SB)/4, $16
DATA bitsel<>+20(SB)/4, $32
DATA bitsel<>+24(SB)/4, $64
DATA bitsel<>+28(SB)/4, $128
GLOBL bitsel<>(SB), RODATA|NOPTR, $32

// MASK8 widens the code byte at off(DI) to a lane mask in Y and adds the selected q lanes at
// qoff(SI) to ACC.
#define MASK8(off, qoff, Y, ACC) \
	MOVBLZX      off(DI), AX; \
	VMOVD        AX, X8; \
	VPBROADCASTD X8, Y; \
	VPAND        Y9, Y, Y; \
	VPCMPEQD     Y9, Y, Y; \
	VANDPS       qoff(SI), Y, Y; \
	VADDPS       Y, ACC, ACC

// func maskedSumAVX2(q *float32, n int, bits *byte) float32
TEXT ·maskedSumAVX2(SB), NOSPLIT, $0-28
	MOVQ    q+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    bits+16(FP), DI
	VMOVDQU bitsel<>(SB), Y9
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3

loop32:
	CMPQ CX, $32
	JL   loop8
	MASK8(0, 0, Y4, Y0)
	MASK8(1, 32, Y5, Y1)
	MASK8(2, 64, Y6, Y2)
	MASK8(3, 96, Y7, Y3)
	ADDQ $128, SI
	ADDQ $4, DI
	SUBQ $32, CX
	JMP  loop32

loop8:
	CMPQ CX, $8
	JL   reduce
	MASK8(0, 0, Y4, Y0)
	ADDQ $32, SI
	ADDQ $1, DI
	SUBQ $8, CX
	JMP  loop8

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X1, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// func popcountPlanes4AVX512(a *uint64, q *uint64, w int) (weighted int, ones int)
// Registers: SI a, DI query plane 0, R8 plane stride (w*8 bytes), R9 plane 3, CX words left;
// Z0-Z3 per-plane counts, Z4 popcount(a), K1 the words of this step.
TEXT ·popcountPlanes4AVX512(SB), NOSPLIT, $0-40
	MOVQ    a+0(FP), SI
	MOVQ    q+8(FP), DI
	MOVQ    w+16(FP), CX
	MOVQ    CX, R8
	SHLQ    $3, R8
	LEAQ    (DI)(R8*2), R9
	ADDQ    R8, R9
	VPXORQ  Z0, Z0, Z0
	VPXORQ  Z1, Z1, Z1
	VPXORQ  Z2, Z2, Z2
	VPXORQ  Z3, Z3, Z3
	VPXORQ  Z4, Z4, Z4

step:
	MOVQ          $0xff, AX
	CMPQ          CX, $8
	JGE           full
	MOVQ          $1, AX
	SHLQ          CX, AX
	DECQ          AX

full:
	KMOVB         AX, K1
	VMOVDQU64.Z   (SI), K1, Z5
	VPOPCNTQ      Z5, Z6
	VPADDQ        Z6, Z4, Z4
	VPANDQ.Z      (DI), Z5, K1, Z6
	VPOPCNTQ      Z6, Z6
	VPADDQ        Z6, Z0, Z0
	VPANDQ.Z      (DI)(R8*1), Z5, K1, Z6
	VPOPCNTQ      Z6, Z6
	VPADDQ        Z6, Z1, Z1
	VPANDQ.Z      (DI)(R8*2), Z5, K1, Z6
	VPOPCNTQ      Z6, Z6
	VPADDQ        Z6, Z2, Z2
	VPANDQ.Z      (R9), Z5, K1, Z6
	VPOPCNTQ      Z6, Z6
	VPADDQ        Z6, Z3, Z3
	ADDQ          $64, SI
	ADDQ          $64, DI
	ADDQ          $64, R9
	SUBQ          $8, CX
	JG            step

	// weighted = c0 + 2 c1 + 4 c2 + 8 c3
	VPSLLQ        $1, Z1, Z1
	VPSLLQ        $2, Z2, Z2
	VPSLLQ        $3, Z3, Z3
	VPADDQ        Z1, Z0, Z0
	VPADDQ        Z3, Z2, Z2
	VPADDQ        Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDQ        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDQ        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDQ        X1, X0, X0
	VMOVQ         X0, AX
	VEXTRACTI64X4 $1, Z4, Y1
	VPADDQ        Y1, Y4, Y4
	VEXTRACTI128  $1, Y4, X1
	VPADDQ        X1, X4, X4
	VPSHUFD       $0x4e, X4, X1
	VPADDQ        X1, X4, X4
	VMOVQ         X4, BX
	VZEROUPPER
	MOVQ          AX, weighted+24(FP)
	MOVQ          BX, ones+32(FP)
	RET

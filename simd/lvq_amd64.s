//go:build !purego

#include "textflag.h"

// Hand-written LVQ kernels; see lvq.go for the row layout and lvq_amd64.go
// for the stubs' contracts.
//
// Registers shared by every kernel:
//	SI q, CX n, DI slab, R8 stride, R9 &ids[i], R10 &out[i], R11 rows left,
//	R12 bytes to prefetch per row, BX current row, DX its primary codes,
//	AX its residual codes (two-level), R13 q cursor, R14 dimensions left,
//	X15 qsum, Z7/Y7 the nibble mask 15, K1/K2 tail masks.

// ROW_BEGIN loads row ids[i] into BX, prefetches row ids[i+1] and points
// DX, R13 and R14 at the start of the codes, the query and its length.
#define ROW_BEGIN \
	MOVL  (R9), BX; \
	IMULQ R8, BX; \
	ADDQ  DI, BX; \
	CMPQ  R11, $1; \
	JLE   nopf; \
	MOVL  4(R9), AX; \
	IMULQ R8, AX; \
	ADDQ  DI, AX; \
	XORL  DX, DX; \
pf: \
	PREFETCHT0 (AX)(DX*1); \
	ADDQ  $64, DX; \
	CMPQ  DX, R12; \
	JL    pf; \
	PREFETCHT0 -1(AX)(R12*1); \
nopf: \
	LEAQ  4(BX), DX; \
	MOVQ  SI, R13; \
	MOVQ  CX, R14

// ROW_END advances to the next row or returns.
#define ROW_END \
	ADDQ $4, R9; \
	ADDQ $4, R10; \
	DECQ R11; \
	JNZ  row; \
	VZEROUPPER; \
	RET

// HEADER sets X2[0] = scale and X2[1] = bias from the row's two halves.
#define HEADER \
	MOVL      (BX), AX; \
	VMOVD     AX, X2; \
	VCVTPH2PS X2, X2

// HEADER2 sets X2 = scale, X6 = step = scale/X14, X3 = bias - scale*X13 (X13 = 0.5).
#define HEADER2 \
	HEADER; \
	VDIVSS    X14, X2, X6; \
	VMOVSHDUP X2, X3; \
	VMULSS    X13, X2, X8; \
	VSUBSS    X8, X3, X3

// FINISH_IP stores scale*X0 + bias*qsum.
#define FINISH_IP \
	HEADER; \
	VMULSS      X2, X0, X0; \
	VMOVSHDUP   X2, X3; \
	VFMADD231SS X15, X3, X0; \
	VMOVSS      X0, (R10)

// FINISH2_IP stores scale*X0 + step*X1 + bias2*qsum (after HEADER2).
#define FINISH2_IP \
	VMULSS      X2, X0, X0; \
	VFMADD231SS X6, X1, X0; \
	VFMADD231SS X15, X3, X0; \
	VMOVSS      X0, (R10)

// HSUM512 leaves the sum of the lanes of z in x (clobbers t).
#define HSUM512(z, y, x, ty, tx) \
	VEXTRACTF64X4 $1, z, ty; \
	VADDPS        ty, y, y; \
	VEXTRACTF128  $1, y, tx; \
	VADDPS        tx, x, x; \
	VPERMILPS     $0x4e, x, tx; \
	VADDPS        tx, x, x; \
	VPERMILPS     $0xb1, x, tx; \
	VADDSS        tx, x, x

// HSUM256 leaves the sum of the lanes of y in x (clobbers tx).
#define HSUM256(y, x, tx) \
	VEXTRACTF128 $1, y, tx; \
	VADDPS       tx, x, x; \
	VPERMILPS    $0x4e, x, tx; \
	VADDPS       tx, x, x; \
	VPERMILPS    $0xb1, x, tx; \
	VADDSS       tx, x, x

#define LEV4 $0x41700000 // 15.0
#define LEV8 $0x437f0000 // 255.0
#define HALF $0x3f000000 // 0.5

// One-level kernels, AVX-512 F: 32 dimensions per step with two
// accumulators, then 16, then a masked tail (masked loads never fault).

// func lvqIP8AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqIP8AVX512(SB), NOSPLIT, $0-72
	MOVQ   n+8(FP), CX
	ANDQ   $15, CX
	MOVL   $1, AX
	SHLL   CX, AX
	DECL   AX
	KMOVW  AX, K1
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

l64:
	CMPQ        R14, $64
	JL          l32
	VPMOVZXBD   (DX), Z8
	VPMOVZXBD   16(DX), Z9
	VPMOVZXBD   32(DX), Z10
	VPMOVZXBD   48(DX), Z11
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VCVTDQ2PS   Z11, Z11
	VFMADD231PS (R13), Z8, Z0
	VFMADD231PS 64(R13), Z9, Z1
	VFMADD231PS 128(R13), Z10, Z2
	VFMADD231PS 192(R13), Z11, Z3
	ADDQ        $64, DX
	ADDQ        $256, R13
	SUBQ        $64, R14
	JMP         l64

l32:
	CMPQ        R14, $32
	JL          l16
	VPMOVZXBD   (DX), Z8
	VPMOVZXBD   16(DX), Z9
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VFMADD231PS (R13), Z8, Z0
	VFMADD231PS 64(R13), Z9, Z1
	ADDQ        $32, DX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JMP         l32

l16:
	CMPQ        R14, $16
	JL          tail
	VPMOVZXBD   (DX), Z8
	VCVTDQ2PS   Z8, Z8
	VFMADD231PS (R13), Z8, Z0
	ADDQ        $16, DX
	ADDQ        $64, R13
	SUBQ        $16, R14

tail:
	TESTQ       R14, R14
	JZ          sum
	VPMOVZXBD.Z (DX), K1, Z8
	VCVTDQ2PS   Z8, Z8
	VMOVUPS.Z   (R13), K1, Z9
	VFMADD231PS Z9, Z8, Z0

sum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	FINISH_IP
	ROW_END

// func lvqL28AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqL28AVX512(SB), NOSPLIT, $0-64
	MOVQ  n+8(FP), CX
	ANDQ  $15, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	MOVQ  q+0(FP), SI
	MOVQ  n+8(FP), CX
	MOVQ  slab+16(FP), DI
	MOVQ  stride+24(FP), R8
	MOVQ  ids+32(FP), R9
	MOVQ  out+40(FP), R10
	MOVQ  cnt+48(FP), R11
	MOVQ  plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER
	VBROADCASTSS X2, Z4
	VMOVSHDUP    X2, X3
	VBROADCASTSS X3, Z5
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1
	VPXORD       Z2, Z2, Z2
	VPXORD       Z3, Z3, Z3

l64:
	CMPQ        R14, $64
	JL          l32
	VPMOVZXBD   (DX), Z8
	VPMOVZXBD   16(DX), Z9
	VPMOVZXBD   32(DX), Z10
	VPMOVZXBD   48(DX), Z11
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VCVTDQ2PS   Z11, Z11
	VFMADD213PS Z5, Z4, Z8
	VFMADD213PS Z5, Z4, Z9
	VFMADD213PS Z5, Z4, Z10
	VFMADD213PS Z5, Z4, Z11
	VSUBPS      (R13), Z8, Z8
	VSUBPS      64(R13), Z9, Z9
	VSUBPS      128(R13), Z10, Z10
	VSUBPS      192(R13), Z11, Z11
	VFMADD231PS Z8, Z8, Z0
	VFMADD231PS Z9, Z9, Z1
	VFMADD231PS Z10, Z10, Z2
	VFMADD231PS Z11, Z11, Z3
	ADDQ        $64, DX
	ADDQ        $256, R13
	SUBQ        $64, R14
	JMP         l64

l32:
	CMPQ        R14, $32
	JL          l16
	VPMOVZXBD   (DX), Z8
	VPMOVZXBD   16(DX), Z9
	VCVTDQ2PS   Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VFMADD213PS Z5, Z4, Z8
	VFMADD213PS Z5, Z4, Z9
	VSUBPS      (R13), Z8, Z8
	VSUBPS      64(R13), Z9, Z9
	VFMADD231PS Z8, Z8, Z0
	VFMADD231PS Z9, Z9, Z1
	ADDQ        $32, DX
	ADDQ        $128, R13
	SUBQ        $32, R14

l16:
	CMPQ        R14, $16
	JL          tail
	VPMOVZXBD   (DX), Z8
	VCVTDQ2PS   Z8, Z8
	VFMADD213PS Z5, Z4, Z8
	VSUBPS      (R13), Z8, Z8
	VFMADD231PS Z8, Z8, Z0
	ADDQ        $16, DX
	ADDQ        $64, R13
	SUBQ        $16, R14

tail:
	TESTQ       R14, R14
	JZ          sum
	VPMOVZXBD.Z (DX), K1, Z8
	VCVTDQ2PS   Z8, Z8
	VFMADD213PS Z5, Z4, Z8
	VMOVUPS.Z   (R13), K1, Z9
	VSUBPS      Z9, Z8, Z8
	VFMADD231PS Z8, Z8, K1, Z0

sum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// NIBBLE_MASKS sets K1 to the low-half lanes and K2 to the high-half lanes
// of the final partial 4-bit block of n dimensions (r = n%32, h = (r+1)/2).
#define NIBBLE_MASKS(n) \
	MOVQ  n, DX; \
	ANDQ  $31, DX; \
	MOVQ  DX, CX; \
	INCQ  CX; \
	SHRQ  $1, CX; \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K1; \
	SUBQ  CX, DX; \
	MOVQ  DX, CX; \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K2; \
	MOVL  $15, AX; \
	VPBROADCASTD AX, Z7

// func lvqIP4AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqIP4AVX512(SB), NOSPLIT, $0-72
	MOVQ   n+8(FP), BX
	NIBBLE_MASKS(BX)
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	CMPQ        R14, $32
	JL          tail
	VPMOVZXBD   (DX), Z8
	VPANDD      Z7, Z8, Z9
	VPSRLD      $4, Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z8, Z8
	VFMADD231PS (R13), Z9, Z0
	VFMADD231PS 64(R13), Z8, Z1
	ADDQ        $16, DX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JMP         blk

tail:
	TESTQ       R14, R14
	JZ          sum
	MOVQ        R14, AX
	INCQ        AX
	SHRQ        $1, AX
	VPMOVZXBD.Z (DX), K1, Z8
	VPANDD      Z7, Z8, Z9
	VPSRLD      $4, Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z8, Z8
	VMOVUPS.Z   (R13), K1, Z10
	VMOVUPS.Z   (R13)(AX*4), K2, Z11
	VFMADD231PS Z10, Z9, Z0
	VFMADD231PS Z11, Z8, Z1

sum:
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	FINISH_IP
	ROW_END

// func lvqL24AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqL24AVX512(SB), NOSPLIT, $0-64
	MOVQ n+8(FP), BX
	NIBBLE_MASKS(BX)
	MOVQ q+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ slab+16(FP), DI
	MOVQ stride+24(FP), R8
	MOVQ ids+32(FP), R9
	MOVQ out+40(FP), R10
	MOVQ cnt+48(FP), R11
	MOVQ plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER
	VBROADCASTSS X2, Z4
	VMOVSHDUP    X2, X3
	VBROADCASTSS X3, Z5
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1

blk:
	CMPQ        R14, $32
	JL          tail
	VPMOVZXBD   (DX), Z8
	VPANDD      Z7, Z8, Z9
	VPSRLD      $4, Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z8, Z8
	VFMADD213PS Z5, Z4, Z9
	VFMADD213PS Z5, Z4, Z8
	VSUBPS      (R13), Z9, Z9
	VSUBPS      64(R13), Z8, Z8
	VFMADD231PS Z9, Z9, Z0
	VFMADD231PS Z8, Z8, Z1
	ADDQ        $16, DX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JMP         blk

tail:
	TESTQ       R14, R14
	JZ          sum
	MOVQ        R14, AX
	INCQ        AX
	SHRQ        $1, AX
	VPMOVZXBD.Z (DX), K1, Z8
	VPANDD      Z7, Z8, Z9
	VPSRLD      $4, Z8, Z8
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z8, Z8
	VFMADD213PS Z5, Z4, Z9
	VFMADD213PS Z5, Z4, Z8
	VMOVUPS.Z   (R13), K1, Z10
	VMOVUPS.Z   (R13)(AX*4), K2, Z11
	VSUBPS      Z10, Z9, Z9
	VSUBPS      Z11, Z8, Z8
	VFMADD231PS Z9, Z9, K1, Z0
	VFMADD231PS Z8, Z8, K2, Z1

sum:
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// One-level kernels, AVX2 + FMA + F16C: whole blocks only (n % 8 == 0 for
// 8-bit, n % 32 == 0 for 4-bit codes); the Go wrapper adds the tail.

// func lvqIP8AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqIP8AVX2(SB), NOSPLIT, $0-72
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

l16:
	CMPQ        R14, $16
	JL          l8
	VPMOVZXBD   (DX), Y8
	VPMOVZXBD   8(DX), Y9
	VCVTDQ2PS   Y8, Y8
	VCVTDQ2PS   Y9, Y9
	VFMADD231PS (R13), Y8, Y0
	VFMADD231PS 32(R13), Y9, Y1
	ADDQ        $16, DX
	ADDQ        $64, R13
	SUBQ        $16, R14
	JMP         l16

l8:
	CMPQ        R14, $8
	JL          sum
	VPMOVZXBD   (DX), Y8
	VCVTDQ2PS   Y8, Y8
	VFMADD231PS (R13), Y8, Y0

sum:
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	FINISH_IP
	ROW_END

// func lvqL28AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqL28AVX2(SB), NOSPLIT, $0-64
	MOVQ q+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ slab+16(FP), DI
	MOVQ stride+24(FP), R8
	MOVQ ids+32(FP), R9
	MOVQ out+40(FP), R10
	MOVQ cnt+48(FP), R11
	MOVQ plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER
	VBROADCASTSS X2, Y4
	VMOVSHDUP    X2, X3
	VBROADCASTSS X3, Y5
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1

l16:
	CMPQ        R14, $16
	JL          l8
	VPMOVZXBD   (DX), Y8
	VPMOVZXBD   8(DX), Y9
	VCVTDQ2PS   Y8, Y8
	VCVTDQ2PS   Y9, Y9
	VFMADD213PS Y5, Y4, Y8
	VFMADD213PS Y5, Y4, Y9
	VSUBPS      (R13), Y8, Y8
	VSUBPS      32(R13), Y9, Y9
	VFMADD231PS Y8, Y8, Y0
	VFMADD231PS Y9, Y9, Y1
	ADDQ        $16, DX
	ADDQ        $64, R13
	SUBQ        $16, R14
	JMP         l16

l8:
	CMPQ        R14, $8
	JL          sum
	VPMOVZXBD   (DX), Y8
	VCVTDQ2PS   Y8, Y8
	VFMADD213PS Y5, Y4, Y8
	VSUBPS      (R13), Y8, Y8
	VFMADD231PS Y8, Y8, Y0

sum:
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS X0, (R10)
	ROW_END

// NIBBLES256(off) widens bytes off..off+7 of the block at DX: Y8 gets their
// low nibbles (dimensions off..off+7 of the block), Y9 their high nibbles
// (dimensions 16+off..), both as float32.
#define NIBBLES256(off) \
	VPMOVZXBD off(DX), Y9; \
	VPAND     Y7, Y9, Y8; \
	VPSRLD    $4, Y9, Y9; \
	VCVTDQ2PS Y8, Y8; \
	VCVTDQ2PS Y9, Y9

#define MASK15_256 \
	MOVL         $15, AX; \
	VMOVD        AX, X7; \
	VPBROADCASTD X7, Y7

// func lvqIP4AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqIP4AVX2(SB), NOSPLIT, $0-72
	MASK15_256
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	NIBBLES256(0)
	VFMADD231PS (R13), Y8, Y0
	VFMADD231PS 64(R13), Y9, Y1
	NIBBLES256(8)
	VFMADD231PS 32(R13), Y8, Y0
	VFMADD231PS 96(R13), Y9, Y1
	ADDQ        $16, DX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS      Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	FINISH_IP
	ROW_END

// func lvqL24AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
TEXT ·lvqL24AVX2(SB), NOSPLIT, $0-64
	MASK15_256
	MOVQ q+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ slab+16(FP), DI
	MOVQ stride+24(FP), R8
	MOVQ ids+32(FP), R9
	MOVQ out+40(FP), R10
	MOVQ cnt+48(FP), R11
	MOVQ plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER
	VBROADCASTSS X2, Y4
	VMOVSHDUP    X2, X3
	VBROADCASTSS X3, Y5
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1

blk:
	NIBBLES256(0)
	VFMADD213PS Y5, Y4, Y8
	VFMADD213PS Y5, Y4, Y9
	VSUBPS      (R13), Y8, Y8
	VSUBPS      64(R13), Y9, Y9
	VFMADD231PS Y8, Y8, Y0
	VFMADD231PS Y9, Y9, Y1
	NIBBLES256(8)
	VFMADD213PS Y5, Y4, Y8
	VFMADD213PS Y5, Y4, Y9
	VSUBPS      32(R13), Y8, Y8
	VSUBPS      96(R13), Y9, Y9
	VFMADD231PS Y8, Y8, Y0
	VFMADD231PS Y9, Y9, Y1
	ADDQ        $16, DX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS      Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS      X0, (R10)
	ROW_END

// Two-level kernels: whole blocks only (n % 32 == 0 when a level has 4-bit
// codes, else n % 16 == 0 for AVX-512 and n % 8 == 0 for AVX2); the Go
// wrapper adds the tail. Per row, after HEADER2: X2 scale, X6 step,
// X3 bias2 = bias - scale/2; Z4/Y4, Z5/Y5, Z12/Y12 their broadcasts (L2).
// Primary codes widen into Z9/Z8 (AVX-512: dimensions 0-15 / 16-31 of a
// block; AVX2: a half block, see the C1_* macros), residual codes into Z10/Z11.

#define C1_4_512 VPMOVZXBD (DX), Z8; VPANDD Z7, Z8, Z9; VPSRLD $4, Z8, Z8
#define C1_8_512 VPMOVZXBD (DX), Z9; VPMOVZXBD 16(DX), Z8
#define C2_4_512 VPMOVZXBD (AX), Z11; VPANDD Z7, Z11, Z10; VPSRLD $4, Z11, Z11
#define C2_8_512 VPMOVZXBD (AX), Z10; VPMOVZXBD 16(AX), Z11
#define CVT_512 VCVTDQ2PS Z8, Z8; VCVTDQ2PS Z9, Z9; VCVTDQ2PS Z10, Z10; VCVTDQ2PS Z11, Z11

#define BLK_IP_512 \
	VFMADD231PS (R13), Z9, Z0; \
	VFMADD231PS 64(R13), Z8, Z0; \
	VFMADD231PS (R13), Z10, Z1; \
	VFMADD231PS 64(R13), Z11, Z1

#define BLK_L2_512 \
	VFMADD213PS Z5, Z4, Z9; \
	VFMADD231PS Z12, Z10, Z9; \
	VSUBPS      (R13), Z9, Z9; \
	VFMADD231PS Z9, Z9, Z0; \
	VFMADD213PS Z5, Z4, Z8; \
	VFMADD231PS Z12, Z11, Z8; \
	VSUBPS      64(R13), Z8, Z8; \
	VFMADD231PS Z8, Z8, Z1

// Half blocks for AVX2: A covers dimensions 0-7 (Y8, Y10) and 16-23 (Y9,
// Y11) of a 32-dimension block, B covers 8-15 and 24-31.
#define C1_4_A VPMOVZXBD (DX), Y9; VPAND Y7, Y9, Y8; VPSRLD $4, Y9, Y9
#define C1_4_B VPMOVZXBD 8(DX), Y9; VPAND Y7, Y9, Y8; VPSRLD $4, Y9, Y9
#define C1_8_A VPMOVZXBD (DX), Y8; VPMOVZXBD 16(DX), Y9
#define C1_8_B VPMOVZXBD 8(DX), Y8; VPMOVZXBD 24(DX), Y9
#define C2_4_A VPMOVZXBD (AX), Y11; VPAND Y7, Y11, Y10; VPSRLD $4, Y11, Y11
#define C2_4_B VPMOVZXBD 8(AX), Y11; VPAND Y7, Y11, Y10; VPSRLD $4, Y11, Y11
#define C2_8_A VPMOVZXBD (AX), Y10; VPMOVZXBD 16(AX), Y11
#define C2_8_B VPMOVZXBD 8(AX), Y10; VPMOVZXBD 24(AX), Y11
#define CVT_256 VCVTDQ2PS Y8, Y8; VCVTDQ2PS Y9, Y9; VCVTDQ2PS Y10, Y10; VCVTDQ2PS Y11, Y11

#define HALF_IP_256(lo, hi) \
	VFMADD231PS lo(R13), Y8, Y0; \
	VFMADD231PS hi(R13), Y9, Y0; \
	VFMADD231PS lo(R13), Y10, Y1; \
	VFMADD231PS hi(R13), Y11, Y1

#define HALF_L2_256(lo, hi) \
	VFMADD213PS Y5, Y4, Y8; \
	VFMADD231PS Y12, Y10, Y8; \
	VSUBPS      lo(R13), Y8, Y8; \
	VFMADD231PS Y8, Y8, Y0; \
	VFMADD213PS Y5, Y4, Y9; \
	VFMADD231PS Y12, Y11, Y9; \
	VSUBPS      hi(R13), Y9, Y9; \
	VFMADD231PS Y9, Y9, Y1


// func lvq2IP88AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP88AVX512(SB), NOSPLIT, $0-80
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	VPMOVZXBD   (DX), Z9
	VPMOVZXBD   (AX), Z10
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VFMADD231PS (R13), Z9, Z0
	VFMADD231PS (R13), Z10, Z1
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $64, R13
	SUBQ        $16, R14
	JNZ         blk
	HSUM512(Z0, Y0, X0, Y8, X8)
	HSUM512(Z1, Y1, X1, Y8, X8)
	FINISH2_IP
	ROW_END

// func lvq2L288AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L288AVX512(SB), NOSPLIT, $0-72
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Z4
	VBROADCASTSS X3, Z5
	VBROADCASTSS X6, Z12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	VPMOVZXBD   (DX), Z9
	VPMOVZXBD   (AX), Z10
	VCVTDQ2PS   Z9, Z9
	VCVTDQ2PS   Z10, Z10
	VFMADD213PS Z5, Z4, Z9
	VFMADD231PS Z12, Z10, Z9
	VSUBPS      (R13), Z9, Z9
	VFMADD231PS Z9, Z9, Z0
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $64, R13
	SUBQ        $16, R14
	JNZ         blk
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP48AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP48AVX512(SB), NOSPLIT, $0-80
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_4_512
	C2_8_512
	CVT_512
	BLK_IP_512
	ADDQ        $16, DX
	ADDQ        $32, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM512(Z0, Y0, X0, Y8, X8)
	HSUM512(Z1, Y1, X1, Y8, X8)
	FINISH2_IP
	ROW_END

// func lvq2L248AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L248AVX512(SB), NOSPLIT, $0-72
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Z4
	VBROADCASTSS X3, Z5
	VBROADCASTSS X6, Z12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_4_512
	C2_8_512
	CVT_512
	BLK_L2_512
	ADDQ        $16, DX
	ADDQ        $32, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP44AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP44AVX512(SB), NOSPLIT, $0-80
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_4_512
	C2_4_512
	CVT_512
	BLK_IP_512
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM512(Z0, Y0, X0, Y8, X8)
	HSUM512(Z1, Y1, X1, Y8, X8)
	FINISH2_IP
	ROW_END

// func lvq2L244AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L244AVX512(SB), NOSPLIT, $0-72
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Z4
	VBROADCASTSS X3, Z5
	VBROADCASTSS X6, Z12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_4_512
	C2_4_512
	CVT_512
	BLK_L2_512
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP84AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP84AVX512(SB), NOSPLIT, $0-80
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_8_512
	C2_4_512
	CVT_512
	BLK_IP_512
	ADDQ        $32, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM512(Z0, Y0, X0, Y8, X8)
	HSUM512(Z1, Y1, X1, Y8, X8)
	FINISH2_IP
	ROW_END

// func lvq2L284AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L284AVX512(SB), NOSPLIT, $0-72
	MOVL         $15, AX
	VPBROADCASTD AX, Z7
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Z4
	VBROADCASTSS X3, Z5
	VBROADCASTSS X6, Z12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

blk:
	C1_8_512
	C2_4_512
	CVT_512
	BLK_L2_512
	ADDQ        $32, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Z1, Z0, Z0
	HSUM512(Z0, Y0, X0, Y1, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP88AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP88AVX2(SB), NOSPLIT, $0-80
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	VPMOVZXBD   (DX), Y9
	VPMOVZXBD   (AX), Y10
	VCVTDQ2PS   Y9, Y9
	VCVTDQ2PS   Y10, Y10
	VFMADD231PS (R13), Y9, Y0
	VFMADD231PS (R13), Y10, Y1
	ADDQ        $8, DX
	ADDQ        $8, AX
	ADDQ        $32, R13
	SUBQ        $8, R14
	JNZ         blk
	HSUM256(Y0, X0, X8)
	HSUM256(Y1, X1, X8)
	FINISH2_IP
	ROW_END

// func lvq2L288AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L288AVX2(SB), NOSPLIT, $0-72
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Y4
	VBROADCASTSS X3, Y5
	VBROADCASTSS X6, Y12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	VPMOVZXBD   (DX), Y9
	VPMOVZXBD   (AX), Y10
	VCVTDQ2PS   Y9, Y9
	VCVTDQ2PS   Y10, Y10
	VFMADD213PS Y5, Y4, Y9
	VFMADD231PS Y12, Y10, Y9
	VSUBPS      (R13), Y9, Y9
	VFMADD231PS Y9, Y9, Y0
	ADDQ        $8, DX
	ADDQ        $8, AX
	ADDQ        $32, R13
	SUBQ        $8, R14
	JNZ         blk
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP48AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP48AVX2(SB), NOSPLIT, $0-80
	MASK15_256
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_4_A
	C2_8_A
	CVT_256
	HALF_IP_256(0, 64)
	C1_4_B
	C2_8_B
	CVT_256
	HALF_IP_256(32, 96)
	ADDQ        $16, DX
	ADDQ        $32, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM256(Y0, X0, X8)
	HSUM256(Y1, X1, X8)
	FINISH2_IP
	ROW_END

// func lvq2L248AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L248AVX2(SB), NOSPLIT, $0-72
	MASK15_256
	MOVL   LEV8, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Y4
	VBROADCASTSS X3, Y5
	VBROADCASTSS X6, Y12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_4_A
	C2_8_A
	CVT_256
	HALF_L2_256(0, 64)
	C1_4_B
	C2_8_B
	CVT_256
	HALF_L2_256(32, 96)
	ADDQ        $16, DX
	ADDQ        $32, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP44AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP44AVX2(SB), NOSPLIT, $0-80
	MASK15_256
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_4_A
	C2_4_A
	CVT_256
	HALF_IP_256(0, 64)
	C1_4_B
	C2_4_B
	CVT_256
	HALF_IP_256(32, 96)
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM256(Y0, X0, X8)
	HSUM256(Y1, X1, X8)
	FINISH2_IP
	ROW_END

// func lvq2L244AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L244AVX2(SB), NOSPLIT, $0-72
	MASK15_256
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Y4
	VBROADCASTSS X3, Y5
	VBROADCASTSS X6, Y12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_4_A
	C2_4_A
	CVT_256
	HALF_L2_256(0, 64)
	C1_4_B
	C2_4_B
	CVT_256
	HALF_L2_256(32, 96)
	ADDQ        $16, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS X0, (R10)
	ROW_END

// func lvq2IP84AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2IP84AVX2(SB), NOSPLIT, $0-80
	MASK15_256
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	VMOVSS qsum+16(FP), X15
	MOVQ   slab+24(FP), DI
	MOVQ   stride+32(FP), R8
	MOVQ   ids+40(FP), R9
	MOVQ   out+48(FP), R10
	MOVQ   cnt+56(FP), R11
	MOVQ   plen+64(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+72(FP), AX
	ADDQ   BX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_8_A
	C2_4_A
	CVT_256
	HALF_IP_256(0, 64)
	C1_8_B
	C2_4_B
	CVT_256
	HALF_IP_256(32, 96)
	ADDQ        $32, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	HSUM256(Y0, X0, X8)
	HSUM256(Y1, X1, X8)
	FINISH2_IP
	ROW_END

// func lvq2L284AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
TEXT ·lvq2L284AVX2(SB), NOSPLIT, $0-72
	MASK15_256
	MOVL   LEV4, AX
	VMOVD  AX, X14
	MOVL   HALF, AX
	VMOVD  AX, X13
	MOVQ   q+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   slab+16(FP), DI
	MOVQ   stride+24(FP), R8
	MOVQ   ids+32(FP), R9
	MOVQ   out+40(FP), R10
	MOVQ   cnt+48(FP), R11
	MOVQ   plen+56(FP), R12

row:
	ROW_BEGIN
	HEADER2
	MOVQ   roff+64(FP), AX
	ADDQ   BX, AX
	VBROADCASTSS X2, Y4
	VBROADCASTSS X3, Y5
	VBROADCASTSS X6, Y12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

blk:
	C1_8_A
	C2_4_A
	CVT_256
	HALF_L2_256(0, 64)
	C1_8_B
	C2_4_B
	CVT_256
	HALF_L2_256(32, 96)
	ADDQ        $32, DX
	ADDQ        $16, AX
	ADDQ        $128, R13
	SUBQ        $32, R14
	JNZ         blk
	VADDPS Y1, Y0, Y0
	HSUM256(Y0, X0, X1)
	VMOVSS X0, (R10)
	ROW_END

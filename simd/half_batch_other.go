//go:build purego || !amd64

package simd

func halfBatch(ip bool, q []float32, codes []uint16, stride int, ids []uint32, out []float32) {
	halfBatchRows(ip, q, codes, stride, ids, out)
}

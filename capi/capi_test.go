//go:build cgo

package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// snake turns a Go constant name of package api into its VSAG spelling, e.g.
// SupportKnnSearchWithIDFilter -> SUPPORT_KNN_SEARCH_WITH_ID_FILTER.
func snake(s string) string {
	s = strings.ReplaceAll(s, "IDs", "Ids")
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// The header is hand-written: check its numbers against the engine's.
func TestHeaderMatchesEngine(t *testing.T) {
	header := readFile(t, "../include/vsag.h")

	t.Run("error codes", func(t *testing.T) {
		re := regexp.MustCompile(`#define VSAG_([A-Z_]+) \(-(\d+)\)`)
		found := map[int]string{}
		for _, m := range re.FindAllStringSubmatch(header, -1) {
			n, _ := strconv.Atoi(m[2])
			found[n] = m[1]
		}
		for c := api.UnknownError; c <= api.InvalidBinary; c++ {
			assert.Equal(t, c.String(), found[int(c)], "code %d", int(c))
		}
		assert.Len(t, found, int(api.InvalidBinary))
	})

	t.Run("features", func(t *testing.T) {
		src := readFile(t, "../core/api/features.go")
		goRe := regexp.MustCompile(`(?m)^\s+(\w+)\s+Feature = (\d+)$`)
		cRe := regexp.MustCompile(`VSAG_FEATURE_([A-Z0-9_]+) = (\d+)`)
		want := map[string]string{}
		for _, m := range goRe.FindAllStringSubmatch(src, -1) {
			want[snake(m[1])] = m[2]
		}
		got := map[string]string{}
		for _, m := range cRe.FindAllStringSubmatch(header, -1) {
			got[m[1]] = m[2]
		}
		require.Len(t, want, int(api.MaxFeature))
		assert.Equal(t, want, got)
	})

	t.Run("version", func(t *testing.T) {
		m := regexp.MustCompile(`#define VSAG_VERSION "([^"]+)"`).FindStringSubmatch(header)
		require.NotNil(t, m)
		assert.Equal(t, core.Version, m[1])
		var major, minor, patch int
		_, err := fmt.Sscanf(core.Version, "%d.%d.%d", &major, &minor, &patch)
		require.NoError(t, err)
		num := regexp.MustCompile(`#define VSAG_VERSION_NUMBER (\d+)`).FindStringSubmatch(header)
		require.NotNil(t, num)
		assert.Equal(t, strconv.Itoa(major*1000000+minor*1000+patch), num[1])
	})

	t.Run("dtypes", func(t *testing.T) {
		for name, code := range dtypeCodes {
			re := regexp.MustCompile(`VSAG_DTYPE_` + strings.ToUpper(name) + ` = (\d+)`)
			m := re.FindStringSubmatch(header)
			require.NotNil(t, m, name)
			assert.Equal(t, strconv.FormatInt(code, 10), m[1], name)
		}
	})
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"NeedTrain":                        "NEED_TRAIN",
		"SupportKnnSearchWithIDFilter":     "SUPPORT_KNN_SEARCH_WITH_ID_FILTER",
		"SupportGetRawVectorByIDs":         "SUPPORT_GET_RAW_VECTOR_BY_IDS",
		"SupportUpdateExtraInfoConcurrent": "SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT",
		"SupportMetricTypeL2":              "SUPPORT_METRIC_TYPE_L2",
	} {
		assert.Equal(t, want, snake(in))
	}
}

func TestHandleTable(t *testing.T) {
	var tb handleTable
	a, err := tb.add(kindIndex, "a")
	require.NoError(t, err)
	b, err := tb.add(kindDataset, "b")
	require.NoError(t, err)
	require.NotEqual(t, a, b)

	tests := []struct {
		name string
		h    uint64
		kind handleKind
		ok   bool
		msg  string
	}{
		{"live index", a, kindIndex, true, ""},
		{"live dataset", b, kindDataset, true, ""},
		{"wrong kind", b, kindIndex, false, "a dataset handle was passed where a index handle"},
		{"null", 0, kindBitset, false, "NULL"},
		{"forged small", 0x1234, kindIndex, false, "invalid or was already destroyed"},
		{"forged slot", a + 5000, kindIndex, false, "invalid or was already destroyed"},
		{"wrong generation", a + 1<<32, kindIndex, false, "invalid or was already destroyed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := tb.get(tc.h, tc.kind)
			if tc.ok {
				require.NoError(t, err)
				assert.NotNil(t, obj)
				return
			}
			require.Error(t, err)
			assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
			assert.Contains(t, err.Error(), tc.msg)
		})
	}

	obj, err := tb.release(a, kindIndex)
	require.NoError(t, err)
	assert.Equal(t, "a", obj)
	_, err = tb.release(a, kindIndex)
	assert.Error(t, err, "double release")
	_, err = tb.get(a, kindIndex)
	assert.Error(t, err, "use after release")

	// once enough slots wait, the oldest is reused with a new generation: the old handle stays dead
	for i := 0; i < reuseAfter; i++ {
		h, err := tb.add(kindBitset, i)
		require.NoError(t, err)
		_, err = tb.release(h, kindBitset)
		require.NoError(t, err)
	}
	c, err := tb.add(kindIndex, "c")
	require.NoError(t, err)
	assert.Equal(t, uint32(a), uint32(c), "slot reused")
	assert.NotEqual(t, a, c)
	_, err = tb.get(a, kindIndex)
	assert.Error(t, err)
	got, err := tb.get(c, kindIndex)
	require.NoError(t, err)
	assert.Equal(t, "c", got)
}

func TestHandleTableGrowsAcrossChunks(t *testing.T) {
	var tb handleTable
	hs := make([]uint64, 3*chunkSize+7)
	for i := range hs {
		h, err := tb.add(kindBitset, i)
		require.NoError(t, err)
		hs[i] = h
	}
	for i, h := range hs {
		obj, err := tb.get(h, kindBitset)
		require.NoError(t, err)
		require.Equal(t, i, obj)
	}
}

func TestHandleTableConcurrent(t *testing.T) {
	var tb handleTable
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				h, err := tb.add(kindIndex, w*100000+i)
				if !assert.NoError(t, err) {
					return
				}
				obj, err := tb.get(h, kindIndex)
				if !assert.NoError(t, err) || !assert.Equal(t, w*100000+i, obj) {
					return
				}
				_, err = tb.release(h, kindIndex)
				assert.NoError(t, err)
				_, err = tb.get(h, kindIndex)
				assert.Error(t, err)
			}
		}(w)
	}
	wg.Wait()
}

package eval

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgress(t *testing.T) {
	var nilBar *Progress
	nilBar.Add(1) // a disabled bar is a no-op
	nilBar.Done()
	require.Nil(t, StartProgress(&bytes.Buffer{}, false, "x", 10))

	var w syncBuf
	p := StartProgress(&w, true, "searching", 10)
	p.Add(5)
	time.Sleep(400 * time.Millisecond)
	p.Done()
	out := w.String()
	require.Contains(t, out, "searching [===============               ] 5/10")
	require.True(t, strings.HasSuffix(out, "\r\x1b[K"), "the line is cleared at the end")

	var s syncBuf
	sp := StartProgress(&s, true, "building", 0)
	time.Sleep(400 * time.Millisecond)
	sp.Done()
	require.Regexp(t, `building [|/\\-] [0-9.]+m?s`, s.String())
}

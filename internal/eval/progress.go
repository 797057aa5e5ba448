package eval

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Progress draws a one-line progress bar (or, with no known total, a spinner with the elapsed
// time) on a terminal, redrawn every 150 ms. A nil *Progress does nothing, so callers need no
// checks when the output is not a terminal.
type Progress struct {
	w     io.Writer
	label string
	total int64
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
}

// StartProgress starts a bar on w when enabled; total <= 0 shows a spinner.
func StartProgress(w io.Writer, enabled bool, label string, total int64) *Progress {
	if !enabled || w == nil {
		return nil
	}
	p := &Progress{w: w, label: label, total: total, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(i)
			}
		}
	}()
	return p
}

// Add records n finished units.
func (p *Progress) Add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

func (p *Progress) draw(tick int) {
	el := time.Since(p.start).Truncate(100 * time.Millisecond)
	if p.total <= 0 {
		spin := `|/-\`
		fmt.Fprintf(p.w, "\r\x1b[K%s %c %s", p.label, spin[tick%4], el)
		return
	}
	d := min(p.done.Load(), p.total)
	const width = 30
	fill := int(d * width / p.total)
	eta := ""
	if d > 0 && d < p.total {
		rest := time.Duration(float64(time.Since(p.start)) * float64(p.total-d) / float64(d)).Truncate(time.Second)
		eta = " eta " + rest.String()
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s [%s%s] %d/%d %s%s", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), d, p.total, el, eta)
}

// Done stops the bar and clears its line.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	fmt.Fprint(p.w, "\r\x1b[K")
}

package core

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// killSaveEnv names the file the child process of TestSerializeFileSurvivesSIGKILL saves to.
const killSaveEnv = "VSAG_TEST_KILL_SAVE_PATH"

const (
	killSaveBase = 40000 // vectors in the child's index: 40000 x 128 float32 is about 20 MB
	killSaveDim  = 128
)

// TestSerializeFileKillChild is the child: it saves a sizeable index to the path in a loop,
// one more vector each time, and reports "saving N" before and "saved N" after each save.
func TestSerializeFileKillChild(t *testing.T) {
	path := os.Getenv(killSaveEnv)
	if path == "" {
		t.Skip("the child of TestSerializeFileSurvivesSIGKILL")
	}
	idx, err := CreateIndex("brute_force", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d}`, killSaveDim))
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewSource(int64(os.Getpid())))
	vecs := make([]float32, killSaveBase*killSaveDim)
	for i := range vecs {
		vecs[i] = rng.Float32()
	}
	ids := make([]int64, killSaveBase)
	for i := range ids {
		ids[i] = int64(i)
	}
	if _, err := idx.Build(&Dataset{NumElements: killSaveBase, Dim: killSaveDim, IDs: ids, Float32: vecs}); err != nil {
		panic(err)
	}
	for next := int64(killSaveBase); ; next++ {
		if _, err := idx.Add(&Dataset{NumElements: 1, Dim: killSaveDim, IDs: []int64{next}, Float32: vecs[:killSaveDim]}); err != nil {
			panic(err)
		}
		n := idx.GetNumElements()
		fmt.Fprintf(os.Stdout, "saving %d\n", n)
		if err := idx.SerializeFile(path); err != nil {
			panic(err)
		}
		fmt.Fprintf(os.Stdout, "saved %d\n", n)
	}
}

// TestSerializeFileSurvivesSIGKILL kills a process mid-save several times: the real file is
// always absent or a whole index (the last saved version or the one being saved), at most one
// temporary is ever left behind, and the next successful save leaves none.
func TestSerializeFileSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if os.Getenv(killSaveEnv) != "" {
		t.Skip("in the child")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "index.vsag")
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))

	const kills = 6
	deadline := time.Now().Add(8 * time.Second)
	var saveTime time.Duration // measured on the children's first saves
	killsMidWrite := 0
	for k := 0; k < kills && time.Now().Before(deadline); k++ {
		cmd := exec.Command(exe, "-test.run=^TestSerializeFileKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), killSaveEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()

		// Let one save complete (to learn how long a save takes), then kill at a random point
		// inside the next one.
		var lastSaved, lastSaving int64 = -1, -1
		var began time.Time
		killed := false
		for line := range lines {
			word, num, _ := strings.Cut(line, " ")
			n, _ := strconv.ParseInt(num, 10, 64)
			switch word {
			case "saving":
				lastSaving = n
				began = time.Now()
				if lastSaved >= 0 {
					time.Sleep(time.Duration(rng.Int63n(int64(saveTime*8/10) + 1)))
					require.NoError(t, cmd.Process.Kill())
					killed = true
				}
			case "saved":
				lastSaved = n
				if saveTime == 0 || time.Since(began) < saveTime {
					saveTime = time.Since(began)
				}
			}
			if killed {
				break
			}
		}
		require.True(t, killed, "the child ended before it was killed")
		_ = cmd.Wait()
		// The pipe lags behind the child: lines printed before the kill may still be in it, so
		// the versions the file may hold run from the last save completed to the last begun.
		for line := range lines {
			word, num, _ := strings.Cut(line, " ")
			n, _ := strconv.ParseInt(num, 10, 64)
			switch word {
			case "saving":
				lastSaving = max(lastSaving, n)
			case "saved":
				lastSaved = max(lastSaved, n)
			}
		}

		left := tempLeftovers(t, dir)
		require.LessOrEqual(t, len(left), 1, "temporaries left: %v", left)
		if len(left) == 1 {
			killsMidWrite++
		}
		back, err := LoadFile(path)
		require.NoError(t, err, "the file under the real name after kill %d", k)
		n := back.GetNumElements()
		require.True(t, n >= lastSaved && n <= lastSaving, "after kill %d the file holds %d vectors; saves completed up to %d, begun up to %d", k, n, lastSaved, lastSaving)
	}
	t.Logf("save time %v; %d kills left a temporary behind", saveTime, killsMidWrite)
	require.Greater(t, killsMidWrite, 0, "no kill landed inside a write: the test proved nothing")

	// The next successful save cleans up.
	back, err := LoadFile(path)
	require.NoError(t, err)
	require.NoError(t, back.SerializeFile(path))
	require.Empty(t, tempLeftovers(t, dir))
	again, err := LoadFile(path)
	require.NoError(t, err)
	require.Equal(t, back.GetNumElements(), again.GetNumElements())
}

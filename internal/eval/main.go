package eval

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govsag/vsag/internal/dataset"
)

// Main runs vsag-eval with args (without the program name) and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	cli, err := ParseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "vsag-eval:", err)
		return 2
	}
	progress := cli.Progress == "on"
	if cli.Progress == "auto" {
		if f, ok := stderr.(*os.File); ok {
			progress = IsTerminal(f)
		}
	}
	r := NewRunner(stderr, progress)
	if cli.ExportHDF5 != "" {
		if err := r.ExportHDF5(cli.Config.DataPath, cli.ExportHDF5, cli.ExportMetric); err != nil {
			fmt.Fprintln(stderr, "vsag-eval:", err)
			return 1
		}
		fmt.Fprintf(stderr, "wrote %s\n", cli.ExportHDF5)
		return 0
	}
	if cli.YAMLPath == "" {
		return runCLI(r, cli, stdout, stderr)
	}
	data, err := os.ReadFile(cli.YAMLPath)
	if err != nil {
		fmt.Fprintln(stderr, "vsag-eval:", err)
		return 2
	}
	job, err := ParseYAML(data)
	if err != nil {
		fmt.Fprintf(stderr, "vsag-eval: %s: %v\n", cli.YAMLPath, err)
		return 2
	}
	for _, n := range job.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	code := 0
	var results []Named
	for i := range job.Cases {
		c := &job.Cases[i]
		fmt.Fprintf(stderr, "== case %s (%s %s)\n", c.Name, c.Type, c.IndexName)
		if c.Sweep != "" {
			sr, err := r.RunSweep(c)
			if err != nil {
				fmt.Fprintln(stderr, "vsag-eval:", err)
				code = 1
				continue
			}
			writeSweep(c, sr, stderr)
			results = append(results, sr.Cases...)
			continue
		}
		res, err := r.Run(c)
		if err != nil {
			fmt.Fprintln(stderr, "vsag-eval:", err)
			code = 1
			continue
		}
		results = append(results, Named{c.Name, res})
	}
	exporters := job.Exporters
	if len(exporters) == 0 {
		exporters = []Exporter{{Name: "default", To: "stdout", Format: "table"}}
	}
	for _, e := range exporters {
		if err := Export(e, results, stdout); err != nil {
			fmt.Fprintln(stderr, "vsag-eval:", err)
			code = 1
		}
	}
	return code
}

// SweepPrefix returns the output prefix of a sweep: c.SweepOutput, or
// "<index>-<key>-sweep" in the current folder.
func SweepPrefix(c *Config) string {
	if c.SweepOutput != "" {
		return c.SweepOutput
	}
	key := "sweep"
	if sp, err := ParseSweep(c.Sweep); err == nil {
		key = strings.ReplaceAll(sp.Key, ".", "_")
	}
	return fmt.Sprintf("%s-%s-sweep", c.IndexName, key)
}

func writeSweep(c *Config, sr *SweepResult, stderr io.Writer) {
	prefix := SweepPrefix(c)
	note, err := WriteSweepFiles(prefix, sr)
	if err != nil {
		fmt.Fprintln(stderr, "vsag-eval: sweep files:", err)
		return
	}
	if note != "" {
		fmt.Fprintf(stderr, "note: %s\nwrote %s.csv and %s.json\n", note, prefix, prefix)
		return
	}
	fmt.Fprintf(stderr, "wrote %s.csv, %s.json and %s.png\n", prefix, prefix, prefix)
}

func runCLI(r *Runner, cli *CLI, stdout, stderr io.Writer) int {
	c := &cli.Config
	if c.Sweep != "" {
		sr, err := r.RunSweep(c)
		if err != nil {
			fmt.Fprintln(stderr, "vsag-eval:", err)
			return 1
		}
		writeSweep(c, sr, stderr)
		if cli.Exporter.Format == "table" || cli.Exporter.Format == "text" {
			err = Send(cli.Exporter, FormatSweepTable(sr), stdout)
		} else {
			err = Export(cli.Exporter, sr.Cases, stdout)
		}
		if err != nil {
			fmt.Fprintln(stderr, "vsag-eval:", err)
			return 1
		}
		return 0
	}
	res, err := r.Run(c)
	if err != nil {
		fmt.Fprintln(stderr, "vsag-eval:", err)
		return 1
	}
	if err := Export(cli.Exporter, []Named{{c.Name, res}}, stdout); err != nil {
		fmt.Fprintln(stderr, "vsag-eval:", err)
		return 1
	}
	return 0
}

// ExportHDF5 writes the dataset at datapath as an ann-benchmarks HDF5 file at out, with the
// exact 100 nearest neighbours of every query (metric is used when the source has none).
func (r *Runner) ExportHDF5(datapath, out, metric string) error {
	if dataset.IsMultiVectorHDF5(datapath) {
		return r.exportMultiVectorHDF5(datapath, out)
	}
	s, err := r.Dataset(datapath)
	if err != nil {
		return err
	}
	if s.Metric == "" {
		s.Metric = metric
	}
	t0 := time.Now()
	k := min(100, s.NumBase())
	t := dataset.ComputeTruth(s.Base, s.Queries, s.Dim, dataset.TruthSpec{Metric: s.Metric, K: k})
	r.logf("ground truth: %d neighbours of %d queries in %.2fs", k, s.NumQueries(), time.Since(t0).Seconds())
	cp := *s
	cp.Neighbors, cp.Distances, cp.GTK = t.IDs, t.Dists, k
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return dataset.WriteHDF5(out, &cp)
}

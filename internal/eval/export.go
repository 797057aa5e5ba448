package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Formatter renders results in one of the exporters' formats.
type Formatter func(results []Named) (string, error)

// Now is the clock of the line_protocol formatter (replaceable in tests).
var Now = time.Now

// FormatterFor returns the formatter of "table" (or "text"), "json" or "line_protocol".
func FormatterFor(format string) (Formatter, error) {
	switch format {
	case "table", "text":
		return FormatTable, nil
	case "json":
		return FormatJSON, nil
	case "line_protocol":
		return FormatLineProtocol, nil
	}
	return nil, fmt.Errorf("format %q is not table, json or line_protocol", format)
}

// FormatJSON renders {"<case>": {metrics...}, ...} in run order, indented.
func FormatJSON(results []Named) (string, error) {
	var b bytes.Buffer
	b.WriteString("{")
	for i, n := range results {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(n.Name)
		v, err := json.MarshalIndent(n.Result, "  ", "  ")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\n  %s: %s", k, v)
	}
	b.WriteString("\n}\n")
	return b.String(), nil
}

func fnum(p *float64, prec int) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', prec, 64)
}

func detail(m map[string]float64, key string, prec int) string {
	if m == nil {
		return ""
	}
	v, ok := m[key]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

type tableRow struct {
	label string
	get   func(r *Result) string
}

func tableRows() []tableRow {
	rows := []tableRow{
		{"action", func(r *Result) string { return r.Action }},
		{"index", func(r *Result) string { return r.Index }},
		{"dataset", func(r *Result) string {
			return fmt.Sprintf("%s (%d x %d, %s, %s)", filepath.Base(r.DatasetInfo.FilePath), r.DatasetInfo.BaseCount, r.DatasetInfo.Dim, r.DatasetInfo.DataType, r.DatasetInfo.Metric)
		}},
		{"build time (s)", func(r *Result) string { return fnum(r.BuildDuration, 2) }},
		{"build TPS", func(r *Result) string { return fnum(r.TPS, 0) }},
		{"memory peak (build)", func(r *Result) string { return r.MemoryPeakBuild }},
		{"index memory", func(r *Result) string {
			if r.IndexMemory == nil {
				return ""
			}
			return HumanBytes(*r.IndexMemory)
		}},
		{"index file size", func(r *Result) string {
			if r.IndexSize == nil {
				return ""
			}
			return HumanBytes(*r.IndexSize)
		}},
		{"search mode", func(r *Result) string {
			if r.SearchMode == "" {
				return ""
			}
			if r.Radius != nil {
				return fmt.Sprintf("%s r=%g", r.SearchMode, *r.Radius)
			}
			return fmt.Sprintf("%s k=%d", r.SearchMode, r.TopK)
		}},
		{"search params", func(r *Result) string { return r.SearchParam }},
		{"searches x threads", func(r *Result) string {
			if r.SearchCount == 0 {
				return ""
			}
			return fmt.Sprintf("%d x %d", r.SearchCount, r.NumThreadsSearching)
		}},
		{"QPS", func(r *Result) string { return fnum(r.QPS, 1) }},
		{"recall avg", func(r *Result) string { return fnum(r.RecallAvg, 4) }},
	}
	for _, p := range RecallPercentiles {
		key := "p" + strconv.Itoa(p)
		rows = append(rows, tableRow{"recall " + key, func(r *Result) string { return detail(r.RecallDetail, key, 4) }})
	}
	rows = append(rows, tableRow{"latency avg (ms)", func(r *Result) string { return fnum(r.LatencyAvg, 3) }})
	for _, p := range LatencyPercentiles {
		key := "p" + strconv.Itoa(p)
		rows = append(rows, tableRow{"latency " + key + " (ms)", func(r *Result) string { return detail(r.LatencyDetail, key, 3) }})
	}
	rows = append(rows,
		tableRow{"memory peak (search)", func(r *Result) string { return r.MemoryPeakSearch }},
		tableRow{"ground truth", func(r *Result) string { return r.GroundTruth }},
	)
	return rows
}

// FormatTable renders a Markdown table: one row per metric, one column per case. Metrics no
// case has are left out.
func FormatTable(results []Named) (string, error) {
	header := []string{"metric"}
	for _, n := range results {
		header = append(header, n.Name)
	}
	var cells [][]string
	for _, row := range tableRows() {
		line := []string{row.label}
		any := false
		for _, n := range results {
			v := row.get(n.Result)
			any = any || v != ""
			line = append(line, v)
		}
		if any {
			cells = append(cells, line)
		}
	}
	return renderTable(header, cells), nil
}

// renderTable aligns a Markdown table (first column left, others right).
func renderTable(header []string, rows [][]string) string {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = len(h)
	}
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], len(c))
		}
	}
	var b strings.Builder
	line := func(cs []string) {
		for i, c := range cs {
			if i == 0 {
				fmt.Fprintf(&b, "| %-*s ", w[i], c)
			} else {
				fmt.Fprintf(&b, "| %*s ", w[i], c)
			}
		}
		b.WriteString("|\n")
	}
	line(header)
	for i := range header {
		if i == 0 {
			fmt.Fprintf(&b, "|%s", strings.Repeat("-", w[i]+2))
		} else {
			fmt.Fprintf(&b, "|%s:", strings.Repeat("-", w[i]+1))
		}
	}
	b.WriteString("|\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// lpEscape escapes a line-protocol tag key or value (commas, equals signs and spaces).
func lpEscape(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer(",", `\,`, "=", `\=`, " ", `\ `, "\n", `\n`).Replace(s)
}

// FormatLineProtocol renders one InfluxDB line per case: measurement "performance", tags
// case_name, index_name, dtype, metric and search_mode, and the metrics the case has as float
// fields (search_param as a string field), stamped with the current time in nanoseconds.
func FormatLineProtocol(results []Named) (string, error) {
	now := Now().UnixNano()
	var b strings.Builder
	for _, n := range results {
		r := n.Result
		fmt.Fprintf(&b, "performance,case_name=%s,index_name=%s,dtype=%s,metric=%s,search_mode=%s ",
			lpEscape(n.Name), lpEscape(r.Index), lpEscape(r.DatasetInfo.DataType), lpEscape(r.DatasetInfo.Metric), lpEscape(r.SearchMode))
		type field struct {
			k string
			v float64
		}
		fs := []field{{"num_vectors", float64(r.DatasetInfo.BaseCount)}, {"dim", float64(r.DatasetInfo.Dim)}}
		add := func(k string, p *float64) {
			if p != nil {
				fs = append(fs, field{k, *p})
			}
		}
		addI := func(k string, p *int64) {
			if p != nil {
				fs = append(fs, field{k, float64(*p)})
			}
		}
		add("build_time", r.BuildDuration)
		add("tps", r.TPS)
		addI("memory_peak_build", r.MemoryPeakBuildBytes)
		addI("index_memory", r.IndexMemory)
		addI("index_size", r.IndexSize)
		add("qps", r.QPS)
		add("latency_avg", r.LatencyAvg)
		for _, k := range sortedKeys(r.LatencyDetail) {
			fs = append(fs, field{"latency_" + k, r.LatencyDetail[k]})
		}
		add("recall_avg", r.RecallAvg)
		for _, k := range sortedKeys(r.RecallDetail) {
			fs = append(fs, field{"recall_" + k, r.RecallDetail[k]})
		}
		addI("memory_peak_search", r.MemoryPeakSearchBytes)
		for i, f := range fs {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%s", f.k, strconv.FormatFloat(f.v, 'g', -1, 64))
		}
		if r.SearchParam != "" {
			fmt.Fprintf(&b, ",search_param=%s", strconv.Quote(r.SearchParam))
		}
		fmt.Fprintf(&b, " %d\n", now)
	}
	return b.String(), nil
}

// sortedKeys returns the "pNN" keys in numeric order.
func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	num := func(k string) int { v, _ := strconv.Atoi(strings.TrimPrefix(k, "p")); return v }
	sort.Slice(ks, func(i, j int) bool { return num(ks[i]) < num(ks[j]) })
	return ks
}

// Export formats results for e and sends them to its destination.
func Export(e Exporter, results []Named, stdout io.Writer) error {
	f, err := FormatterFor(e.Format)
	if err != nil {
		return err
	}
	text, err := f(results)
	if err != nil {
		return err
	}
	return Send(e, text, stdout)
}

// Send writes formatted text to e's destination: stdout, file://<path> (overwritten) or
// influxdb://host:port/path?query (POSTed over HTTP with Vars["token"] as Authorization).
func Send(e Exporter, text string, stdout io.Writer) error {
	switch {
	case e.To == "" || e.To == "stdout":
		_, err := io.WriteString(stdout, text)
		return err
	case strings.HasPrefix(e.To, "file://"):
		path := strings.TrimPrefix(e.To, "file://")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("exporter %q: %w", e.Name, err)
			}
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return fmt.Errorf("exporter %q: %w", e.Name, err)
		}
		return nil
	case strings.HasPrefix(e.To, "influxdb://"):
		url := "http://" + strings.TrimPrefix(e.To, "influxdb://")
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(text))
		if err != nil {
			return fmt.Errorf("exporter %q: %w", e.Name, err)
		}
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		if tok := e.Vars["token"]; tok != "" {
			req.Header.Set("Authorization", tok)
		}
		client := &http.Client{Timeout: 30 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("exporter %q: %w", e.Name, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("exporter %q: influxdb answered %s: %s", e.Name, resp.Status, strings.TrimSpace(string(body)))
		}
		return nil
	}
	return fmt.Errorf("exporter %q: unknown destination %q", e.Name, e.To)
}

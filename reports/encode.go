package reports

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The formats.
const (
	FormatTerminal = "terminal"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

type encoder struct {
	name   string
	file   string // file name WriteAll writes
	encode func(w io.Writer, r *Report) error
}

var encoders = []encoder{
	{FormatTerminal, "report.txt", encodeTerminal},
	{FormatJSON, "report.json", encodeJSON},
	{FormatMarkdown, "report.md", encodeMarkdown},
	{FormatHTML, "report.html", encodeHTML},
}

// Formats lists the format names Encode accepts, in a stable order.
func Formats() []string {
	out := make([]string, len(encoders))
	for i, e := range encoders {
		out[i] = e.name
	}
	return out
}

// FileName returns the file name WriteAll uses for a format ("" if unknown).
func FileName(format string) string {
	for _, e := range encoders {
		if e.name == format {
			return e.file
		}
	}
	return ""
}

// Encode writes r to w in the named format (see Formats; "txt", "md" and
// "text" are accepted as aliases).
func Encode(w io.Writer, format string, r *Report) error {
	if err := Check(r); err != nil {
		return err
	}
	name := normalizeFormat(format)
	for _, e := range encoders {
		if e.name == name {
			bw := bufio.NewWriterSize(w, 64<<10)
			if err := e.encode(bw, r); err != nil {
				return fmt.Errorf("report: %s: %w", e.name, err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("report: %s: %w", e.name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("report: unknown format %q (known: %s)", format, strings.Join(Formats(), ", "))
}

func normalizeFormat(f string) string {
	switch strings.ToLower(strings.TrimSpace(f)) {
	case "txt", "text", "terminal", "term":
		return FormatTerminal
	case "md", "markdown":
		return FormatMarkdown
	case "json":
		return FormatJSON
	case "html", "htm":
		return FormatHTML
	}
	return f
}

// Check reports why r cannot be rendered (nil when it can).
func Check(r *Report) error {
	if r == nil {
		return errors.New("report: nil report")
	}
	if r.Judgement == nil {
		return errors.New("report: the report has no judgement (Report.Judgement is nil)")
	}
	if t := evidenceTimeline(r); t != nil && !t.Start.IsZero() && !t.End.IsZero() && t.End.Before(t.Start) {
		return fmt.Errorf("report: timeline ends (%s) before it starts (%s)", t.End.Format(timeLayout), t.Start.Format(timeLayout))
	}
	return nil
}

func evidenceTimeline(r *Report) *Timeline {
	if r.Evidence == nil {
		return nil
	}
	return r.Evidence.Timeline
}

// WriteAll writes every format into dir (created if missing) as report.txt,
// report.json, report.md and report.html, and returns the path of each by
// format name. Each file is written to a temporary name and renamed, so a
// failed run leaves no half-written report.
func WriteAll(dir string, r *Report) (map[string]string, error) {
	if err := Check(r); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: output directory: %w", err)
	}
	paths := make(map[string]string, len(encoders))
	for _, e := range encoders {
		p := filepath.Join(dir, e.file)
		if err := writeFile(p, e.name, r); err != nil {
			return paths, err
		}
		paths[e.name] = p
	}
	return paths, nil
}

func writeFile(path, format string, r *Report) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Encode(f, format, r); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

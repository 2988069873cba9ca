package policy

import (
	"strings"
)

// parseText turns a plain-text (or Markdown-like) document into blocks: one
// block per non-empty line. "#" headings, "**bold**", "- " items and
// "|"- or tab-separated table rows are recognised; other headings are
// guessed from their numbering ("一、", "（一）", "1.").
func parseText(src []byte) []*block {
	var blocks []*block
	s := string(src)
	offset, line := 0, 1
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		var ln string
		if i < 0 {
			ln, s = s, ""
		} else {
			ln, s = s[:i], s[i+1:]
		}
		if b := textBlock(strings.TrimRight(ln, "\r"), line, offset); b != nil {
			blocks = append(blocks, b)
		}
		offset += len(ln) + 1
		line++
	}
	return blocks
}

func textBlock(ln string, line, offset int) *block {
	t := strings.TrimSpace(ln)
	if t == "" {
		return nil
	}
	w := newBuilder()
	kind, level := bPara, 0
	switch {
	case strings.HasPrefix(t, "#"):
		n := len(t) - len(strings.TrimLeft(t, "#"))
		if n <= 6 {
			kind, level = bHeading, n
			t = strings.TrimSpace(t[n:])
		}
	case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "• ") || strings.HasPrefix(t, "· "):
		kind = bItem
		_, after, _ := strings.Cut(t, " ")
		t = strings.TrimSpace(after)
	}
	var cells []string
	switch {
	case strings.HasPrefix(t, "|") && strings.Count(t, "|") >= 2:
		inner := strings.Trim(t, "|")
		if strings.Trim(inner, "|-: ") == "" {
			return nil // Markdown table separator row
		}
		cells = strings.Split(inner, "|")
	case strings.Contains(t, "\t"):
		cells = strings.Split(t, "\t")
	}
	if cells != nil {
		for _, c := range cells {
			writeMarked(w, strings.TrimSpace(c))
			w.cell()
		}
	} else {
		writeMarked(w, t)
	}
	b := w.take(kind, level, line, offset)
	if b.text == "" && len(b.cells) == 0 {
		return nil
	}
	if b.kind == bPara {
		if l := headingLevel(b.text, b.fullyHighlighted()); l > 0 {
			b.kind, b.level = bHeading, l
		}
	}
	return b
}

// writeMarked writes t, treating **…** as highlighted.
func writeMarked(w *builder, t string) {
	hl := false
	for {
		i := strings.Index(t, "**")
		if i < 0 {
			w.write(t, hl)
			return
		}
		w.write(t[:i], hl)
		t = t[i+2:]
		hl = !hl
	}
}

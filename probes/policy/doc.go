package policy

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// block is one unit of text of the document: a heading, a paragraph, a list
// item or a table row, with the spans of it that were highlighted (bold,
// strong, underline…) and where it came from.
type block struct {
	kind  blockKind
	level int    // heading level (1 = top); 0 for other blocks
	text  string // whitespace-collapsed text
	cells []string
	// hl are the highlighted byte ranges of text ([start, end) pairs).
	hl [][2]int
	// line and offset locate the block's start in the decoded source.
	line, offset int
	// path is the heading path the block sits under (titles of the
	// enclosing headings, outermost first), set by structure().
	path []string
	// sec is the section kind of the nearest classified heading.
	sec string
}

type blockKind int

const (
	bPara blockKind = iota
	bHeading
	bItem
	bRow
)

func (b *block) loc() Loc {
	return Loc{Line: b.line, Offset: b.offset, Section: strings.Join(b.path, " > ")}
}

// highlighted reports whether the byte range [s, e) of b.text overlaps a
// highlighted span.
func (b *block) highlighted(s, e int) bool {
	for _, h := range b.hl {
		if s < h[1] && h[0] < e {
			return true
		}
	}
	return false
}

// fullyHighlighted reports whether all non-space text of the block is
// highlighted.
func (b *block) fullyHighlighted() bool {
	if len(b.hl) == 0 {
		return false
	}
	covered := 0
	for _, h := range b.hl {
		covered += h[1] - h[0]
	}
	return covered >= len(strings.TrimSpace(b.text))-3
}

// builder accumulates the text of the block being read, collapsing
// whitespace and recording highlighted spans.
type builder struct {
	sb      strings.Builder
	hl      [][2]int
	hlStart int // -1 when not in a highlight
	space   bool
	cells   []string
	cellAt  int
}

func newBuilder() *builder { return &builder{hlStart: -1} }

func (w *builder) write(s string, highlight bool) {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || r == '\u00a0' || r == '\u3000' || unicode.IsControl(r) {
			if w.sb.Len() > 0 {
				w.space = true
			}
			continue
		}
		if w.space {
			w.sb.WriteByte(' ')
			w.space = false
		}
		if highlight && w.hlStart < 0 {
			w.hlStart = w.sb.Len()
		} else if !highlight && w.hlStart >= 0 {
			w.closeHL()
		}
		w.sb.WriteRune(r)
	}
}

func (w *builder) closeHL() {
	if w.hlStart >= 0 {
		end := w.sb.Len()
		if end > w.hlStart {
			if n := len(w.hl); n > 0 && w.hl[n-1][1] >= w.hlStart-1 {
				w.hl[n-1][1] = end
			} else {
				w.hl = append(w.hl, [2]int{w.hlStart, end})
			}
		}
		w.hlStart = -1
	}
}

// cell ends a table cell.
func (w *builder) cell() {
	c := strings.TrimSpace(w.sb.String()[w.cellAt:])
	w.cells = append(w.cells, c)
	w.closeHL()
	if w.sb.Len() > 0 {
		w.space = true
	}
	w.cellAt = w.sb.Len()
}

func (w *builder) empty() bool { return w.sb.Len() == 0 && len(w.cells) == 0 }

// take returns the block built so far and resets the builder.
func (w *builder) take(kind blockKind, level, line, offset int) *block {
	w.closeHL()
	if w.cellAt < w.sb.Len() && len(w.cells) > 0 {
		w.cells = append(w.cells, strings.TrimSpace(w.sb.String()[w.cellAt:]))
	}
	b := &block{kind: kind, level: level, text: w.sb.String(), hl: w.hl, cells: w.cells, line: line, offset: offset}
	w.sb.Reset()
	w.hl, w.cells, w.cellAt, w.space, w.hlStart = nil, nil, 0, false, -1
	if len(b.cells) > 0 {
		b.kind = bRow
	}
	return b
}

// Heading numbering patterns of Chinese documents, outermost first.
var numberingRE = []*regexp.Regexp{
	regexp.MustCompile(`^第[一二三四五六七八九十百零〇0-9]+[章部分]`),
	regexp.MustCompile(`^[一二三四五六七八九十]+[、.．]`),
	regexp.MustCompile(`^[（(][一二三四五六七八九十]+[)）]`),
	regexp.MustCompile(`^[0-9]{1,2}[、．]|^[0-9]{1,2}\.(\s|[^0-9])`),
	regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?`),
	regexp.MustCompile(`^[（(][0-9]{1,2}[)）]|^[0-9]{1,2}[)）]`),
	regexp.MustCompile(`^第[一二三四五六七八九十百零〇0-9]+条`),
}

// headingLevel guesses whether a paragraph is a heading from its numbering
// and shape: short, not a sentence. It returns 0 for a paragraph.
func headingLevel(text string, bold bool) int {
	n := utf8.RuneCountInString(text)
	if n == 0 || n > 40 {
		return 0
	}
	t := strings.TrimSpace(text)
	last, _ := utf8.DecodeLastRuneInString(t)
	sentence := strings.ContainsRune("。；;，,：:！!？?", last)
	if strings.ContainsAny(t, "。；;") {
		return 0
	}
	for i, re := range numberingRE {
		if re.MatchString(t) {
			if sentence && !bold {
				return 0
			}
			if i == 6 { // 第X条 is an article, below chapters
				return 3
			}
			return i + 2
		}
	}
	if bold && !sentence && n <= 30 {
		return 8
	}
	return 0
}

// stripNumbering removes a heading's leading numbering.
func stripNumbering(t string) string {
	t = strings.TrimSpace(t)
	for _, re := range numberingRE {
		if loc := re.FindStringIndex(t); loc != nil {
			return strings.TrimSpace(t[loc[1]:])
		}
	}
	return t
}

// structure assigns heading paths and section kinds to the blocks.
func structure(blocks []*block) {
	type open struct {
		level int
		title string
		sec   string
	}
	var stack []open
	for _, b := range blocks {
		if b.kind == bHeading {
			for len(stack) > 0 && stack[len(stack)-1].level >= b.level {
				stack = stack[:len(stack)-1]
			}
			sec := sectionKind(b.text)
			if len(stack) > 0 {
				// A sub-heading keeps its parent's kind unless the
				// parent is the broad collection or sharing section
				// (which hold SDK lists, storage notes…).
				if ps := stack[len(stack)-1].sec; sec == "" || (ps != "" && ps != secCollect && ps != secShare) {
					sec = ps
				}
			}
			if len(stack) < 32 {
				stack = append(stack, open{b.level, stripNumbering(b.text), sec})
			}
			b.sec = sec
		} else if len(stack) > 0 {
			b.sec = stack[len(stack)-1].sec
		}
		// The path of a heading includes itself.
		p := make([]string, len(stack))
		for i, o := range stack {
			p[i] = truncRunes(o.title, 40)
		}
		b.path = p
	}
}

// Section kinds.
const (
	secCollect  = "collect"
	secSDK      = "sdk"
	secShare    = "share"
	secStorage  = "storage"
	secRights   = "rights"
	secChildren = "children"
	secTransfer = "transfer"
	secUpdate   = "update"
	secContact  = "contact"
	secProtect  = "protect"
	secCookie   = "cookie"
)

var sectionRules = []struct {
	kind string
	re   *regexp.Regexp
}{
	{secSDK, regexp.MustCompile(`(?i)SDK|第三方(共享|信息)?清单|第三方(代码|插件|服务商|合作方)|接入的第三方`)},
	{secChildren, regexp.MustCompile(`儿童|未成年人`)},
	{secRights, regexp.MustCompile(`您的权利|用户权利|管理您的个人信息|您如何(管理|行使)|个人信息主体(的)?权利|访问(和|与)?(管理|控制)`)},
	{secTransfer, regexp.MustCompile(`全球范围|跨境|出境|转移`)},
	{secStorage, regexp.MustCompile(`存储|保存|保留`)},
	{secContact, regexp.MustCompile(`联系我们|联系方式|如何联系|投诉`)},
	{secUpdate, regexp.MustCompile(`如何更新|政策(的)?(更新|变更)|修订`)},
	{secShare, regexp.MustCompile(`共享|转让|公开披露|委托处理`)},
	{secProtect, regexp.MustCompile(`保护您的个人信息|安全(措施|保护)|如何保护`)},
	{secCookie, regexp.MustCompile(`(?i)cookie`)},
	{secCollect, regexp.MustCompile(`收集|使用您的个人信息|业务功能|权限`)},
}

func sectionKind(title string) string {
	for _, r := range sectionRules {
		if r.re.MatchString(title) {
			return r.kind
		}
	}
	return ""
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

package policy

import (
	"bytes"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements: their content is not policy text.
var skipElems = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Select: true, atom.Textarea: true, atom.Head: false,
}

// blockElems end the current block when they open or close.
var blockElems = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Caption: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Main: true,
	atom.Nav: true, atom.Aside: true, atom.Blockquote: true, atom.Dl: true, atom.Dd: true, atom.Dt: true,
	atom.Pre: true, atom.Br: true, atom.Hr: true, atom.Form: true, atom.Center: true,
	atom.Address: true, atom.Figure: true, atom.Figcaption: true, atom.Body: true, atom.Html: true,
	atom.Title: true, atom.Details: true, atom.Summary: true,
}

var highlightElems = map[atom.Atom]bool{
	atom.B: true, atom.Strong: true, atom.U: true, atom.Em: true, atom.I: true, atom.Mark: true, atom.Ins: true,
}

var (
	boldStyleRE  = regexp.MustCompile(`(?i)font-weight\s*:\s*(bold|bolder|[6-9]00)|text-decoration[a-z-]*\s*:[^;]*underline|font-style\s*:\s*italic`)
	headingAtoms = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}
)

// parseHTML turns an HTML document into blocks. It reads tokens, not a
// tree, so arbitrarily deep nesting costs nothing, and unbalanced tags only
// end blocks early or late.
func parseHTML(src []byte) (blocks []*block, title string) {
	z := html.NewTokenizer(bytes.NewReader(src))
	z.SetMaxBuf(0)
	w := newBuilder()
	var (
		offset, line        = 0, 1
		startOff, startLine = 0, 1
		skip                int
		inTitle             bool
		titleSB             strings.Builder
		hlStack             []atom.Atom
		heading             int
		item                bool
		inRow               int
	)
	flush := func() {
		if !w.empty() {
			kind, level := bPara, 0
			switch {
			case heading > 0:
				kind, level = bHeading, heading
			case item:
				kind = bItem
			}
			b := w.take(kind, level, startLine, startOff)
			if strings.TrimSpace(b.text) != "" || len(b.cells) > 0 {
				if b.kind == bPara || b.kind == bItem {
					if l := headingLevel(b.text, b.fullyHighlighted()); l > 0 && (b.kind == bPara || b.fullyHighlighted()) {
						b.kind, b.level = bHeading, l
					}
				}
				blocks = append(blocks, b)
			}
		}
		w = newBuilder()
		startOff, startLine = offset, line
	}
	for {
		tt := z.Next()
		raw := z.Raw()
		tokOff, tokLine := offset, line
		offset += len(raw)
		line += bytes.Count(raw, []byte{'\n'})
		if w.empty() {
			startOff, startLine = tokOff, tokLine
		}
		switch tt {
		case html.ErrorToken:
			flush()
			return blocks, strings.TrimSpace(titleSB.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if inTitle {
				titleSB.Write(z.Text())
				continue
			}
			if w.empty() {
				startOff, startLine = tokOff, tokLine
			}
			w.write(string(z.Text()), len(hlStack) > 0)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			selfClosing := tt == html.SelfClosingTagToken
			if skipElems[a] {
				if end {
					skip = max(0, skip-1)
				} else if !selfClosing {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			if a == atom.Title {
				inTitle = !end && !selfClosing
				continue
			}
			var style string
			for hasAttr && !end {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "style" {
					style = string(v)
				}
			}
			switch {
			case a == atom.Tr:
				flush()
				if end {
					inRow = max(0, inRow-1)
				} else if !selfClosing {
					inRow++
				}
			case a == atom.Td || a == atom.Th:
				if end && inRow > 0 {
					w.cell()
				}
			case headingAtoms[a] > 0:
				flush()
				if end {
					heading = 0
				} else {
					heading = headingAtoms[a]
				}
			case a == atom.Li:
				flush()
				item = !end
			case blockElems[a]:
				if inRow > 0 && a != atom.Table {
					w.write(" ", false)
				} else {
					flush()
				}
				if a == atom.Table || a == atom.Ul || a == atom.Ol {
					item = false
				}
			}
			if selfClosing {
				continue
			}
			if !end && (highlightElems[a] || (style != "" && boldStyleRE.MatchString(style))) {
				if len(hlStack) < 256 {
					hlStack = append(hlStack, a)
				}
			} else if end && len(hlStack) > 0 && (highlightElems[a] || a == atom.Span || a == atom.Font) {
				// Close the innermost highlight opened by this element.
				for i := len(hlStack) - 1; i >= 0 && i >= len(hlStack)-8; i-- {
					if hlStack[i] == a {
						hlStack = append(hlStack[:i], hlStack[i+1:]...)
						break
					}
				}
			}
			if end && a == atom.Table {
				inRow = 0
			}
		}
	}
}

package reports

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ceping/ceping/internal/testutil"
)

// chromium runs Debian's chromium headless on a file (testutil.Chromium).
func chromium(t *testing.T, file string, mode ...string) []byte {
	t.Helper()
	return testutil.Chromium(t, file, mode...)
}

func writeHTML(t *testing.T, r *Report) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Encode(f, FormatHTML, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

type domStats struct {
	text      strings.Builder
	byID      map[string]*html.Node
	classes   map[string]int
	elems     map[string]int
	badAttrs  []string
	svgLines  int
	svgCircle int
}

func scanDOM(t *testing.T, dom []byte) *domStats {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	s := &domStats{byID: map[string]*html.Node{}, classes: map[string]int{}, elems: map[string]int{}}
	var walk func(n *html.Node, inSVG bool)
	walk = func(n *html.Node, inSVG bool) {
		if n.Type == html.ElementNode {
			s.elems[n.Data]++
			if n.Data == "svg" {
				inSVG = true
			}
			if inSVG && n.Data == "line" {
				s.svgLines++
			}
			if inSVG && n.Data == "circle" {
				s.svgCircle++
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					s.byID[a.Val] = n
				case a.Key == "class":
					for _, c := range strings.Fields(a.Val) {
						s.classes[c]++
					}
				case strings.HasPrefix(a.Key, "on"), a.Key == "src",
					(a.Key == "href" || a.Key == "xlink:href") && !strings.HasPrefix(a.Val, "#"):
					s.badAttrs = append(s.badAttrs, n.Data+" "+a.Key+"="+a.Val)
				}
			}
		}
		if n.Type == html.TextNode && !(n.Parent != nil && n.Parent.Data == "style") {
			s.text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inSVG)
		}
	}
	walk(doc, false)
	return s
}

func nodeText(n *html.Node) string { return testutil.DOMText(n) }

// TestBrowserDOM loads the hostile report in a real browser and inspects
// the DOM the browser built: verdicts, item count, the SVG timeline, and
// that no hostile string became markup.
func TestBrowserDOM(t *testing.T) {
	r := hostileReport()
	file := writeHTML(t, r)
	dom := chromium(t, file, "--dump-dom")
	s := scanDOM(t, dom)

	for _, el := range []string{"script", "img", "iframe", "object", "embed", "form", "link", "base"} {
		if s.elems[el] > 0 {
			t.Errorf("the DOM has %d <%s> elements", s.elems[el], el)
		}
	}
	if s.elems["style"] != 1 {
		t.Errorf("the DOM has %d <style> elements, want 1", s.elems["style"])
	}
	for _, a := range s.badAttrs {
		t.Errorf("injected attribute: %s", clip(a, 120))
	}
	v, ok := s.byID["app-verdict"]
	if !ok || strings.TrimSpace(nodeText(v)) != "不符合" {
		t.Errorf("app verdict element missing or wrong")
	}
	if got, want := s.classes["item-row"], len(newView(r).Mandatory); got != want {
		t.Errorf("%d item rows, want %d", got, want)
	}
	if got := s.classes["unit"]; got != len(r.Judgement.Units) {
		t.Errorf("%d unit articles, want %d", got, len(r.Judgement.Units))
	}
	for _, c := range []string{"v-pass", "v-fail", "v-na", "v-pending"} {
		if s.classes[c] == 0 {
			t.Errorf("no element with verdict class %s", c)
		}
	}
	if _, ok := s.byID["timeline-svg"]; !ok {
		t.Fatal("no SVG timeline")
	}
	tl := r.Evidence.Timeline
	if got := s.classes["tick-pi"]; got != piFlows(tl) {
		t.Errorf("%d PI ticks, want %d", got, piFlows(tl))
	}
	if s.svgCircle != len(tl.Findings) {
		t.Errorf("%d finding dots, want %d", s.svgCircle, len(tl.Findings))
	}
	if s.classes["mk"] != len(tl.Markers) {
		t.Errorf("%d marker lines, want %d", s.classes["mk"], len(tl.Markers))
	}
	txt := s.text.String()
	for _, h := range hostile[:4] {
		if !strings.Contains(txt, clean(h, true)) {
			t.Errorf("hostile string %q is not in the page text", h)
		}
	}
	for _, want := range []string{"宜达到的测评单元", "答案冲突", "证据索引", "同意前收集的个人信息"} {
		if !strings.Contains(txt, want) {
			t.Errorf("page text lacks %q", want)
		}
	}
}

var mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*([-0-9.]+)\s+([-0-9.]+)\s+([-0-9.]+)\s+([-0-9.]+)\s*\]`)

// TestBrowserPDF prints the sample report to PDF and checks the pages are A4.
func TestBrowserPDF(t *testing.T) {
	file := writeHTML(t, sampleReport())
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	chromium(t, file, "--no-pdf-header-footer", "--print-to-pdf="+pdf)
	data, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", data[:min(len(data), 16)])
	}
	boxes := mediaBox.FindAllSubmatch(data, -1)
	if len(boxes) == 0 {
		t.Fatal("no /MediaBox in the PDF")
	}
	for _, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[3]), 64)
		h, _ := strconv.ParseFloat(string(b[4]), 64)
		if w < 593 || w > 598 || h < 840 || h > 845 {
			t.Errorf("page size %.1f×%.1f pt, want A4 (595×842)", w, h)
		}
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(data, -1))
	if pages < 2 || pages > 30 {
		t.Errorf("%d pages for the sample report, want 2..30", pages)
	}
	t.Logf("PDF: %d bytes, %d pages, %d media boxes", len(data), pages, len(boxes))
}

// TestBrowserScreenshot renders the sample report to a PNG and checks the
// image is a real, non-trivial picture.
func TestBrowserScreenshot(t *testing.T) {
	file := writeHTML(t, sampleReport())
	png := filepath.Join(t.TempDir(), "shot.png")
	chromium(t, file, "--window-size=1000,1400", "--screenshot="+png)
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 24 || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || string(data[12:16]) != "IHDR" {
		t.Fatal("not a PNG")
	}
	w, h := binary.BigEndian.Uint32(data[16:20]), binary.BigEndian.Uint32(data[20:24])
	if w != 1000 || h != 1400 {
		t.Errorf("screenshot is %d×%d, want 1000×1400", w, h)
	}
	// A blank page compresses to a few KB; the report has text, tables and
	// coloured labels.
	if len(data) < 30_000 {
		t.Errorf("screenshot is only %d bytes: page looks empty", len(data))
	}
}

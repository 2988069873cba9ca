package policy

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ceping/ceping/internal/testutil"
)

// FuzzParse feeds HTML and text documents to Parse: it must return a
// policy or an error naming the input, never panic, and every fact must
// point inside the document.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"fixtures/demo/policy.html", "fixtures/policies/bad-vague.txt", "fixtures/policies/gb18030-news.txt", "fixtures/policies/bad-unmarked.html"} {
		data, err := os.ReadFile(testutil.Path(strings.Split(p, "/")...))
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 4096 {
			data = data[:4096]
		}
		f.Add(data)
	}
	f.Add([]byte("<p><b>一、我们如何收集</b></p><table><tr><th>SDK名称</th><th>提供方</th></tr><tr><td>极光</td></tr></table>"))
	f.Add([]byte("# 隐私政策\n\n| SDK 名称 | 目的 |\n|---|---|\n| 友盟 | 统计 |\n当您使用“扫码”功能时，我们会收集您的相机、IMEI等信息。\n"))
	f.Add([]byte("<html><meta charset=gbk><p>\xd2\xfe\xcb\xbd\xd5\xfe\xb2\xdf</p>"))
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz.html")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.html: ") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		check := func(what string, l Loc) {
			if l.Line < 1 || l.Offset < 0 {
				t.Fatalf("%s at %+v", what, l)
			}
		}
		for _, fn := range p.Functions {
			check("function "+fn.Name, fn.Loc)
			if len(fn.PITypes) == 0 {
				t.Fatalf("function %q without PI", fn.Name)
			}
		}
		for _, s := range p.SDKs {
			check("sdk "+s.Name, s.Loc)
		}
		for _, r := range p.Rights {
			check("right "+r.Key, r.Loc)
		}
		for _, c := range p.Checks {
			if c.Result != Pass && c.Result != Fail && c.Result != Unknown {
				t.Fatalf("check %s result %q", c.ID, c.Result)
			}
			if c.Quote != nil {
				check("check "+c.ID, c.Quote.Loc)
				if !utf8.ValidString(c.Quote.Quote) {
					t.Fatalf("check %s quote not UTF-8", c.ID)
				}
			}
		}
		if len(p.Checks) != 25 {
			t.Fatalf("%d checks", len(p.Checks))
		}
	})
}

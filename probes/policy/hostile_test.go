package policy

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/internal/testutil"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty.html: empty document"},
		{"binary", []byte("PK\x03\x04\x00\x00\x08\x00"), "binary data"},
		{"no-text", []byte("<html><body><script>var a='隐私政策';</script></body></html>"), "no text in the html document"},
		{"english", []byte("Privacy policy. We collect nothing."), "no Chinese text"},
		{"huge", bytes.Repeat([]byte("a"), MaxSize+1), "larger than the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.name + ".html"
			if tc.name == "empty" {
				name = "empty.html"
			}
			p, err := Parse(tc.data, name)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("Parse = %v, %v; want an error naming %s with %q", p, err, name, tc.want)
			}
		})
	}
}

// TestScriptInjection: text inside <script>, <style>, <template>, <svg>,
// comments and attributes is not policy text.
func TestScriptInjection(t *testing.T) {
	doc := `<html><body><h2>一、我们如何收集和使用您的个人信息</h2>
<script>document.write("<p>我们会收集您的通讯录</p>"); if (1 < 2) {}</script>
<style>p::after { content: "通话记录" }</style>
<template><p>当您使用转账功能时，我们会收集您的银行卡号</p></template>
<svg><text>短信内容</text></svg>
<!-- <p>我们会收集您的身份证号码</p> -->
<p title="指纹">当您使用注册功能时，我们会收集您的手机号码，用于注册。<img src=x onerror="alert('人脸')"></p>
</body></html>`
	p, err := Parse([]byte(doc), "inject.html")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "pi types", p.PITypes, []string{"phone_number"})
	eq(t, "functions", funcTypes(p), map[string][]string{"注册": {"phone_number"}})
}

// TestBrokenHTML: unclosed and stray tags, deep nesting and invalid UTF-8
// give a result, not a panic or a stall.
func TestBrokenHTML(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("<html><body><h2>一、我们如何收集和使用您的个人信息</h2>")
	for range 200000 {
		b.WriteString("<div><span><b>")
	}
	b.WriteString("<p>当您使用定位功能时，我们会收集您的位置信息，用于推荐。</p>")
	b.WriteString("</i></table></tr><td></li>\xff\xfe\xc3<p>当您使用登录功能时，我们会收集您的手机号码\x80，用于登录。")
	start := time.Now()
	p, err := Parse(b.Bytes(), "broken.html")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	eq(t, "functions", funcTypes(p), map[string][]string{"定位": {"location"}, "登录": {"phone_number"}})
	// Everything after the 200 000 unclosed <b> is bold, as in a browser.
	eq(t, "sensitive", sensitive(p), map[string]bool{"location": true})
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "invalid UTF-8: 4 bad bytes (first at offset") {
		t.Errorf("warnings = %q", p.Warnings)
	}
	eq(t, "charset", p.Charset, "utf-8")
}

// TestBigPolicy: a 10 MB policy (the good fixture's body repeated) parses
// with the same findings.
func TestBigPolicy(t *testing.T) {
	data := bigPolicy(t, 10<<20)
	start := time.Now()
	p, err := Parse(data, "big.html")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes, %d characters in %v", len(data), p.Chars, time.Since(start))
	eq(t, "pi types", p.PITypes, []string{"android_id", "bssid", "camera", "device_info", "id_card", "location", "name", "network_info", "oaid", "phone_number", "photos"})
	eq(t, "functions", len(p.Functions), 7)
	if len(p.SDKs) < 4 || p.SDKs[0].ID != "jpush" {
		t.Errorf("sdks = %d, first %+v", len(p.SDKs), p.SDKs[0])
	}
}

func bigPolicy(t testing.TB, size int) []byte {
	good, err := os.ReadFile(testutil.Path("fixtures", "policies", "good-shop.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	head, rest, _ := strings.Cut(s, "<body>")
	body, _, _ := strings.Cut(rest, "</body>")
	var b bytes.Buffer
	b.WriteString(head + "<body>")
	for b.Len() < size {
		b.WriteString(body)
	}
	b.WriteString("</body></html>")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, size := range []int{100 << 10, 1 << 20} {
		data := bigPolicy(b, size)
		b.Run(byteSize(size), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(data, "big.html"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + "MB"
	}
	return strconv.Itoa(n>>10) + "KB"
}
